"""Who is calling: a Kratos session cookie, a Kratos session token or a Hydra
access token, resolved to an `OryCaller` with at most one call to Ory per
credential and cache period.

Two entry points, because header credentials are opt-in per view:

- `caller_of(request)`: the caller behind the Kratos session cookie
  (`SESSION_COOKIE_NAME`). The middleware calls it for every request, so
  every page, the Django admin included, knows only cookie callers (and
  Django's own session login), with CSRF protection as usual.
- `caller_accepting_headers(request)`: for views that opted in to header
  credentials (`oryauth.decorators.accepts_header_credentials`, the API
  decorators, the DRF classes, the authentication backend). A header
  credential, when present, is the caller; otherwise the cookie's.

Header credentials (first match wins):

1. `Authorization: Bearer <token>`: a token starting with
   `SESSION_TOKEN_PREFIX` (Kratos's `ory_st_`) is a Kratos session token,
   anything else a Hydra access token (`ory_at_...` or a JWT). The prefix picks
   the one upstream call; we never try both.
2. `X-Session-Token: <token>`: always a Kratos session token.

Sign-out views call `forget_credentials_of(request)` so the cached answer does
not outlive the session.

Cache: Django's cache framework (`CACHE_ALIAS`), keyed by a SHA-256 of the
credential (never the credential itself), for `SESSION_CACHE_TTL` seconds but
never past the session's or token's expiry; rejected credentials for
`NEGATIVE_CACHE_TTL`. An unreachable Ory is never cached, so recovery is seen
on the next request. The mechanics (per-process copies, one call at a time)
are in `oryauth.caller_cache`.

Access tokens from `client_credentials` (Hydra sets `sub` to the client id)
have no person behind them: the caller is authenticated (`is_authenticated`,
`client_id`, `scopes`) but `request.user` stays anonymous and `identity_id`
is empty. Access tokens whose subject is not a Kratos identity are treated the
same way.
"""
from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest

from . import caller_cache, ory
from .conf import OryAuthSettings, oryauth_settings
from .errors import LoginRejected, OryError, OryRejected, OryUnavailable
from .identities import IdentityClaims, provision_user
from .models import IdentityLink
from .sessions import ory_cookie_header

logger = logging.getLogger(__name__)


