"""The one settings object of oryauth.

Sites configure oryauth with a single dict in their Django settings::

    ORYAUTH = {
        "KRATOS_PUBLIC_URL": "http://127.0.0.1:4433",
        "HYDRA_ADMIN_URL": "http://127.0.0.1:4445",
        ...
    }

Every key is optional; `DEFAULTS` documents each one. Read settings through
`oryauth_settings()`, which builds a frozen `OryAuthSettings` once and
rebuilds it when a test overrides `ORYAUTH`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver


@dataclass(frozen=True)
class OryAuthSettings:
    # Kratos public API as Django reaches it (whoami, flows).
    KRATOS_PUBLIC_URL: str = "http://127.0.0.1:4433"
    # Kratos public API as the *browser* reaches it (flow redirects, form
    # actions). Empty means "same as KRATOS_PUBLIC_URL".
    KRATOS_BROWSER_URL: str = ""
    # Kratos admin API: identities, server-side only.
    KRATOS_ADMIN_URL: str = "http://127.0.0.1:4434"
    # Hydra public API: discovery, authorize, token, JWKS.
    HYDRA_PUBLIC_URL: str = "http://127.0.0.1:4444"
    # Hydra admin API: challenges, clients, introspection, server-side only.
    HYDRA_ADMIN_URL: str = "http://127.0.0.1:4445"
    # Hydra's issuer exactly as in its `urls.self.issuer` (ID-token `iss`).
    # Empty means HYDRA_PUBLIC_URL with a trailing slash, Hydra's own default.
    HYDRA_ISSUER: str = ""
    # Seconds before any call to Ory gives up (connect and read each).
    HTTP_TIMEOUT: float = 5.0
    # Name of the Kratos session cookie.
    SESSION_COOKIE_NAME: str = "ory_kratos_session"
    # Seconds a resolved session or token may be reused before asking Ory again
    # (never longer than the session's or token's own expiry).
    SESSION_CACHE_TTL: int = 60
    # Seconds a rejected credential is remembered as rejected.
    NEGATIVE_CACHE_TTL: int = 5
    # Django cache (alias in CACHES) holding resolved credentials; use a shared
    # one (e.g. Redis) when several web processes serve the site.
    CACHE_ALIAS: str = "default"
    # Which Ory credentials oryauth accepts: any of "session_cookie" (the
    # middleware, every page), "session_token" and "access_token" (header
    # credentials, on views that accept them). None picks by installed role:
    # the cookie where the portal runs; tokens where the portal or provider
    # runs, or on an API-only site (no role installed); nothing on a site that
    # is only a relying party (its users sign in through /auth/login).
    CREDENTIALS: tuple[str, ...] | None = None
    # Bearer tokens starting with this are Kratos session tokens (asked at
    # /sessions/whoami); any other Bearer token is introspected at Hydra.
    # One upstream call per new credential either way.
    SESSION_TOKEN_PREFIX: str = "ory_st_"
    # Audiences an access token must carry (at least one of them in `aud`);
    # tokenized sessions too (their template's claims mapper sets `aud`).
    # Empty accepts any audience: set it when several APIs share one Hydra.
    ACCESS_TOKEN_AUDIENCE: tuple[str, ...] = ()
    # --- Zero-round-trip mode for APIs: Bearer JWTs verified here (off by default) ---
    # Verify JWT access tokens (Hydra's `access_token_strategy: jwt` per client,
    # or `strategies.access_token: jwt` for all) against Hydra's JWKS instead of
    # introspecting them: no call to Hydra per new token. Opaque tokens are
    # still introspected. A token revoked at Hydra is accepted until it expires.
    JWT_ACCESS_TOKENS: bool = False
    # Path of the *public* JWKS of Kratos's session tokenizer (the template in
    # Kratos's session.whoami.tokenizer holds the private half). Set: a Bearer
    # JWT Kratos issued (`/sessions/whoami?tokenize_as=<template>`) is a session
    # verified here, without a call to Kratos. Empty: off.
    SESSION_JWT_JWKS_FILE: str = ""
    # The `iss` of tokenized sessions: Kratos's serve.public.base_url. Empty
    # means KRATOS_BROWSER_URL (or KRATOS_PUBLIC_URL) with a trailing slash.
    SESSION_JWT_ISSUER: str = ""
    # Seconds a JWT verified here may live (from `iat` to `exp`); longer-lived
    # ones are refused. Bounds how long a revoked token or ended session is
    # still accepted. W032 warns above an hour.
    JWT_MAX_LIFETIME: int = 3600
    # Scopes whose views ask Hydra anyway: a JWT access token used on a view
    # requiring any of these (`scope_required`, DRF `HasScope`) is introspected
    # (cached like an opaque token's answer), so a revocation is seen there.
    INTROSPECT_SCOPES: tuple[str, ...] = ()
    # When Ory cannot be asked about a credential: "anonymous" treats the
    # caller as anonymous (views requiring authentication answer 503), "fail"
    # answers 503 at once on every request that carries a credential.
    UNAVAILABLE_POLICY: str = "anonymous"
    # Seconds discovery documents and JWKS are cached.
    DISCOVERY_CACHE_TTL: int = 3600
    # Hosts besides this site, Kratos and Hydra that a `return_to` (or a link
    # Kratos puts in a page) may send the browser to, e.g. other sites of yours
    # listed in Kratos's `selfservice.allowed_return_urls`. "host" or "host:port".
    REDIRECT_ALLOWED_HOSTS: tuple[str, ...] = ()
    # Dotted path of the class that creates and updates Django users from
    # identities (subclass oryauth.identities.UserProvisioner).
    USER_PROVISIONER: str = "oryauth.identities.UserProvisioner"
    # Link an identity seen for the first time to the existing Django user
    # with the same email address, when the provider says the address is
    # *verified* (never for an unverified one) and exactly one user has it.
    # Off by default: it trusts the provider's address verification with
    # accounts that existed before single sign-on.
    LINK_USERS_BY_VERIFIED_EMAIL: bool = False

    # --- This site as an OAuth2 client of Hydra (relying party) ---
    # The client id and secret Hydra issued (or that `manage.py oryauth_clients
    # ensure-site-client` registers).
    CLIENT_ID: str = ""
    CLIENT_SECRET: str = ""
    CLIENT_NAME: str = "Django site"
    # How the client authenticates at the token endpoint: client_secret_basic,
    # client_secret_post or none (public client; PKCE then carries the proof).
    CLIENT_AUTH_METHOD: str = "client_secret_basic"
    # Must equal a redirect URI registered on the client, character for character.
    CLIENT_REDIRECT_URI: str = ""
    CLIENT_POST_LOGOUT_REDIRECT_URI: str = ""
    # Where Hydra posts back-channel logout tokens (`…/auth/backchannel-logout`,
    # reachable from Hydra's server); `ensure-site-client` registers it.
    # Empty: none is registered, and Hydra's sign-outs leave this site's
    # Django sessions alone.
    CLIENT_BACKCHANNEL_LOGOUT_URI: str = ""
    CLIENT_SCOPES: tuple[str, ...] = ("openid", "offline_access", "email", "profile")
    # Send a PKCE S256 challenge with every authorization request. Turn off
    # only for a provider that rejects PKCE; public clients ("none") need it.
    CLIENT_USE_PKCE: bool = True
    # Seconds of clock difference tolerated on ID-token `exp` / `iat`.
    CLIENT_CLOCK_LEEWAY: int = 30
    # ID-token signature algorithms accepted. Asymmetric only: `none` and HS*
    # are refused by a system check (an HS* "signature" made with the public
    # key would otherwise verify).
    CLIENT_ID_TOKEN_ALGORITHMS: tuple[str, ...] = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512")
    # Also read the userinfo endpoint after sign-in and prefer its claims.
    CLIENT_FETCH_USERINFO: bool = False
    # Where the callback sends the user when the start view got no usable `next`.
    CLIENT_DEFAULT_NEXT: str = "/"
    # Seconds a started sign-in (state, nonce, PKCE verifier) stays usable.
    CLIENT_PENDING_LOGIN_TTL: int = 600
    # Refresh the access token when it expires within this many seconds.
    CLIENT_REFRESH_MARGIN: int = 60
    # Fernet keys encrypting the stored access, refresh and ID tokens, newest
    # first (the first encrypts, all decrypt: rotate by adding a key in front,
    # `manage.py oryauth_clear_tokens --reencrypt`, then removing the old one).
    # Empty derives a key from SECRET_KEY (and SECRET_KEY_FALLBACKS); W024
    # warns in production. Make one with `Fernet.generate_key()`.
    CLIENT_TOKEN_ENCRYPTION_KEYS: tuple[str, ...] = ()

    # --- This site as Hydra's login / consent / logout provider (the portal) ---
    # Ask Hydra to remember a login (its own cookie) so the next authorization
    # skips the login step; for PROVIDER_LOGIN_REMEMBER_FOR seconds (0 = until
    # the browser closes).
    PROVIDER_REMEMBER_LOGIN: bool = True
    PROVIDER_LOGIN_REMEMBER_FOR: int = 3600
    # Seconds a consent given with "remember this decision" lasts; 0 = until
    # revoked. (Trusted and skip_consent clients are never asked anyway.)
    PROVIDER_CONSENT_REMEMBER_FOR: int = 30 * 24 * 3600
    # Client ids granted consent without asking (first-party applications).
    PROVIDER_TRUSTED_CLIENT_IDS: tuple[str, ...] = ()
    # Sign out without asking when a client starts the logout with an
    # id_token_hint (RP-initiated logout; Hydra has verified the hint).
    PROVIDER_ACCEPT_LOGOUT_WITH_ID_TOKEN_HINT: bool = True
    # Dotted path of a callable adding computed claims to every consent:
    # f(identity, granted_scopes, claims: oryauth.provider.claims.TokenClaims) -> TokenClaims.
    PROVIDER_CLAIMS_HOOK: str = ""

    # --- Every page oryauth renders ---
    # Sources added to the Content-Security-Policy oryauth sends with its
    # pages, per directive ({"img-src": ["https://cdn.example.org"]}); None
    # sends no policy (a site that sets its own). See oryauth/csp.py.
    CONTENT_SECURITY_POLICY: dict[str, tuple[str, ...]] | None = dataclasses.field(default_factory=dict)

    @property
    def kratos_browser_url(self) -> str:
        return self.KRATOS_BROWSER_URL or self.KRATOS_PUBLIC_URL

    @property
    def hydra_issuer(self) -> str:
        return self.HYDRA_ISSUER or self.HYDRA_PUBLIC_URL.rstrip("/") + "/"

    @property
    def session_jwt_issuer(self) -> str:
        return self.SESSION_JWT_ISSUER or self.kratos_browser_url.rstrip("/") + "/"

    @property
    def credentials(self) -> frozenset[str]:
        """The credentials accepted here (CREDENTIALS, or the per-role default)."""
        if self.CREDENTIALS is not None:
            return frozenset(self.CREDENTIALS)
        roles = installed_roles()
        accepted: set[str] = set()
        if "portal" in roles:
            accepted.add("session_cookie")
        if roles & {"portal", "provider"} or not roles:
            accepted |= {"session_token", "access_token"}
        return frozenset(accepted)

    @classmethod
    def url_setting_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls) if f.name.endswith("_URL") or f.name == "HYDRA_ISSUER"]

    @classmethod
    def client_url_setting_names(cls) -> list[str]:
        return ["CLIENT_REDIRECT_URI", "CLIENT_POST_LOGOUT_REDIRECT_URI", "CLIENT_BACKCHANNEL_LOGOUT_URI"]


DEFAULTS = OryAuthSettings()

# The role apps a site may install, by short name (see the README's quickstarts).
ROLES = ("portal", "provider", "client", "client_admin", "identity_admin")
CREDENTIAL_KINDS = ("session_cookie", "session_token", "access_token")


@lru_cache(maxsize=1)
def installed_roles() -> frozenset[str]:
    """Short names of the oryauth role apps in INSTALLED_APPS (read once:
    every request asks which credentials are accepted)."""
    return frozenset(role for role in ROLES if apps.is_installed(f"oryauth.{role}"))


def used_url_settings(conf: OryAuthSettings | None = None) -> set[str]:
    """The URL settings the installed roles and accepted credentials call:
    checks and the doctor look at these only."""
    conf = conf or oryauth_settings()
    roles, credentials = installed_roles(), conf.credentials
    used: set[str] = set()
    if "portal" in roles or credentials & {"session_cookie", "session_token"}:
        used |= {"KRATOS_PUBLIC_URL", "KRATOS_BROWSER_URL"}
    if "access_token" in credentials or roles & {"provider", "client_admin"}:
        used.add("HYDRA_ADMIN_URL")
    if "provider" in roles:
        used |= {"KRATOS_ADMIN_URL", "HYDRA_PUBLIC_URL"}
    if "identity_admin" in roles:
        used.add("KRATOS_ADMIN_URL")
    if "client" in roles:
        used |= {"HYDRA_PUBLIC_URL", "HYDRA_ISSUER", *OryAuthSettings.client_url_setting_names()}
    return used


def known_keys() -> set[str]:
    return {f.name for f in dataclasses.fields(OryAuthSettings)}


def raw_settings() -> dict[str, Any]:
    """The site's ORYAUTH dict as written (system checks validate this)."""
    value = getattr(settings, "ORYAUTH", {})
    return dict(value) if isinstance(value, dict) else {}


