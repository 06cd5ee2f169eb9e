"""Django system checks (`manage.py check`) of the core, and the helpers each
role's own `checks.py` uses.

They run without network, so a typo in a URL is reported at deploy time with
the setting's name instead of surfacing as a failure on the first request.
Each role registers its own checks (`oryauth/<role>/checks.py`); URL checks
look only at the settings the installed roles use (`conf.used_url_settings`).

Ids are stable: add new ones, never renumber. Core: E000-E004, W001, E050,
E020/W020/W021/E024, E030-E037, W030-W031; E038/E039/W032/W033 for locally
verified JWTs (`oryauth.local_token_checks`). Relying party: E010-E014,
E021-E023, W022-W023. Provider: E040-E043, W044 (deploy).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .conf import (
    CREDENTIAL_KINDS,
    LIST_SETTINGS,
    OryAuthSettings,
    as_tuple,
    known_keys,
    oryauth_settings,
    raw_settings,
    used_url_settings,
)
from .redirects import split_url

# URLs that may be left empty (they fall back to another setting).
OPTIONAL_URLS = {"KRATOS_BROWSER_URL", "HYDRA_ISSUER"}


def url_problem(value: Any) -> str | None:
    """What is wrong with a URL setting, or None."""
    if not isinstance(value, str):
        return f"must be a string, got {type(value).__name__}"
    parts = split_url(value)
    if parts is None:  # e.g. an unclosed IPv6 bracket or a port above 65535
        return "is not a URL Python can parse (check the host and port)"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an absolute http(s) URL such as http://127.0.0.1:4433"
    if parts.query or parts.fragment:
        return "must not carry a query string or fragment"
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
        problem = url_problem(value)
        if problem:
            messages.append(Error(f"ORYAUTH['{name}'] = {value!r} {problem}.", id="oryauth.E002"))

    for name in sorted(LIST_SETTINGS & given.keys()):
        if list_setting(given, name) is None:
            messages.append(
                Error(f"ORYAUTH['{name}'] = {given[name]!r} must be a list of non-empty strings (or one string "
                      "separated by spaces or commas).", id="oryauth.E004")
            )

    timeout = given.get("HTTP_TIMEOUT", 1.0)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        messages.append(Error(f"ORYAUTH['HTTP_TIMEOUT'] = {timeout!r} must be a positive number of seconds.", id="oryauth.E003"))
    if not _is_policy_additions(given.get("CONTENT_SECURITY_POLICY", {})):
        messages.append(Error(
            f"ORYAUTH['CONTENT_SECURITY_POLICY'] = {given['CONTENT_SECURITY_POLICY']!r} must be None or a dict of "
            "directive names to lists of sources.",
            hint="For example {'img-src': ['https://cdn.example.org']}.", id="oryauth.E050",
        ))
    return messages


def _is_policy_additions(value: Any) -> bool:
    """None (no policy) or {directive: source(s)} with plain words: a ";" or a
    newline would smuggle a directive or a header into the policy."""
    if value is None:
        return True

    def plain(word: Any) -> bool:
        return isinstance(word, str) and bool(word) and not any(c in word for c in ";,\r\n")

    return isinstance(value, dict) and all(
        plain(name) and (plain(sources) or (isinstance(sources, (list, tuple)) and all(plain(s) for s in sources)))
        for name, sources in value.items()
    )


def list_setting(given: dict[str, Any], name: str) -> tuple[str, ...] | None:
    """A list setting exactly as `oryauth.conf` reads it (one parser for both),
    or None when it is not a list of non-empty strings."""
    value = given.get(name, ())
    if value is None and name == "CREDENTIALS":
        return ()
    if not isinstance(value, (str, list, tuple)):
        return None
    items = as_tuple(value)
    return items if all(isinstance(item, str) and item for item in items) else None


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
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def effective_urls() -> dict[str, str]:
    """Every URL setting the installed roles use, as oryauth uses it (defaults
    and fallbacks applied), leaving out malformed ones (E002/E014 report those)."""
    conf = oryauth_settings()
    used = used_url_settings(conf)
    # KRATOS_BROWSER_URL and HYDRA_ISSUER count only when set: empty, they
    # repeat another setting, which is checked under its own name.
    values = {name: getattr(conf, name) for name in OryAuthSettings.url_setting_names()}
    for name in OryAuthSettings.client_url_setting_names():
        values[name] = getattr(conf, name)
    return {
        name: value
        for name, value in values.items()
        if name in used and isinstance(value, str) and value and not url_problem(value)
    }


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    return parts.scheme, parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


@register(Tags.security, "oryauth")
def check_deployment_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Admin and public URLs mixed up, localhost mixed with 127.0.0.1, and
    http outside development."""
    if not isinstance(getattr(settings, "ORYAUTH", {}), dict):
        return []  # E000 says it
    urls = effective_urls()
    messages: list[CheckMessage] = []

    # E020: a public URL that is one of the admin APIs (admin APIs must never reach browsers).
    admin_origins = {origin(urls[name]): name for name in _ADMIN_SETTINGS if name in urls}
    for name in _PUBLIC_SETTINGS:
        if name in urls and origin(urls[name]) in admin_origins:
            admin_name = admin_origins[origin(urls[name])]
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
    spellings = {host for host in hosts.values() if host in LOOPBACK}
    if len(spellings) > 1:
        listing = ", ".join(f"{name}={host}" for name, host in hosts.items() if host in LOOPBACK)
        messages.append(
            Warning(
                f"Browser-facing oryauth URLs mix loopback spellings ({listing}).",
                hint="Use 127.0.0.1 everywhere: cookies for localhost and 127.0.0.1 are different, which breaks "
                "Kratos's CSRF check and Hydra's login state.",
                id="oryauth.W021",
            )
        )

    # E024: http with DEBUG off on a non-local site.
    deployed = not settings.DEBUG and any(urlsplit(urls[name]).hostname not in LOOPBACK for name in hosts)
    if deployed:
        for name in hosts:
            if urlsplit(urls[name]).scheme == "http" and urlsplit(urls[name]).hostname not in LOOPBACK:
                messages.append(
                    Error(
                        f"ORYAUTH['{name}'] = {urls[name]!r} uses http while DEBUG is off.",
                        hint="Serve it over https: tokens and session cookies travel on this URL. (Hydra accepts an http "
                        "issuer only with --dev.)",
                        id="oryauth.E024",
                    )
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
    audiences = list_setting(given, "ACCESS_TOKEN_AUDIENCE")
    if audiences is None:
        messages.append(Error("ORYAUTH['ACCESS_TOKEN_AUDIENCE'] must be a list of audience strings.", id="oryauth.E034"))
    credentials = list_setting(given, "CREDENTIALS")
    unknown = sorted(set(credentials or ()) - set(CREDENTIAL_KINDS))
    if credentials is None or unknown:
        messages.append(
            Error(
                f"ORYAUTH['CREDENTIALS'] = {given.get('CREDENTIALS')!r} names credentials oryauth does not know"
                + (f": {', '.join(unknown)}." if unknown else "."),
                hint=f"Use any of {', '.join(CREDENTIAL_KINDS)}, or leave it out for the default of the installed roles.",
                id="oryauth.E035",
            )
        )
        return messages
    accepted = oryauth_settings().credentials
    if audiences == () and "access_token" in accepted:
        messages.append(
            Warning(
                "ORYAUTH['ACCESS_TOKEN_AUDIENCE'] is empty: views that accept header credentials take an access "
                "token Hydra issued to any client, for any API.",
                hint="Set it to the audience your API expects (e.g. 'https://api.example.org/'); clients then request "
                "that audience and Hydra must allow it on each client.",
                id="oryauth.W031",
            )
        )
    messages.extend(_middleware_order_problems(accepted))
    provisioner = given.get("USER_PROVISIONER", OryAuthSettings.USER_PROVISIONER)
    problem = _provisioner_problem(provisioner)
    if problem:
        messages.append(
            Error(
                f"ORYAUTH['USER_PROVISIONER'] = {provisioner!r} cannot be used: {problem}.",
                hint="Name a subclass of oryauth.identities.UserProvisioner, e.g. 'mysite.accounts.Provisioner'.",
                id="oryauth.E037",
            )
        )
    return messages


_MIDDLEWARE = "oryauth.middleware.OryAuthenticationMiddleware"
_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"


def _middleware_order_problems(accepted: frozenset[str]) -> list[CheckMessage]:
    """E036: the Kratos cookie is accepted but the middleware that reads it is
    missing, or placed where Django's auth would overwrite what it sets."""
    middleware = list(getattr(settings, "MIDDLEWARE", None) or [])
    if "session_cookie" not in accepted:
        return []
    if _MIDDLEWARE not in middleware:
        return [
            Error(
                f"{_MIDDLEWARE} is not in MIDDLEWARE, so the Kratos session cookie signs nobody in.",
                hint=f"Add it right after {_AUTH_MIDDLEWARE}.",
                id="oryauth.E036",
            )
        ]
    if _AUTH_MIDDLEWARE not in middleware or middleware.index(_AUTH_MIDDLEWARE) > middleware.index(_MIDDLEWARE):
        return [
            Error(
                f"{_MIDDLEWARE} comes before {_AUTH_MIDDLEWARE} (or the latter is missing): Django would replace "
                "the user oryauth sets.",
                hint=f"Put {_MIDDLEWARE} right after {_AUTH_MIDDLEWARE}.",
                id="oryauth.E036",
            )
        ]
    return []


def _provisioner_problem(path: Any) -> str | None:
    from django.utils.module_loading import import_string

    from .identities import UserProvisioner

    if not isinstance(path, str) or not path:
        return "it must be a dotted path string"
    try:
        loaded = import_string(path)
    except ImportError as exc:
        return str(exc)
    if not (isinstance(loaded, type) and issubclass(loaded, UserProvisioner)):
        return "it is not a subclass of oryauth.identities.UserProvisioner"
    return None


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
