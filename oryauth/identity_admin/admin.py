"""Kratos identities in the Django admin.

Every page reads Kratos (admin API) on each visit; every action is a POST
with Django's CSRF protection, checked against the model permissions (view
to look, change to end sessions / send a recovery code / (de)activate,
delete to delete) and written to Django's admin log. Kratos down or
refusing is the admin's own error message, never a 500.
"""
from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ..errors import OryError
from ..resolution import forget_identity_everywhere
from . import kratos
from .models import KratosIdentity

_TEMPLATES = "admin/oryauth_identity_admin/kratosidentity/"
_LIST = "admin:oryauth_identity_admin_kratosidentity_changelist"
_PERSON = "admin:oryauth_identity_admin_kratosidentity_change"


def _end_hydra_logins(request: HttpRequest, identity_id: str) -> None:
    """Where this site is also the OpenID provider, end the logins Hydra
    remembers for the person too: no client can sign them in again without a
    password, and clients with a back-channel logout URI sign them out."""
    if not apps.is_installed("oryauth.provider"):
        return
    from ..provider.logout import forget_remembered_logins

    try:
        forget_remembered_logins(identity_id)
    except OryError as exc:
        messages.warning(request, _("Hydra's remembered logins could not be ended (%(error)s); applications may "
                                    "still sign this person in until those logins expire.") % {"error": exc})


def _kratos_failed(request: HttpRequest, exc: OryError, doing: str) -> None:
    messages.error(request, _("Kratos could not %(doing)s (%(error)s). Nothing was changed.") % {"doing": doing, "error": exc})


