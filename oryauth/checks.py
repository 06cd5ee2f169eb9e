"""Django system checks (`manage.py check`) for oryauth's settings.

They run without network, so a typo in a URL is reported at deploy time with
the setting's name instead of surfacing as a failure on the first request.

Ids are stable: add new ones, never renumber.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .conf import OryAuthSettings, known_keys, raw_settings

# URLs that may be left empty (they fall back to another setting).
OPTIONAL_URLS = {"KRATOS_BROWSER_URL", "HYDRA_ISSUER"}


def _url_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL such as http://127.0.0.1:4433"
    if parts.query or parts.fragment:
        return "must not carry a query string or fragment"
    try:
        parts.port
    except ValueError:
        return "has an invalid port"
    return None


@register(Tags.security, "oryauth")
def check_oryauth_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    given = getattr(settings, "ORYAUTH", {})
    if not isinstance(given, dict):
        return [Error("ORYAUTH must be a dict.", hint="ORYAUTH = {'KRATOS_PUBLIC_URL': ...}", id="oryauth.E000")]

    messages: list[CheckMessage] = []
    given = raw_settings()
    for key in sorted(set(given) - known_keys()):
        messages.append(
            Warning(
                f"ORYAUTH['{key}'] is not an oryauth setting and is ignored.",
                hint=f"Known settings: {', '.join(sorted(known_keys()))}.",
                id="oryauth.W001",
            )
        )

    for name in OryAuthSettings.url_setting_names():
        if name not in given:
            continue  # the documented default applies
        value = given[name]
        if value in (None, ""):
            if name not in OPTIONAL_URLS:
                messages.append(
                    Error(f"ORYAUTH['{name}'] is empty.", hint="Set it to the URL of that Ory API, or remove the key to use the default.", id="oryauth.E001")
                )
            continue
        problem = _url_problem(value)
        if problem:
            messages.append(Error(f"ORYAUTH['{name}'] = {value!r} {problem}.", id="oryauth.E002"))

    timeout = given.get("HTTP_TIMEOUT", 1.0)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        messages.append(Error(f"ORYAUTH['HTTP_TIMEOUT'] = {timeout!r} must be a positive number of seconds.", id="oryauth.E003"))
    return messages
