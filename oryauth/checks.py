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

from .client.idtoken import ASYMMETRIC_ALGORITHMS
from .client.tokens import AUTH_METHODS
from .conf import OryAuthSettings, known_keys, raw_settings

# URLs that may be left empty (they fall back to another setting).
OPTIONAL_URLS = {"KRATOS_BROWSER_URL", "HYDRA_ISSUER"}


def _url_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    try:
        parts = urlsplit(value)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return "is not a URL Python can parse"
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


@register(Tags.security, "oryauth")
def check_relying_party_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Mistakes in the CLIENT_* settings that would only show at the first sign-in."""
    given = raw_settings()
    messages: list[CheckMessage] = []
    method = given.get("CLIENT_AUTH_METHOD", "client_secret_basic")
    if method not in AUTH_METHODS:
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_AUTH_METHOD'] = {method!r} is not a token-endpoint auth method oryauth supports.",
                hint=f"Use one of {', '.join(AUTH_METHODS)}, as registered on the client in Hydra.",
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
    refused = [a for a in algorithms if a not in ASYMMETRIC_ALGORITHMS] if isinstance(algorithms, (list, tuple)) else [algorithms]
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


# --- Deployment mistakes (ids E020-E029, W020-W029) ------------------------------

# Ory's default ports, to spot an admin URL where a public one belongs.
_DEFAULT_PORTS = {4433: "Kratos public", 4434: "Kratos admin", 4444: "Hydra public", 4445: "Hydra admin"}
_EXPECTED_ROLE = {
    "KRATOS_PUBLIC_URL": "Kratos public",
    "KRATOS_BROWSER_URL": "Kratos public",
    "KRATOS_ADMIN_URL": "Kratos admin",
    "HYDRA_PUBLIC_URL": "Hydra public",
    "HYDRA_ISSUER": "Hydra public",
    "HYDRA_ADMIN_URL": "Hydra admin",
}
_PUBLIC_SETTINGS = ("KRATOS_PUBLIC_URL", "KRATOS_BROWSER_URL", "HYDRA_PUBLIC_URL", "HYDRA_ISSUER")
_ADMIN_SETTINGS = ("KRATOS_ADMIN_URL", "HYDRA_ADMIN_URL")
# URLs a browser visits: cookies for `localhost` and `127.0.0.1` differ.
_BROWSER_SETTINGS = ("KRATOS_BROWSER_URL", "HYDRA_PUBLIC_URL", "HYDRA_ISSUER", "CLIENT_REDIRECT_URI", "CLIENT_POST_LOGOUT_REDIRECT_URI")
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
# Secrets that ship in examples and the demo site.
_DEV_SECRET_MARKERS = ("change-me", "changeme", "dev-demo", "secret123", "example")


def _effective_urls() -> dict[str, str]:
    """Every URL setting as oryauth uses it (defaults and fallbacks applied),
    leaving out malformed ones (E002/E014 report those)."""
    from .conf import oryauth_settings

    conf = oryauth_settings()
    # KRATOS_BROWSER_URL and HYDRA_ISSUER count only when set: empty, they
    # repeat another setting, which is checked under its own name.
    values = {name: getattr(conf, name) for name in OryAuthSettings.url_setting_names()}
    for name in OryAuthSettings.client_url_setting_names():
        values[name] = getattr(conf, name)
    return {name: value for name, value in values.items() if isinstance(value, str) and value and not _url_problem(value)}


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


@register(Tags.security, "oryauth")
def check_deployment_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Admin and public URLs mixed up, localhost mixed with 127.0.0.1, an
    incomplete relying-party setup, and development leftovers in production."""
    if not isinstance(getattr(settings, "ORYAUTH", {}), dict):
        return []  # E000 says it
    from .conf import oryauth_settings

    conf = oryauth_settings()
    urls = _effective_urls()
    messages: list[CheckMessage] = []

    # E020: a public URL that is one of the admin APIs (admin APIs must never reach browsers).
    admin_origins = {_origin(urls[name]): name for name in _ADMIN_SETTINGS if name in urls}
    for name in _PUBLIC_SETTINGS:
        if name in urls and _origin(urls[name]) in admin_origins:
            admin_name = admin_origins[_origin(urls[name])]
            messages.append(
                Error(
                    f"ORYAUTH['{name}'] = {urls[name]!r} is the same server as {admin_name}, an admin API.",
                    hint=f"Point {name} at the public API; admin APIs are called from Django only, never from browsers.",
                    id="oryauth.E020",
                )
            )
    # W020: an Ory default port that belongs to another API (e.g. the RP authorize URL on 4445).
    for name, expected in _EXPECTED_ROLE.items():
        if name not in urls:
            continue
        port = urlsplit(urls[name]).port
        actual = _DEFAULT_PORTS.get(port or 0)
        if actual and actual != expected and not any(m.id == "oryauth.E020" and f"'{name}'" in m.msg for m in messages):
            messages.append(
                Warning(
                    f"ORYAUTH['{name}'] = {urls[name]!r} uses port {port}, {actual}'s default port, but must be {expected}.",
                    hint=f"Check that {name} and the other Ory URLs are not swapped.",
                    id="oryauth.W020",
                )
            )

    # W021: localhost and 127.0.0.1 mixed in URLs a browser visits.
    browser_settings = _BROWSER_SETTINGS if "KRATOS_BROWSER_URL" in urls else ("KRATOS_PUBLIC_URL", *_BROWSER_SETTINGS)
    hosts = {name: urlsplit(urls[name]).hostname for name in browser_settings if name in urls}
    spellings = {host for host in hosts.values() if host in _LOOPBACK}
    if len(spellings) > 1:
        listing = ", ".join(f"{name}={host}" for name, host in hosts.items() if host in _LOOPBACK)
        messages.append(
            Warning(
                f"Browser-facing oryauth URLs mix loopback spellings ({listing}).",
                hint="Use 127.0.0.1 everywhere: cookies for localhost and 127.0.0.1 are different, which breaks "
                "Kratos's CSRF check and Hydra's login state.",
                id="oryauth.W021",
            )
        )

    # E021-E023: relying-party settings that cannot work together.
    if bool(conf.CLIENT_ID) != bool(conf.CLIENT_REDIRECT_URI):
        missing = "CLIENT_REDIRECT_URI" if conf.CLIENT_ID else "CLIENT_ID"
        messages.append(
            Error(
                f"ORYAUTH['{missing}'] is empty while {'CLIENT_ID' if conf.CLIENT_ID else 'CLIENT_REDIRECT_URI'} is set.",
                hint="A relying party needs both its client id and the redirect URI registered on that client "
                "(manage.py oryauth_clients ensure-site-client registers them).",
                id="oryauth.E021",
            )
        )
    if conf.CLIENT_ID and "openid" not in conf.CLIENT_SCOPES:
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_SCOPES'] = {list(conf.CLIENT_SCOPES)!r} lacks 'openid'.",
                hint="Without openid Hydra issues no ID token, and the relying party cannot sign anyone in.",
                id="oryauth.E022",
            )
        )
    redirect, post_logout = urls.get("CLIENT_REDIRECT_URI"), urls.get("CLIENT_POST_LOGOUT_REDIRECT_URI")
    if redirect and post_logout and _origin(redirect) != _origin(post_logout):
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_POST_LOGOUT_REDIRECT_URI'] = {post_logout!r} is not on the redirect URI's scheme, host and port.",
                hint="Hydra refuses a post-logout redirect URI that does not share scheme, host and port with a redirect URI.",
                id="oryauth.E023",
            )
        )

    # E024/W022: development leftovers with DEBUG off on a non-local site.
    deployed = not settings.DEBUG and any(urlsplit(urls[name]).hostname not in _LOOPBACK for name in hosts)
    if deployed:
        for name in hosts:
            if urlsplit(urls[name]).scheme == "http" and urlsplit(urls[name]).hostname not in _LOOPBACK:
                messages.append(
                    Error(
                        f"ORYAUTH['{name}'] = {urls[name]!r} uses http while DEBUG is off.",
                        hint="Serve it over https: tokens and session cookies travel on this URL. (Hydra accepts an http "
                        "issuer only with --dev.)",
                        id="oryauth.E024",
                    )
                )
        secret = conf.CLIENT_SECRET
        if conf.CLIENT_ID and conf.CLIENT_AUTH_METHOD != "none" and secret and (
            len(secret) < 24 or any(marker in secret.lower() for marker in _DEV_SECRET_MARKERS)
        ):
            messages.append(
                Warning(
                    "ORYAUTH['CLIENT_SECRET'] looks like a development secret while DEBUG is off.",
                    hint="Rotate the client's secret (Django admin, OAuth2 clients, Rotate secret) and set the new one.",
                    id="oryauth.W022",
                )
            )
    return messages


