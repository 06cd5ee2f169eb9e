"""Scope -> claim mappings in the Django admin."""
from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .advertised import hydra_differences
from .claims import ClaimRule, known_trait_paths, missing_trait_paths
from .models import ScopeClaim


@admin.register(ScopeClaim)
class ScopeClaimAdmin(admin.ModelAdmin):
    """Which claims each scope puts into the tokens (read at consent time).

    Mappings that read a trait no identity schema declares are flagged: they
    yield no claim until the schema has that trait."""

    list_display = ("scope", "claim", "source", "path", "token", "enabled", "schema_check")
    list_display_links = ("scope", "claim")
    list_filter = ("scope", "token", "source", "enabled")
    search_fields = ("scope", "claim", "path")
    readonly_fields = ("schema_check",)
    fields = ("scope", "claim", "source", "path", "token", "enabled", "schema_check")

    @admin.display(description=_("identity schema"))
    def schema_check(self, obj: ScopeClaim) -> str:
        if obj.pk is None:
            return "-"
        paths = known_trait_paths()
        if paths is None:
            return _("unknown (Kratos did not answer)")
        missing = missing_trait_paths(ClaimRule.from_model(obj), paths)
        if missing:
            return format_html(
                '<strong class="oa-missing-trait" data-testid="scopeclaim/missing">{}</strong>',
                _("No such trait: %(paths)s") % {"paths": ", ".join(missing)},
            )
        return _("OK")

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        paths = known_trait_paths()
        if paths is not None and request.method == "GET":
            flagged = [
                str(row) for row in ScopeClaim.objects.filter(enabled=True)
                if missing_trait_paths(ClaimRule.from_model(row), paths)
            ]
            if flagged:
                messages.warning(
                    request,
                    ngettext(
                        "%(count)d mapping reads a trait the identity schema lacks and yields no claim: %(names)s",
                        "%(count)d mappings read traits the identity schema lacks and yield no claim: %(names)s",
                        len(flagged),
                    ) % {"count": len(flagged), "names": ", ".join(flagged)},
                )
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: ScopeClaim, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        self._warn_if_discovery_differs(request)
        paths = known_trait_paths()
        missing = missing_trait_paths(ClaimRule.from_model(obj), paths) if paths is not None else []
        if missing:
            messages.warning(
                request,
                _("%(mapping)s reads %(paths)s, which the identity schema lacks: it yields no claim until the schema has it.")
                % {"mapping": obj, "paths": ", ".join(missing)},
            )

    def delete_model(self, request: HttpRequest, obj: ScopeClaim) -> None:
        super().delete_model(request, obj)
        self._warn_if_discovery_differs(request)

    def _warn_if_discovery_differs(self, request: HttpRequest) -> None:
        """Hydra's discovery lists what the mappings grant only once its config
        says so: tell staff what to change (also `oryauth.W044`)."""
        found = hydra_differences()
        if found is None or not found[0]:
            return
        problems, wanted = found
        messages.warning(
            request,
            format_html(
                '{}<pre data-testid="scopeclaim/hydra-yaml">{}</pre>',
                _("Hydra's discovery document no longer lists what the mappings grant (%(problems)s). "
                  "Put this in Hydra's config and restart Hydra:") % {"problems": "; ".join(problems)},
                wanted.hydra_yaml(),
            ),
        )
