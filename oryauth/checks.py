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


# --- Relying party (ids E010-E019) -----------------------------------------------

_CLIENT_AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")
_ID_TOKEN_ALGORITHMS = {"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"}


@register(Tags.security, "oryauth")
def check_relying_party_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mistakes in the CLIENT_* settings that would only show at the first sign-in."""
    given = raw_settings()
    messages: list[CheckMessage] = []
    method = given.get("CLIENT_AUTH_METHOD", "client_secret_basic")
    if method not in _CLIENT_AUTH_METHODS:
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_AUTH_METHOD'] = {method!r} is not a token-endpoint auth method oryauth supports.",
                hint=f"Use one of {', '.join(_CLIENT_AUTH_METHODS)}, as registered on the client in Hydra.",
                id="oryauth.E010",
            )
        )
    if given.get("CLIENT_ID") and method in ("client_secret_basic", "client_secret_post") and not given.get("CLIENT_SECRET"):
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_SECRET'] is empty but CLIENT_AUTH_METHOD is {method!r}.",
                hint="Set the client's secret, or use 'none' for a public client.",
                id="oryauth.E011",
            )
        )
    algorithms = given.get("CLIENT_ID_TOKEN_ALGORITHMS", ("RS256",))
    refused = [a for a in algorithms if a not in _ID_TOKEN_ALGORITHMS] if isinstance(algorithms, (list, tuple)) else [algorithms]
    if refused or not algorithms:
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_ID_TOKEN_ALGORITHMS'] contains {refused!r}" if refused else "ORYAUTH['CLIENT_ID_TOKEN_ALGORITHMS'] is empty.",
                hint="Only asymmetric algorithms are accepted (RS256/384/512, ES256/384/512): 'none' and HS* would let "
                "anyone who knows Hydra's public key forge ID tokens.",
                id="oryauth.E012",
            )
        )
    if method == "none" and given.get("CLIENT_USE_PKCE", True) is False:
        messages.append(
            Error(
                "A public client (CLIENT_AUTH_METHOD 'none') needs PKCE, but CLIENT_USE_PKCE is False.",
                hint="Remove CLIENT_USE_PKCE or set it to True.",
                id="oryauth.E013",
            )
        )
    for name in OryAuthSettings.client_url_setting_names():
        value = given.get(name)
        if value in (None, ""):
            continue
        problem = _url_problem(value)
        if problem:
            messages.append(Error(f"ORYAUTH['{name}'] = {value!r} {problem}.", id="oryauth.E014"))
    return messages
