"""Hydra's OAuth2 clients in the Django admin.

Hydra is the source of truth. The changelist is Django's copy
of Hydra's list (`OAuth2ClientRecord`), refreshed from Hydra on every visit;
the change form reads the client from Hydra and writes to Hydra before the
copy is touched. Secrets are shown once and never stored.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import hydra_clients
from ..errors import OryError
from . import records
from .forms import OAuth2ClientForm
from .models import OAuth2ClientRecord
from .saving import ClientPage, SavedClient

# Per request: what Hydra said about each client page (see get_object), and
# what the last save did (save_form -> save_model / response_add).
_PAGES = "_oryauth_client_pages"
_SAVED = "_oryauth_client_saved"

LIFESPAN_DESCRIPTION = gettext_lazy("Empty fields use Hydra's configured defaults (ttl.* in hydra.yml).")


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def _read_only_field(name: str, label: str, values: dict[str, Any]) -> Callable[[OAuth2ClientRecord], str]:
    """A read-only admin field showing one of Hydra's values (for staff who
    may only view): Django's admin takes callables in fieldsets."""

    def show(record: OAuth2ClientRecord) -> str:
        return _shown(values.get(name))

    show.short_description = label  # type: ignore[attr-defined]
    show.__name__ = name
    return show


@admin.register(OAuth2ClientRecord)
class OAuth2ClientAdmin(admin.ModelAdmin):
    form = OAuth2ClientForm
    list_display = (
        "client_name",
        "client_id",
        "grant_types_shown",
        "redirect_uris_shown",
        "auth_method_shown",
        "skip_consent",
        "created_shown",
    )
    list_display_links = ("client_name", "client_id")
    search_fields = ("client_name", "client_id")
    list_per_page = 25
    # No bulk actions: deleting goes through the per-client confirmation (one
    # Hydra call each), and "Sync with Hydra" is a button on the list.
    actions = None
    save_as = False
    fieldsets = (
        (None, {"fields": ("client_id", "client_name", "owner", "contacts", "submission_id", "hydra_version")}),
        (
            gettext_lazy("Flows"),
            {"fields": ("grant_types", "response_types", "scope", "audience", "skip_consent", "skip_logout_consent")},
        ),
        (gettext_lazy("Redirects"), {"fields": ("redirect_uris", "post_logout_redirect_uris", "allowed_cors_origins")}),
        (gettext_lazy("Authentication"), {"fields": ("token_endpoint_auth_method", "jwks_uri", "subject_type")}),
        (gettext_lazy("Shown to people"), {"fields": ("client_uri", "logo_uri", "policy_uri", "tos_uri"), "classes": ("collapse",)}),
        (gettext_lazy("Metadata"), {"fields": ("metadata",), "classes": ("collapse",)}),
        (
            gettext_lazy("Token lifespans"),
            {"fields": hydra_clients.LIFESPAN_FIELDS, "classes": ("collapse",), "description": LIFESPAN_DESCRIPTION},
        ),
    )

    @admin.display(description=gettext_lazy("grant types"))
    def grant_types_shown(self, record: OAuth2ClientRecord) -> str:
        return format_html_join(mark_safe("<br>"), "{}", ((grant,) for grant in record.grant_types)) or "-"

    @admin.display(description=gettext_lazy("auth method"), ordering="token_endpoint_auth_method")
    def auth_method_shown(self, record: OAuth2ClientRecord) -> str:
        return record.token_endpoint_auth_method

    @admin.display(description=gettext_lazy("created"), ordering="created_in_hydra")
    def created_shown(self, record: OAuth2ClientRecord) -> str:
        return record.created_in_hydra.strftime("%Y-%m-%d") if record.created_in_hydra else "-"

    @admin.display(description=gettext_lazy("redirect URIs"))
    def redirect_uris_shown(self, record: OAuth2ClientRecord) -> str:
        # Long URIs are cut in the list (the full ones are on the client page).
        return format_html_join(
            mark_safe("<br>"),
            '<span title="{}">{}</span>',
            ((uri, Truncator(uri).chars(40)) for uri in record.redirect_uris),
        ) or "-"

    # --- reading: always from Hydra ----------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        # Only for staff who may see the list: the others get Django's 403 below.
        if request.method == "GET" and self.has_view_or_change_permission(request):
            try:
                records.sync_client_records()
            except OryError as exc:
                messages.error(
                    request,
                    _("Hydra could not be read (%(error)s). This list is Django's last copy and may be out of date.")
                    % {"error": exc},
                )
        extra_context = {**(extra_context or {}), "can_sync": self.has_change_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> OAuth2ClientRecord | None:
        """Django's copy of the client, refreshed from Hydra; what Hydra said is
        the request's `ClientPage` (`page_of`).

        When Hydra cannot be asked, a POST still gets the record (the page
        carries the error) so the form can say so and keep the input; a GET
        raises, and the view answers with the 503 page."""
        if not self.has_view_or_change_permission(request):
            return super().get_object(request, object_id, from_field)  # Django answers 403; Hydra is not asked
        pages: dict[str, ClientPage] = request.__dict__.setdefault(_PAGES, {})
        if object_id in pages:  # change_view asked already in this request
            page = pages[object_id]
            return OAuth2ClientRecord.objects.filter(pk=object_id).first() if page.hydra or page.hydra_error else None
        try:
            client = hydra_clients.get_client(object_id)
        except OryError as exc:
            record = super().get_object(request, object_id, from_field)
            if record is None or request.method != "POST":
                raise
            pages[object_id] = ClientPage(hydra_error=exc)
            return record
        if client is None:
            OAuth2ClientRecord.objects.filter(pk=object_id).delete()
            pages[object_id] = ClientPage()
            return None
        pages[object_id] = ClientPage(hydra=client)
        return records.record_client(client)

    @staticmethod
    def page_of(request: HttpRequest, record: OAuth2ClientRecord | None) -> ClientPage:
        """What Hydra said about `record`'s client in this request (empty when adding)."""
        if record is None:
            return ClientPage()
        return request.__dict__.get(_PAGES, {}).get(record.client_id, ClientPage())

    def get_form(self, request: HttpRequest, obj: OAuth2ClientRecord | None = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        # The form class for this request knows what Hydra said (typed, on the form, not the model).
        return type(form.__name__, (form,), {"page": self.page_of(request, obj)})

    def get_fieldsets(self, request: HttpRequest, obj: OAuth2ClientRecord | None = None) -> Any:
        if obj is None:
            first, *rest = self.fieldsets
            return ((first[0], {**first[1], "fields": tuple(f for f in first[1]["fields"] if f != "hydra_version")}), *rest)
        # submission_id only guards the add form against being sent twice;
        # hydra_version (hidden) guards the change form against a stale page.
        first, *rest = self.fieldsets
        fieldsets = ((first[0], {**first[1], "fields": tuple(f for f in first[1]["fields"] if f != "submission_id")}), *rest)
        page = self.page_of(request, obj)
        if self.has_change_permission(request, obj) or page.hydra is None:
            return fieldsets
        # Staff who may only view get Hydra's values read-only: fields that are
        # not columns of Django's copy are shown by callables reading them.
        values = hydra_clients.initial_from_client(page.hydra)
        form_fields = OAuth2ClientForm.base_fields
        columns = {field.name for field in OAuth2ClientRecord._meta.fields}

        def shown(name: str) -> Any:
            return name if name in columns else _read_only_field(name, str(form_fields[name].label or name), values)

        shown_fieldsets: list[tuple[Any, dict[str, Any]]] = []
        for title, options in fieldsets:
            names: tuple[str, ...] = options["fields"]  # type: ignore[assignment]  # our own fieldsets: names
            shown_fieldsets.append((title, {**options, "fields": tuple(shown(f) for f in names if f != "hydra_version")}))
        return tuple(shown_fieldsets)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        # Asked once per request: get_object keeps the answer for super() below.
        record = self.get_object(request, unquote(object_id))
        client = self.page_of(request, record).hydra
        if record is not None and client is not None:
            extra_context["cli_command"] = hydra_clients.cli_create_command(client)
            extra_context["lifespans_command"] = hydra_clients.lifespans_command(client)
            extra_context["can_rotate"] = client.token_endpoint_auth_method != "none"
            extra_context["rotate_url"] = reverse(
                "admin:oryauth_client_admin_oauth2clientrecord_rotate", args=[quote(record.client_id)]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    # --- writing: Hydra first, then Django's copy ----------------------------

    def save_form(self, request: HttpRequest, form: OAuth2ClientForm, change: bool) -> OAuth2ClientRecord:
        # The form already wrote to Hydra; the copy mirrors Hydra's answer.
        assert form.saved is not None
        setattr(request, _SAVED, (form.saved, tuple(form.warnings)))
        return OAuth2ClientRecord(client_id=form.saved.client.client_id or "", **records.record_values(form.saved.client))

    def _saved(self, request: HttpRequest) -> tuple[SavedClient | None, tuple[str, ...]]:
        return getattr(request, _SAVED, (None, ()))

    def save_model(self, request: HttpRequest, obj: OAuth2ClientRecord, form: Any, change: bool) -> None:
        obj.save()
        saved, warnings = self._saved(request)
        for warning in warnings:
            messages.warning(request, warning)
        if saved is not None and saved.needs_new_secret:
            messages.warning(request, _("This client now needs a secret: use “Rotate secret” to get one."))

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Nothing related to save: everything went to Hydra."""

    def response_add(self, request: HttpRequest, obj: OAuth2ClientRecord, post_url_continue: str | None = None) -> HttpResponse:
        saved, _warnings = self._saved(request)
        return self._secret_page(request, obj, saved.new_secret if saved else None, created=True)

    def delete_model(self, request: HttpRequest, obj: OAuth2ClientRecord) -> None:
        hydra_clients.delete_client(obj.client_id)
        obj.delete()

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except OryError as exc:
            # Django's delete_view runs in a transaction: the log entry is rolled back too.
            if request.method != "POST":
                raise
            messages.error(request, _("Hydra did not delete the client (%(error)s). Nothing was changed.") % {"error": exc})
            return HttpResponseRedirect(reverse("admin:oryauth_client_admin_oauth2clientrecord_changelist"))

    def sync_view(self, request: HttpRequest) -> HttpResponse:
        """POST: make Django's list equal to Hydra's now and say what changed."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        changelist_url = reverse("admin:oryauth_client_admin_oauth2clientrecord_changelist")
        if request.method != "POST":
            return HttpResponseRedirect(changelist_url)
        try:
            report = records.sync_client_records()
        except OryError as exc:
            messages.error(request, _("Hydra could not be read (%(error)s). Nothing was changed.") % {"error": exc})
            return HttpResponseRedirect(changelist_url)
        messages.success(
            request,
            ngettext(
                "Hydra has %(total)d client: %(added)d added, %(updated)d updated, %(removed)d removed here.",
                "Hydra has %(total)d clients: %(added)d added, %(updated)d updated, %(removed)d removed here.",
                report.total,
            )
            % {
                "total": report.total,
                "added": len(report.added),
                "updated": len(report.updated),
                "removed": len(report.removed),
            },
        )
        return HttpResponseRedirect(changelist_url)

    # --- rotate secret ------------------------------------------------------

    def get_urls(self) -> list[Any]:
        rotate = path(
            "<path:object_id>/rotate-secret/",
            self.admin_site.admin_view(self.rotate_secret_view),
            name="oryauth_client_admin_oauth2clientrecord_rotate",
        )
        sync = path("sync/", self.admin_site.admin_view(self.sync_view), name="oryauth_client_admin_oauth2clientrecord_sync")
        return [rotate, sync, *super().get_urls()]

    def rotate_secret_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET asks for confirmation; POST sets a new secret in Hydra and shows it once."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        record = self.get_object(request, unquote(object_id))
        if record is None:
            messages.warning(request, _("Hydra has no client %(id)s (deleted elsewhere?).") % {"id": object_id})
            return HttpResponseRedirect(reverse("admin:oryauth_client_admin_oauth2clientrecord_changelist"))
        change_url = reverse("admin:oryauth_client_admin_oauth2clientrecord_change", args=[quote(record.client_id)])
        page = self.page_of(request, record)
        if page.hydra is None:
            messages.error(request, _("Hydra could not be asked (%(error)s). Nothing was changed.") % {"error": page.hydra_error})
            return HttpResponseRedirect(change_url)
        if page.hydra.token_endpoint_auth_method == "none":
            messages.error(request, _("A public client (auth method none) has no secret to rotate."))
            return HttpResponseRedirect(change_url)
        if request.method != "POST":
            context = {**self.admin_site.each_context(request), "opts": self.opts, "record": record, "change_url": change_url}
            return TemplateResponse(request, "admin/oryauth_client_admin/oauth2clientrecord/rotate_confirm.html", context)
        try:
            secret = hydra_clients.rotate_secret(record.client_id)
        except OryError as exc:
            messages.error(request, _("Hydra did not rotate the secret (%(error)s). The old secret still works.") % {"error": exc})
            return HttpResponseRedirect(change_url)
        self.log_change(request, record, [{"changed": {"fields": ["client secret (rotated)"]}}])
        return self._secret_page(request, record, secret, created=False)

    def _secret_page(self, request: HttpRequest, record: OAuth2ClientRecord, secret: str | None, *, created: bool) -> HttpResponse:
        """The one page that shows a client secret. Rendered as the answer to
        the POST (no redirect, nothing stored), and never cached."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "record": record,
            "secret": secret,
            "created": created,
            "change_url": reverse("admin:oryauth_client_admin_oauth2clientrecord_change", args=[quote(record.client_id)]),
            "changelist_url": reverse("admin:oryauth_client_admin_oauth2clientrecord_changelist"),
        }
        response = render(request, "admin/oryauth_client_admin/oauth2clientrecord/secret_once.html", context)
        response["Cache-Control"] = "no-store"
        return response
