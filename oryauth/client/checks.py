"""System checks of the relying party (`oryauth.client`): ids E010-E015,
E021-E023, W022-W025."""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from ..checks import LOOPBACK, effective_urls, list_setting, origin, url_problem
from ..conf import OryAuthSettings, as_tuple, oryauth_settings, raw_settings
from .backchannel import sessions_can_be_ended
from .idtoken import ASYMMETRIC_ALGORITHMS
from .tokens import AUTH_METHODS

# Secrets that ship in examples and the demo site.
_DEV_SECRET_MARKERS = ("change-me", "changeme", "dev-demo", "secret123", "example")


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
    if "CLIENT_ID_TOKEN_ALGORITHMS" not in given:
        given = {**given, "CLIENT_ID_TOKEN_ALGORITHMS": OryAuthSettings.CLIENT_ID_TOKEN_ALGORITHMS}
    algorithms = list_setting(given, "CLIENT_ID_TOKEN_ALGORITHMS")  # read as conf reads it ("RS256 ES256" too)
    refused = [a for a in algorithms or () if a not in ASYMMETRIC_ALGORITHMS]
    if refused or not algorithms:
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_ID_TOKEN_ALGORITHMS'] contains {refused!r}" if refused
                else f"ORYAUTH['CLIENT_ID_TOKEN_ALGORITHMS'] = {given.get('CLIENT_ID_TOKEN_ALGORITHMS')!r} names no algorithm.",
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
        problem = url_problem(value)
        if problem:
            messages.append(Error(f"ORYAUTH['{name}'] = {value!r} {problem}.", id="oryauth.E014"))
    return messages


@register(Tags.security, "oryauth")
def check_token_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """E015: a CLIENT_TOKEN_ENCRYPTION_KEYS entry that is not a Fernet key
    (every sign-in would fail to store its tokens). W024: no keys of its own
    in production, so tokens are encrypted with a key derived from SECRET_KEY:
    rotating SECRET_KEY without SECRET_KEY_FALLBACKS makes them unreadable,
    and whoever learns SECRET_KEY can read them."""
    given = raw_settings().get("CLIENT_TOKEN_ENCRYPTION_KEYS")
    keys = as_tuple(given) if isinstance(given, (str, list, tuple)) else ()
    broken = []
    for index, key in enumerate(keys):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            broken.append(index)
    if broken:
        return [
            Error(
                f"ORYAUTH['CLIENT_TOKEN_ENCRYPTION_KEYS'] entries {broken} are not Fernet keys.",
                hint="Each must be 32 url-safe base64-encoded bytes: make one with "
                "`python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'`.",
                id="oryauth.E015",
            )
        ]
    if not keys and not settings.DEBUG:
        return [
            Warning(
                "Relying-party tokens are encrypted with a key derived from SECRET_KEY "
                "(ORYAUTH['CLIENT_TOKEN_ENCRYPTION_KEYS'] is empty) while DEBUG is off.",
                hint="Set CLIENT_TOKEN_ENCRYPTION_KEYS to keys of their own (newest first) so they rotate "
                "independently of SECRET_KEY; stored tokens stay readable as long as their key is listed.",
                id="oryauth.W024",
            )
        ]
    return []


@register(Tags.security, "oryauth")
def check_relying_party_deployment(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An incomplete relying-party setup, and development leftovers in production."""
    if not isinstance(getattr(settings, "ORYAUTH", {}), dict):
        return []  # E000 says it
    conf = oryauth_settings()
    urls = effective_urls()
    messages: list[CheckMessage] = []
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
    if redirect and post_logout and origin(redirect) != origin(post_logout):
        messages.append(
            Error(
                f"ORYAUTH['CLIENT_POST_LOGOUT_REDIRECT_URI'] = {post_logout!r} is not on the redirect URI's scheme, host and port.",
                hint="Hydra refuses a post-logout redirect URI that does not share scheme, host and port with a redirect URI.",
                id="oryauth.E023",
            )
        )

    deployed = not settings.DEBUG and any(
        urlsplit(urls[name]).hostname not in LOOPBACK for name in OryAuthSettings.client_url_setting_names() if name in urls
    )
    if deployed:
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


@register(Tags.security, "oryauth")
def check_cookie_names_beside_the_identity_site(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W023: this relying party runs on the same host as the identity site
    (cookies ignore ports) with Django's default cookie names, so the two
    sites overwrite each other's session and CSRF cookies ("This sign-in
    link is no longer valid")."""
    if apps.is_installed("oryauth.portal"):
        return []  # one Django project plays both parts: one session, no clash
    conf = oryauth_settings()
    try:
        site_host = urlsplit(conf.CLIENT_REDIRECT_URI).hostname
        identity_hosts = {urlsplit(conf.HYDRA_PUBLIC_URL).hostname, urlsplit(conf.kratos_browser_url).hostname}
    except ValueError:
        return []  # E002/E014 report the URL
    if not site_host or site_host not in identity_hosts:
        return []
    clashing = [
        f"{name} = {getattr(settings, name)!r}"
        for name, default in (("SESSION_COOKIE_NAME", "sessionid"), ("CSRF_COOKIE_NAME", "csrftoken"))
        if getattr(settings, name, default) == default
    ]
    if not clashing:
        return []
    return [
        Warning(
            f"This site and the identity site share the host {site_host} and Django's default cookie names "
            f"({', '.join(clashing)}): each overwrites the other's session, and sign-ins fail.",
            hint="Give this site its own names, e.g. SESSION_COOKIE_NAME = 'mysite_sessionid' and "
            "CSRF_COOKIE_NAME = 'mysite_csrftoken' (or serve the two sites on different host names).",
            id="oryauth.W023",
        )
    ]


@register(Tags.security, "oryauth")
def check_backchannel_logout_can_end_sessions(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """W025: Hydra is told to post back-channel logout tokens, but the
    session engine keeps sessions only in the browser (signed cookies), so
    no server can end them: a person signed out at Hydra stays signed in here."""
    conf = oryauth_settings()
    if not conf.CLIENT_BACKCHANNEL_LOGOUT_URI or sessions_can_be_ended():
        return []
    return [
        Warning(
            f"ORYAUTH['CLIENT_BACKCHANNEL_LOGOUT_URI'] is set but SESSION_ENGINE = {settings.SESSION_ENGINE!r} "
            "keeps sessions in the browser's cookie: a back-channel logout cannot end them.",
            hint="Use server-side sessions (django.contrib.sessions.backends.db, cache or cached_db on a cache every "
            "process shares), or leave CLIENT_BACKCHANNEL_LOGOUT_URI empty.",
            id="oryauth.W025",
        )
    ]
