"""Who is calling: a Kratos session cookie, a Kratos session token or a Hydra
access token, resolved to an `OryCaller` with at most one call to Ory per
credential and cache period, or none at all for the Bearer JWTs verified
here (`oryauth.local_tokens`, off by default).

Two entry points, because header credentials are opt-in per view:

- `caller_of(request)`: the caller behind the Kratos session cookie
  (`SESSION_COOKIE_NAME`). The middleware calls it for every request, so
  every page, the Django admin included, knows only cookie callers (and
  Django's own session login), with CSRF protection as usual.
- `caller_accepting_headers(request)`: for views that opted in to header
  credentials (`oryauth.decorators.accepts_header_credentials`, the API
  decorators, the DRF classes, the authentication backend). A header
  credential, when present, is the caller; otherwise the cookie's.

Which credentials a request carries, and in which order they are tried, is
`oryauth.callers`; what Ory answers for one, `oryauth.ory_answers`.

Sign-out views call `forget_credentials_of(request)` so the cached answer does
not outlive the session.

Cache: Django's cache framework (`CACHE_ALIAS`), keyed by a SHA-256 of the
credential (never the credential itself), for `SESSION_CACHE_TTL` seconds but
never past the session's or token's expiry; rejected credentials for
`NEGATIVE_CACHE_TTL`. An unreachable Ory is never cached, so recovery is seen
on the next request. The mechanics (per-process copies, one call at a time)
are in `oryauth.caller_cache`. JWTs verified here are remembered by this
process only (any process can check a signature), under the same rules.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest

from . import caller_cache
from .callers import (
    MAX_CREDENTIAL_LENGTH,
    NO_CREDENTIAL,
    Credential,
    CredentialKind,
    OryCaller,
    cookie_credential_of,
    credentials_of,
    has_header_credential,
    header_credentials_of,
)
from .conf import OryAuthSettings, oryauth_settings
from .errors import OryUnavailable
from .local_tokens import Verifier, local_verifier
from .models import IdentityLink
from .ory_answers import caller_from_ory, remember_user

# Other modules and sites import these from here.
__all__ = [
    "MAX_CREDENTIAL_LENGTH", "NO_CREDENTIAL", "Credential", "CredentialKind", "OryCaller", "caller_accepting_headers",
    "caller_confirmed_by_ory", "caller_of", "cookie_credential_of", "credentials_of", "forget_credentials_of",
    "forget_identity_everywhere", "forget_user_everywhere", "has_header_credential", "header_credentials_of",
    "resolve", "user_of", "user_saved",
]

logger = logging.getLogger(__name__)


def user_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Any save of a user (the admin's "active" box, a password change, a staff
    flag) reaches every process on its next request (connected in apps.py)."""
    forget_user_everywhere(instance.pk)


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


def caller_confirmed_by_ory(request: HttpRequest) -> OryCaller:
    """`caller_accepting_headers`, but a JWT verified here is asked about at
    Ory after all (introspection, cached like an opaque token's answer): for
    views whose scopes are in INTROSPECT_SCOPES, where a revocation must be
    seen before the token expires. Becomes `request.ory`."""
    caller = caller_accepting_headers(request)
    if caller.verified_locally:
        found = header_credentials_of(request)
        if found:
            caller = request.ory = resolve(found[0], locally=False)  # type: ignore[attr-defined]
    return caller


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
            remember_user(user, caller.identity_id, version)
    return user if user is not None and user.is_active else AnonymousUser()


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


def resolve(credential: Credential, *, locally: bool = True) -> OryCaller:
    """The caller behind one credential: from the cache, from its signature
    (a JWT, where the settings say so and `locally`), or from one call to
    Ory shared by every concurrent request with the same credential."""
    if not credential.well_formed:
        return OryCaller(via=credential.kind, problem="malformed")
    conf = oryauth_settings()
    cache = caches[conf.CACHE_ALIAS]
    verifier = local_verifier(credential, conf) if locally else None
    if verifier is not None:
        return _resolve_locally(credential, verifier, cache, conf)
    caching = _caching(conf)
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
            caller = caller_from_ory(credential, conf)
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


def _resolve_locally(credential: Credential, verify: Verifier, cache: Any, conf: OryAuthSettings) -> OryCaller:
    """A JWT checked in this process: no call to Ory, so nothing to share."""
    key = credential.cache_key
    remembered = caller_cache.recalled_in_process(key) if _caching(conf) else None
    if isinstance(remembered, OryCaller) and _current(cache, remembered) is not None:
        return remembered
    caller = verify(credential.value, conf)
    ttl = _cache_seconds(caller, conf)
    if ttl > 0 and not caller.unavailable:
        caller_cache.remember_in_process(key, caller, ttl)
    return caller


# --- Cache -------------------------------------------------------------------------


def _cache_get(cache: Any, key: str) -> OryCaller | None:
    cached = caller_cache.read(cache, key)
    return _current(cache, cached) if isinstance(cached, OryCaller) else None


def _current(cache: Any, cached: OryCaller) -> OryCaller | None:
    """`cached` unless it expired or staff changed its user since."""
    if _usable(cached) is None:
        return None
    if cached.user_id is not None and caller_cache.user_version(cache, cached.user_id) != cached.user_version:
        return None  # staff changed the user since: ask Ory (and the database) again
    return cached


def _usable(cached: OryCaller) -> OryCaller | None:
    if cached.expires_at is not None and cached.expires_at <= datetime.now(timezone.utc):
        return None  # cache backends round TTLs; expiry is authoritative
    return cached


def _caching(conf: OryAuthSettings) -> bool:
    """Whether answers are remembered at all (either cache period is set)."""
    return conf.SESSION_CACHE_TTL > 0 or conf.NEGATIVE_CACHE_TTL > 0


def _cache_seconds(caller: OryCaller, conf: OryAuthSettings) -> int:
    if not caller.is_authenticated:
        return int(conf.NEGATIVE_CACHE_TTL)
    ttl = int(conf.SESSION_CACHE_TTL)
    if caller.expires_at is not None:
        ttl = min(ttl, int((caller.expires_at - datetime.now(timezone.utc)).total_seconds()))
    return ttl