# --- Provider: login / consent / logout (ids E040-E049) ---------------------------


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
    trusted = given.get("PROVIDER_TRUSTED_CLIENT_IDS", ())
    if not isinstance(trusted, str) and (
        not isinstance(trusted, (list, tuple)) or not all(isinstance(item, str) and item for item in trusted)
    ):
        messages.append(
            Error(f"ORYAUTH['PROVIDER_TRUSTED_CLIENT_IDS'] = {trusted!r} must be a list of client ids.", id="oryauth.E042")
        )
    return messages


@register(Tags.security, "oryauth")
def check_middleware_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The resource-server settings (oryauth.middleware / oryauth.resolution)."""
    if not isinstance(getattr(settings, "ORYAUTH", {}), dict):
        return []  # oryauth.E000 says so; nothing below could be read
    given = raw_settings()
    messages: list[CheckMessage] = []
    policy = given.get("UNAVAILABLE_POLICY", "anonymous")
    if policy not in ("anonymous", "fail"):
        messages.append(
            Error(f"ORYAUTH['UNAVAILABLE_POLICY'] = {policy!r} is not a known policy.", hint="Use 'anonymous' or 'fail'.", id="oryauth.E030")
        )
    prefix = given.get("SESSION_TOKEN_PREFIX", "ory_st_")
    if not isinstance(prefix, str) or not prefix:
        messages.append(
            Error(
                "ORYAUTH['SESSION_TOKEN_PREFIX'] must be a non-empty string.",
                hint="Kratos session tokens start with 'ory_st_'; an empty prefix would send every Bearer token to Kratos.",
                id="oryauth.E031",
            )
        )
    alias = given.get("CACHE_ALIAS", "default")
    if alias not in getattr(settings, "CACHES", {"default": {}}):
        messages.append(Error(f"ORYAUTH['CACHE_ALIAS'] = {alias!r} is not in CACHES.", id="oryauth.E032"))
    for name in ("SESSION_CACHE_TTL", "NEGATIVE_CACHE_TTL"):
        value = given.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            messages.append(Error(f"ORYAUTH['{name}'] = {value!r} must be a whole number of seconds (0 turns caching off).", id="oryauth.E033"))
    audience = given.get("ACCESS_TOKEN_AUDIENCE", ())
    audiences = [audience] if isinstance(audience, str) else audience
    if not isinstance(audiences, (list, tuple)) or not all(isinstance(item, str) and item for item in audiences):
        messages.append(Error("ORYAUTH['ACCESS_TOKEN_AUDIENCE'] must be a list of audience strings.", id="oryauth.E034"))
    elif not audiences:
        messages.append(
            Warning(
                "ORYAUTH['ACCESS_TOKEN_AUDIENCE'] is empty: views that accept header credentials take an access "
                "token Hydra issued to any client, for any API.",
                hint="Set it to the audience your API expects (e.g. 'https://api.example.org/'); clients then request "
                "that audience and Hydra must allow it on each client.",
                id="oryauth.W031",
            )
        )
    return messages


@register(Tags.security, "oryauth")
def check_shared_cache(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Outside development, oryauth's cache must be shared by every web process."""
    alias = raw_settings().get("CACHE_ALIAS", "default")
    backend = getattr(settings, "CACHES", {}).get(alias, {}).get("BACKEND", "")
    if settings.DEBUG or not backend.endswith(("LocMemCache", "DummyCache")):
        return []
    # Each process would keep its own copy: a sign-out in one process is not
    # seen by the others, and relying-party refreshes are not serialised.
    return [
        Warning(
            f"CACHES[{alias!r}] ({backend.rsplit('.', 1)[-1]}) is not shared between processes.",
            hint="Use Redis, Memcached or the database cache in production, so sign-outs and token "
            "refreshes are seen by every web process (the demo reads CACHE_URL).",
            id="oryauth.W030",
        )
    ]
