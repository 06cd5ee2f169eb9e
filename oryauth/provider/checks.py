"""System checks of the OpenID provider role (`oryauth.provider`): ids
E040-E043, and W044 (a deploy check: `manage.py check --deploy`)."""
from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from ..checks import list_setting
from ..conf import raw_settings


@register(Tags.security, "oryauth")
def check_provider_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mistakes in the PROVIDER_* settings that would only show at a consent."""
    from django.utils.module_loading import import_string

    given = raw_settings()
    messages: list[CheckMessage] = []
    for name in ("PROVIDER_LOGIN_REMEMBER_FOR", "PROVIDER_CONSENT_REMEMBER_FOR"):
        value = given.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            messages.append(
                Error(f"ORYAUTH['{name}'] = {value!r} must be a whole number of seconds, 0 or more.", id="oryauth.E040")
            )
    hook = given.get("PROVIDER_CLAIMS_HOOK", "")
    if hook:
        try:
            loaded = import_string(hook) if isinstance(hook, str) else None
        except ImportError as exc:
            loaded, reason = None, str(exc)
        else:
            reason = "it is not a callable" if loaded is not None else "it must be a dotted path string"
        if not callable(loaded):
            messages.append(
                Error(
                    f"ORYAUTH['PROVIDER_CLAIMS_HOOK'] = {hook!r} cannot be used: {reason}.",
                    hint="Name a function f(identity, granted_scopes, claims) -> TokenClaims, e.g. 'mysite.claims.add_groups'.",
                    id="oryauth.E041",
                )
            )
    if list_setting(given, "PROVIDER_TRUSTED_CLIENT_IDS") is None:
        trusted = given.get("PROVIDER_TRUSTED_CLIENT_IDS")
        messages.append(
            Error(f"ORYAUTH['PROVIDER_TRUSTED_CLIENT_IDS'] = {trusted!r} must be a list of client ids.", id="oryauth.E042")
        )
    if not apps.is_installed("oryauth.portal"):
        messages.append(
            Error(
                "oryauth.provider is installed without oryauth.portal: Hydra's login challenge needs the portal's "
                "sign-in pages.",
                hint="Add 'oryauth.portal' to INSTALLED_APPS next to 'oryauth.provider'.",
                id="oryauth.E043",
            )
        )
    return messages




@register(Tags.security, "oryauth", deploy=True)
def check_advertised_scopes_and_claims(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Hydra's discovery lists exactly what the scope -> claim mappings grant.

    A deploy check because it asks Hydra (the other checks run without
    network) and reads the mappings from the database. When either cannot be
    asked it says nothing: `manage.py oryauth_doctor` reports reachability."""
    from .advertised import hydra_differences

    found = hydra_differences()
    if found is None or not found[0]:
        return []
    problems, wanted = found
    return [
        Warning(
            "Hydra's discovery document does not list what the scope claim mappings grant: " + "; ".join(problems)
            + " (strict relying parties read these lists).",
            hint="Put this in Hydra's config and restart Hydra:\n" + wanted.hydra_yaml(),
            id="oryauth.W044",
        )
    ]