@admin.register(KratosIdentity)
class KratosIdentityAdmin(admin.ModelAdmin):
    """The list and person pages are drawn from Kratos, not from a queryset."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people sign up through the portal (or Kratos's admin API)

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("", view(self.changelist_view), name="oryauth_identity_admin_kratosidentity_changelist"),
            path("<str:object_id>/change/", view(self.change_view), name="oryauth_identity_admin_kratosidentity_change"),
            path("<str:object_id>/delete/", view(self.delete_view), name="oryauth_identity_admin_kratosidentity_delete"),
            path("<str:object_id>/end-sessions/", view(require_POST(self.end_sessions_view)),
                 name="oryauth_identity_admin_kratosidentity_end_sessions"),
            path("<str:object_id>/recovery-code/", view(require_POST(self.recovery_code_view)),
                 name="oryauth_identity_admin_kratosidentity_recovery_code"),
            path("<str:object_id>/state/", view(require_POST(self.state_view)),
                 name="oryauth_identity_admin_kratosidentity_state"),
        ]

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    # --- reading ----------------------------------------------------------

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        query = request.GET.get("q", "")[:320]
        page_token = request.GET.get("page_token") or None
        try:
            page = kratos.list_people(query, page_token, page_size=kratos.PAGE_SIZE)
        except OryError as exc:
            messages.error(request, _("Kratos could not be read (%(error)s).") % {"error": exc})
            page = kratos.PersonPage((), None)
        context = self._context(request, title=_("Identities"), page=page, query=query, first_page=page_token is None)
        return TemplateResponse(request, _TEMPLATES + "change_list.html", context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        identity_id = unquote(object_id)
        try:
            person = kratos.get_person(identity_id)
            sessions = kratos.active_sessions(identity_id) if person else ()
        except OryError as exc:
            messages.error(request, _("Kratos could not be read (%(error)s).") % {"error": exc})
            return HttpResponseRedirect(reverse(_LIST))
        if person is None:
            messages.warning(request, _("Kratos has no identity %(id)s (deleted?).") % {"id": identity_id})
            return HttpResponseRedirect(reverse(_LIST))
        context = self._context(
            request,
            title=person.email or person.id,
            person=person,
            sessions=sessions,
            can_change=self.has_change_permission(request),
            can_delete=self.has_delete_permission(request),
        )
        return TemplateResponse(request, _TEMPLATES + "person.html", context)

    # --- actions (POST, logged) ---------------------------------------------

    def _person_to_act_on(self, request: HttpRequest, object_id: str, may: bool) -> kratos.Person | HttpResponse:
        """The person an action is for, after the permission check (`may`);
        a redirect with a message when Kratos cannot be read or has no such person."""
        if not may:
            raise PermissionDenied
        try:
            person = kratos.get_person(unquote(object_id))
        except OryError as exc:
            messages.error(request, _("Kratos could not be read (%(error)s).") % {"error": exc})
            return HttpResponseRedirect(reverse(_LIST))
        if person is None:
            messages.warning(request, _("Kratos has no identity %(id)s (deleted?).") % {"id": object_id})
            return HttpResponseRedirect(reverse(_LIST))
        return person

    def _log(self, request: HttpRequest, person: kratos.PersonSummary, what: str) -> None:
        self.log_change(request, KratosIdentity(id=person.id, email=person.email), [{"changed": {"fields": [what]}}])

    def end_sessions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        person = self._person_to_act_on(request, object_id, self.has_change_permission(request))
        if isinstance(person, HttpResponse):
            return person
        try:
            kratos.end_sessions(person.id)
        except OryError as exc:
            _kratos_failed(request, exc, _("end the sessions"))
        else:
            forget_identity_everywhere(person.id)  # this site's cached answers for them, in every process
            _end_hydra_logins(request, person.id)
            self._log(request, person, "sessions (all ended)")
            messages.success(request, _("Every session of %(who)s has ended: they are signed out on all devices.")
                             % {"who": person.email or person.id})
        return HttpResponseRedirect(reverse(_PERSON, args=[person.id]))

    def state_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if not self.has_change_permission(request):
            raise PermissionDenied
        state = request.POST.get("state")
        if state not in ("active", "inactive"):
            messages.error(request, _("Choose to activate or deactivate."))
            return HttpResponseRedirect(reverse(_PERSON, args=[object_id]))
        person = self._person_to_act_on(request, object_id, may=True)  # permission checked above
        if isinstance(person, HttpResponse):
            return person
        try:
            kratos.set_state(person.id, state)
            if state == "inactive":
                # Kratos refuses an inactive identity's new sign-ins; the
                # sessions it already has end here too, and this site's
                # cached answers for them in every process.
                kratos.end_sessions(person.id)
                forget_identity_everywhere(person.id)
                _end_hydra_logins(request, person.id)
        except OryError as exc:
            _kratos_failed(request, exc, _("change the state"))
        else:
            self._log(request, person, f"state ({state})")
            done = _("%(who)s is deactivated and signed out everywhere.") if state == "inactive" else _("%(who)s is active again.")
            messages.success(request, done % {"who": person.email or person.id})
        return HttpResponseRedirect(reverse(_PERSON, args=[person.id]))

    def recovery_code_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        person = self._person_to_act_on(request, object_id, self.has_change_permission(request))
        if isinstance(person, HttpResponse):
            return person
        try:
            code, link = kratos.recovery_code(person.id)
        except OryError as exc:
            _kratos_failed(request, exc, _("create a recovery code"))
            return HttpResponseRedirect(reverse(_PERSON, args=[person.id]))
        self._log(request, person, "recovery code (created)")
        context = self._context(request, title=_("Recovery code"), person=person, code=code, link=link)
        response = TemplateResponse(request, _TEMPLATES + "recovery_code.html", context)
        response["Cache-Control"] = "no-store"  # a one-time secret: never kept by a browser or proxy
        return response

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        """GET asks for confirmation; POST deletes the identity in Kratos."""
        person = self._person_to_act_on(request, object_id, self.has_delete_permission(request))
        if isinstance(person, HttpResponse):
            return person
        if request.method != "POST":
            return TemplateResponse(request, _TEMPLATES + "delete_confirm.html",
                                    self._context(request, title=_("Delete identity"), person=person))
        try:
            kratos.delete_person(person.id)
        except OryError as exc:
            _kratos_failed(request, exc, _("delete the identity"))
            return HttpResponseRedirect(reverse(_PERSON, args=[person.id]))
        forget_identity_everywhere(person.id)
        _end_hydra_logins(request, person.id)
        self.log_deletions(request, [KratosIdentity(id=person.id, email=person.email)])  # type: ignore[arg-type]
        messages.success(request, _("%(who)s was deleted in Kratos.") % {"who": person.email or person.id})
        return HttpResponseRedirect(reverse(_LIST))