# Settings that hold several values. Sites may write them as a list, or as one
# string in OAuth2's space-separated form ("openid email"); commas work too.
LIST_SETTINGS = {
    "CREDENTIALS",
    "CLIENT_SCOPES",
    "CLIENT_ID_TOKEN_ALGORITHMS",
    "PROVIDER_TRUSTED_CLIENT_IDS",
    "ACCESS_TOKEN_AUDIENCE",
    "INTROSPECT_SCOPES",
    "REDIRECT_ALLOWED_HOSTS",
    "CLIENT_TOKEN_ENCRYPTION_KEYS",
}


def as_tuple(value: Any) -> tuple[str, ...]:
    """A list setting as oryauth reads it: a list or tuple as given, or one
    string split on spaces and commas ("RS256 ES256"). The one parser of list
    settings: the system checks validate what this returns."""
    if isinstance(value, str):
        return tuple(value.replace(",", " ").split())
    return tuple(value)


@lru_cache(maxsize=1)
def oryauth_settings() -> OryAuthSettings:
    """The site's ORYAUTH settings merged over the defaults.

    Unknown keys are ignored here and reported by `manage.py check` (oryauth.W001),
    so a typo never crashes a request.
    """
    given = {k: v for k, v in raw_settings().items() if k in known_keys()}
    for name in LIST_SETTINGS & given.keys():
        if given[name] is not None and isinstance(given[name], (str, list, tuple)):
            given[name] = as_tuple(given[name])
    return dataclasses.replace(DEFAULTS, **given)


@receiver(setting_changed)
def _reset_on_override(*, setting: str, **_: Any) -> None:
    if setting == "ORYAUTH":
        oryauth_settings.cache_clear()
    elif setting == "INSTALLED_APPS":
        installed_roles.cache_clear()
