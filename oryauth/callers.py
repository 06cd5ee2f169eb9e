"""What a request carries and who it turned out to be: the `Credential`s
found on a request (in the order they are tried) and the `OryCaller` a
credential resolves to (`request.ory`). Resolving is `oryauth.resolution`'s
job; this module only reads requests.

Header credentials (first match wins):

1. `Authorization: Bearer <token>`: a token starting with
   `SESSION_TOKEN_PREFIX` (Kratos's `ory_st_`) is a Kratos session token; a
   JWT issued by Kratos (a tokenized session, `SESSION_JWT_JWKS_FILE`) too;
   anything else is a Hydra access token (`ory_at_...` or a JWT).
2. `X-Session-Token: <token>`: always a Kratos session (token or JWT).
"""
from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest

from .conf import OryAuthSettings, oryauth_settings
from .jwks import unverified_issuer

CredentialKind = Literal["session_cookie", "session_token", "access_token"]

# Longer credentials are refused without asking Ory: real ones are far shorter
# (session tokens ~40 chars, opaque access tokens ~90, JWTs a few hundred).
MAX_CREDENTIAL_LENGTH = 4096
# RFC 6750 b64token: what a Bearer token may be made of ("=" only at its end).
_TOKEN_CHARACTERS = (string.ascii_letters + string.digits + "-._~+/").encode()
# Cookie values: visible ASCII except separators (RFC 6265 cookie-octet).
_COOKIE_CHARACTERS = bytes(c for c in range(0x21, 0x7F) if chr(c) not in '",;\\')
_CACHE_PREFIX = "oryauth:caller:"


@dataclass(frozen=True)
class OryCaller:
    """What the middleware knows about the caller (`request.ory`).

    `via` says which credential was presented ("" when none). `is_authenticated`
    is True when Ory vouched for it, by an answer or by its signature on a JWT
    (`verified_locally`: Ory was not asked, so a revocation there is not seen
    before the token expires). A person has an `identity_id` (and a Django
    user, `user_id`); a client_credentials token has only `client_id`.
    """

    via: CredentialKind | Literal[""] = ""
    is_authenticated: bool = False
    identity_id: str = ""
    session_id: str = ""
    client_id: str = ""
    subject: str = ""
    scopes: frozenset[str] = frozenset()
    aal: str = ""
    expires_at: datetime | None = None
    traits: dict[str, Any] = field(default_factory=dict)
    user_id: Any = None
    # The user's version (caller_cache.user_version) this answer was made under.
    user_version: str = ""
    verified_locally: bool = False
    # Why the caller is not authenticated: "malformed", "invalid", "rejected"
    # (the user provisioner refused the identity) or "unavailable".
    problem: str = ""

    @property
    def presented_credential(self) -> bool:
        return bool(self.via)

    @property
    def is_person(self) -> bool:
        return self.is_authenticated and bool(self.identity_id)

    @property
    def unavailable(self) -> bool:
        """Ory could not be asked; the caller may well be valid."""
        return self.problem == "unavailable"

    @property
    def via_header(self) -> bool:
        return self.via in ("session_token", "access_token")

    def has_scopes(self, *scopes: str) -> bool:
        return self.is_authenticated and self.via == "access_token" and set(scopes) <= self.scopes


NO_CREDENTIAL = OryCaller()


@dataclass(frozen=True)
class Credential:
    """One credential found on a request. `value` never appears in reprs."""

    kind: CredentialKind
    value: str = field(repr=False)
    # For cookies: the request, whose Ory cookies whoami gets (only read when
    # Ory is asked, so warm requests do not build the header).
    request: HttpRequest | None = field(default=None, repr=False, compare=False)

    @property
    def cache_key(self) -> str:
        digest = hashlib.sha256(f"{self.kind}\0{self.value}".encode()).hexdigest()
        return _CACHE_PREFIX + digest

    @property
    def well_formed(self) -> bool:
        if not self.value or len(self.value) > MAX_CREDENTIAL_LENGTH or not self.value.isascii():
            return False
        if self.kind == "session_cookie":
            body, allowed = self.value, _COOKIE_CHARACTERS
        else:
            body, allowed = self.value.rstrip("="), _TOKEN_CHARACTERS
        # Deleting the allowed characters leaves nothing: a third of a regular
        # expression's cost on a JWT, and every header credential pays it.
        return bool(body) and not body.encode("ascii").translate(None, allowed)


# --- Finding credentials on a request ------------------------------------------


def _bearer_token(request: HttpRequest) -> str | None:
    """The Bearer token of the Authorization header, "" when the header says
    Bearer but carries no usable token, None when it is absent or another scheme."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def _is_session_bearer(token: str, conf: OryAuthSettings) -> bool:
    """A Kratos session token, or a JWT Kratos issued (tokenized session)."""
    if token.startswith(conf.SESSION_TOKEN_PREFIX):
        return True
    return bool(conf.SESSION_JWT_JWKS_FILE) and len(token) <= MAX_CREDENTIAL_LENGTH and unverified_issuer(token) == conf.session_jwt_issuer


def header_credentials_of(request: HttpRequest, conf: OryAuthSettings | None = None) -> list[Credential]:
    """The Ory credentials in the request's headers, in the order they are tried."""
    conf = conf or oryauth_settings()
    accepted = conf.credentials
    found: list[Credential] = []
    bearer = _bearer_token(request)
    if bearer is not None:
        kind: CredentialKind = "session_token" if _is_session_bearer(bearer, conf) else "access_token"
        if kind in accepted:
            found.append(Credential(kind, bearer))
    session_token = request.META.get("HTTP_X_SESSION_TOKEN")
    if session_token is not None and "session_token" in accepted:
        found.append(Credential("session_token", session_token.strip()))
    return found


def cookie_credential_of(request: HttpRequest, conf: OryAuthSettings | None = None) -> Credential | None:
    """The Kratos session cookie, when the browser sent one."""
    conf = conf or oryauth_settings()
    if "session_cookie" not in conf.credentials:
        return None
    cookie = request.COOKIES.get(conf.SESSION_COOKIE_NAME)
    return Credential("session_cookie", cookie, request=request) if cookie is not None else None


def credentials_of(request: HttpRequest, conf: OryAuthSettings | None = None) -> list[Credential]:
    """Every Ory credential on the request: headers first, then the cookie."""
    conf = conf or oryauth_settings()
    cookie = cookie_credential_of(request, conf)
    return header_credentials_of(request, conf) + ([cookie] if cookie else [])


def has_header_credential(request: HttpRequest) -> bool:
    """Whether the request carries a header credential, accepted here or not
    (such a caller is an API client: it gets JSON answers)."""
    return _bearer_token(request) is not None or "HTTP_X_SESSION_TOKEN" in request.META