def user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Any save of a user (the admin's "active" box, a password change, a staff
    flag) reaches every process on its next request (connected in apps.py)."""
    forget_user_everywhere(instance.pk)

CredentialKind = Literal["session_cookie", "session_token", "access_token"]

# Longer credentials are refused without asking Ory: real ones are far shorter
# (session tokens ~40 chars, opaque access tokens ~90, JWTs a few hundred).
MAX_CREDENTIAL_LENGTH = 4096
# RFC 6750 b64token: what a Bearer token may be made of.
_TOKEN_SYNTAX = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
# Cookie values: visible ASCII except separators (RFC 6265 cookie-octet).
_COOKIE_SYNTAX = re.compile(r"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]+")
_CACHE_PREFIX = "oryauth:caller:"


@dataclass(frozen=True)
class OryCaller:
    """What the middleware knows about the caller (`request.ory`).

    `via` says which credential was presented ("" when none). `is_authenticated`
    is True when Ory vouched for it. A person has an `identity_id` (and a Django
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
        syntax = _COOKIE_SYNTAX if self.kind == "session_cookie" else _TOKEN_SYNTAX
        return syntax.fullmatch(self.value) is not None


# --- Finding credentials on a request ------------------------------------------


def _bearer_token(request: HttpRequest) -> str | None:
    """The Bearer token of the Authorization header, "" when the header says
    Bearer but carries no usable token, None when it is absent or another scheme."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip()


def header_credentials_of(request: HttpRequest, conf: OryAuthSettings | None = None) -> list[Credential]:
    """The Ory credentials in the request's headers, in the order they are tried."""
    conf = conf or oryauth_settings()
    accepted = conf.credentials
    found: list[Credential] = []
    bearer = _bearer_token(request)
    if bearer is not None:
        kind: CredentialKind = "session_token" if bearer.startswith(conf.SESSION_TOKEN_PREFIX) else "access_token"
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


# --- Public entry points ---------------------------------------------------------


def caller_of(request: HttpRequest) -> OryCaller:
    """The caller of this request (`request.ory`), resolved once per request:
    the Kratos session cookie's, or a header credential's where the view
    accepted header credentials (`caller_accepting_headers`)."""
    caller = getattr(request, "ory", None)
    if isinstance(caller, OryCaller):
        return caller
    cookie = cookie_credential_of(request)
    caller = resolve(cookie) if cookie else NO_CREDENTIAL
    request.ory = caller  # type: ignore[attr-defined]
    return caller


def caller_accepting_headers(request: HttpRequest) -> OryCaller:
    """The caller for a view that accepts header credentials: the header
    credential's when the request carries one (it then becomes `request.ory`,
    even when it is invalid: a bad token is never rescued by a cookie),
    otherwise the cookie's."""
    if not getattr(request, "_oryauth_headers_read", False):
        request._oryauth_headers_read = True  # type: ignore[attr-defined]
        found = header_credentials_of(request)
        if found:
            request.ory = resolve(found[0])  # type: ignore[attr-defined]
    return caller_of(request)


def user_of(caller: OryCaller) -> Any:
    """The caller's Django user, or AnonymousUser for machines and strangers.

    Built from this process's copy of the user's row when it has one (no
    query on warm requests), so a user deactivated in Django is refused once
    the cache period is over, like a session revoked at Kratos."""
    if not caller.is_authenticated or caller.user_id is None:
        return AnonymousUser()
    version = caller.user_version
    user = caller_cache.remembered_user(caller.user_id, caller.identity_id, version)
    if user is None:
        user = get_user_model()._default_manager.filter(pk=caller.user_id).first()
        if user is not None:
            _remember_user(user, caller.identity_id, version)
    return user if user is not None and user.is_active else AnonymousUser()


def _remember_user(user: Any, identity_id: str, version: str) -> None:
    caller_cache.remember_user(user, identity_id, int(oryauth_settings().SESSION_CACHE_TTL), version)


def forget_user_everywhere(user_pk: Any) -> None:
    """Staff changed this user (deactivated them, ended their sessions): every
    process drops its copy of the row and asks Ory again on the next request,
    instead of trusting what it cached until the cache period ends."""
    caller_cache.bump_user_version(caches[oryauth_settings().CACHE_ALIAS], user_pk)


def forget_identity_everywhere(identity_id: str) -> None:
    """`forget_user_everywhere` for the Django users linked to a Kratos
    identity (staff ended its sessions or deactivated it at Kratos)."""
    for user_pk in IdentityLink.objects.filter(subject=identity_id).values_list("user_id", flat=True):
        forget_user_everywhere(user_pk)


def forget_credentials_of(request: HttpRequest) -> None:
    """Drop the cached answers for every credential this request carries.

    Sign-out views call this so a signed-out session is not accepted again
    from the cache (other processes sharing the cache see it too).
    """
    conf = oryauth_settings()
    caller_cache.forget(caches[conf.CACHE_ALIAS], (c.cache_key for c in credentials_of(request, conf)))
    caller = getattr(request, "ory", None)
    if isinstance(caller, OryCaller):
        caller_cache.forget_user(caller.user_id, caller.identity_id)
        del request.ory  # type: ignore[attr-defined]  # set by caller_of on this request


def resolve(credential: Credential) -> OryCaller:
    """The caller behind one credential: from the cache, or from one call to
    Ory shared by every concurrent request with the same credential."""
    if not credential.well_formed:
        return OryCaller(via=credential.kind, problem="malformed")
    conf = oryauth_settings()
    cache = caches[conf.CACHE_ALIAS]
    caching = conf.SESSION_CACHE_TTL > 0 or conf.NEGATIVE_CACHE_TTL > 0
    key = credential.cache_key
    if caching:
        cached = _cache_get(cache, key)
        if cached is not None:
            return cached

    def ask_ory() -> OryCaller:
        if caching:
            # Another request may have filled the cache while we waited our turn.
            cached = _cache_get(cache, key)
            if cached is not None:
                return cached
        try:
            caller = _ask_ory(credential, conf)
        except OryUnavailable as exc:
            logger.warning("Could not check a %s: %s", credential.kind.replace("_", " "), exc)
            return OryCaller(via=credential.kind, problem="unavailable")
        ttl = _cache_seconds(caller, conf)
        if ttl > 0:
            caller_cache.write(cache, key, caller, ttl)
        return caller

    # Other processes (gunicorn workers) with the same new credential wait for
    # the one asking Ory, through a lock in the shared cache: one call in all.
    return caller_cache.single_flight(
        key, ask_ory, wait=2 * float(conf.HTTP_TIMEOUT) + 1,
        cache=cache if caching else None, read_shared=lambda: _cache_get(cache, key),
    )


# --- Asking Ory ------------------------------------------------------------------


def _ask_ory(credential: Credential, conf: OryAuthSettings) -> OryCaller:
    try:
        if credential.kind == "access_token":
            return _caller_from_access_token(credential.value, conf)
        if credential.kind == "session_token":
            session = ory.whoami(session_token=credential.value)
        else:
            assert credential.request is not None
            session = ory.whoami(cookie=ory_cookie_header(credential.request))
    except OryUnavailable:
        raise
    except OryError as exc:
        # A 4xx other than 401/403, or an unreadable answer: not a valid credential.
        logger.info("Ory refused a %s: %s", credential.kind.replace("_", " "), exc)
        return OryCaller(via=credential.kind, problem="invalid")
    if session is None or not session.active or session.identity is None:
        return OryCaller(via=credential.kind, problem="invalid")
    try:
        user = provision_user(IdentityClaims.from_kratos_identity(session.identity))
    except LoginRejected as exc:
        logger.info("Identity %s refused by the user provisioner: %s", session.identity.id, exc.reason)
        return OryCaller(via=credential.kind, problem="rejected", identity_id=str(session.identity.id))
    version = caller_cache.user_version(caches[conf.CACHE_ALIAS], user.pk)
    if user.is_active:
        _remember_user(user, str(session.identity.id), version)
    aal = session.authenticator_assurance_level
    traits = session.identity.traits
    return OryCaller(
        via=credential.kind,
        is_authenticated=user.is_active,
        identity_id=str(session.identity.id),
        session_id=str(session.id),
        aal=str(getattr(aal, "value", aal) or ""),
        expires_at=session.expires_at,
        traits=dict(traits) if isinstance(traits, dict) else {},
        user_id=user.pk if user.is_active else None,
        user_version=version,
        problem="" if user.is_active else "rejected",
    )


def _caller_from_access_token(token: str, conf: OryAuthSettings) -> OryCaller:
    info = ory.hydra_admin().introspect_o_auth2_token(token=token)
    expires_at = datetime.fromtimestamp(info.exp, tz=timezone.utc) if info.exp else None
    invalid = OryCaller(via="access_token", problem="invalid")
    if not info.active or (info.token_use and info.token_use != "access_token"):
        return invalid  # inactive, revoked, or a refresh token presented as Bearer
    if expires_at is not None and expires_at <= datetime.now(timezone.utc):
        return invalid
    if conf.ACCESS_TOKEN_AUDIENCE and not set(conf.ACCESS_TOKEN_AUDIENCE) & set(info.aud or []):
        return invalid
    subject, client_id = info.sub or "", info.client_id or ""
    caller = OryCaller(
        via="access_token",
        is_authenticated=True,
        client_id=client_id,
        subject=subject,
        scopes=frozenset((info.scope or "").split()),
        expires_at=expires_at,
    )
    if not subject or subject == client_id:
        return caller  # client_credentials: a machine, no person
    user = _user_for_subject(subject, conf)
    if user is None:
        return caller
    if not user.is_active:
        return OryCaller(via="access_token", problem="rejected", subject=subject)
    version = caller_cache.user_version(caches[conf.CACHE_ALIAS], user.pk)
    _remember_user(user, subject, version)
    return replace(caller, identity_id=subject, user_id=user.pk, user_version=version)


def _user_for_subject(subject: str, conf: OryAuthSettings) -> Any:
    """The Django user of the Kratos identity a token was issued to.

    The identity is fetched from Kratos only when no user is linked to it yet:
    later tokens of the same person cost no extra call.
    """
    link = IdentityLink.objects.select_related("user").filter(issuer=conf.hydra_issuer, subject=subject).first()
    if link is not None:
        return link.user
    try:
        identity = ory.kratos_identities().get_identity(subject)
    except OryRejected as exc:
        if exc.status == 404:
            return None  # not a Kratos identity: treat the token as a machine's
        raise
    try:
        return provision_user(IdentityClaims.from_kratos_identity(identity))
    except LoginRejected:
        return None


# --- Cache -------------------------------------------------------------------------


def _cache_get(cache: Any, key: str) -> OryCaller | None:
    cached = caller_cache.read(cache, key)
    if not isinstance(cached, OryCaller) or _usable(cached) is None:
        return None
    if cached.user_id is not None and caller_cache.user_version(cache, cached.user_id) != cached.user_version:
        return None  # staff changed the user since: ask Ory (and the database) again
    return cached


def _usable(cached: OryCaller) -> OryCaller | None:
    if cached.expires_at is not None and cached.expires_at <= datetime.now(timezone.utc):
        return None  # cache backends round TTLs; expiry is authoritative
    return cached


def _cache_seconds(caller: OryCaller, conf: OryAuthSettings) -> int:
    if not caller.is_authenticated:
        return int(conf.NEGATIVE_CACHE_TTL)
    ttl = int(conf.SESSION_CACHE_TTL)
    if caller.expires_at is not None:
        ttl = min(ttl, int((caller.expires_at - datetime.now(timezone.utc)).total_seconds()))
    return ttl
