"""OpenID Connect Back-Channel Logout 1.0 for the relying party: Hydra posts
a signed logout token when a person's Hydra login session ends, and every
Django session that sign-in made on this site ends with it.

`verify_logout_token` checks the token (each failure with its own stable
reason, like `idtoken.py`); `end_sessions` deletes the Django sessions
through the configured SESSION_ENGINE (shared by every process when the
engine is) and the stored tokens.
"""
from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import caches
from django.db import transaction

from ..conf import oryauth_settings
from ..jwks import TokenRefused, check_time_claims
from .idtoken import IdTokenInvalid, verify_signature
from .models import RelyingPartyTokens

logger = logging.getLogger(__name__)

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# Seconds after `iat` a logout token is still accepted (plus the clock
# leeway). Hydra posts it at once and retries for well under a minute; an
# older token is a replay, and its `jti` is remembered exactly this long.
LOGOUT_TOKEN_MAX_AGE = 120
# A logout token is a few hundred bytes; anything far larger is not one.
MAX_LOGOUT_TOKEN_LENGTH = 16 * 1024


class LogoutTokenInvalid(Exception):
    """The logout token failed a check: `reason` is a stable code (tests,
    logs), `message` says in words what was wrong."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


@dataclass(frozen=True)
class LogoutToken:
    """What a verified logout token asks for: end the sign-ins of Hydra
    session `sid` and/or of person `sub` (either may be empty, not both)."""

    issuer: str
    subject: str
    sid: str
    jti: str


def verify_logout_token(token: Any) -> LogoutToken:
    """The verified logout token, or `LogoutTokenInvalid` (Back-Channel
    Logout 1.0, 2.6). Its `jti` is remembered, so a second delivery of the
    same token is refused. Raises `OryError` when Hydra's JWKS cannot be read."""
    if not isinstance(token, str) or not token or len(token) > MAX_LOGOUT_TOKEN_LENGTH:
        raise LogoutTokenInvalid("malformed", "logout_token is missing or not a JWT")
    try:
        claims, _algorithm = verify_signature(token)
    except IdTokenInvalid as exc:
        raise LogoutTokenInvalid(exc.reason, exc.message) from None
    verified = check_logout_claims(claims)
    remember_jti(verified.jti)
    return verified


def check_logout_claims(claims: dict[str, Any]) -> LogoutToken:
    """The claim checks on an already signature-checked logout token."""
    conf = oryauth_settings()
    now = time.time()
    leeway = conf.CLIENT_CLOCK_LEEWAY

    if claims.get("iss") != conf.hydra_issuer:
        raise LogoutTokenInvalid("wrong_issuer", f"issued by {claims.get('iss')!r}, expected {conf.hydra_issuer!r}")
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience) if isinstance(audience, list) else []
    if not conf.CLIENT_ID or conf.CLIENT_ID not in audiences:
        raise LogoutTokenInvalid("wrong_audience", f"issued for {audiences!r}, not for this site's client {conf.CLIENT_ID!r}")

    # Hydra v2.3.0 sends no `exp`; when a provider does, it must hold.
    try:
        check_time_claims(claims, required=("iat",), leeway=leeway, now=now)
    except TokenRefused as exc:
        raise LogoutTokenInvalid(exc.reason, exc.message) from None
    issued = claims["iat"]
    if now - issued > LOGOUT_TOKEN_MAX_AGE + leeway:
        raise LogoutTokenInvalid("too_old", f"issued {int(now - issued)} seconds ago, more than {LOGOUT_TOKEN_MAX_AGE}")

    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise LogoutTokenInvalid("not_a_logout_token", f"'events' does not hold {BACKCHANNEL_LOGOUT_EVENT}")
    # A nonce would make it an ID token: refused so one cannot pass for the other.
    if "nonce" in claims:
        raise LogoutTokenInvalid("has_nonce", "a logout token must not carry a 'nonce'")

    subject, sid = claims.get("sub"), claims.get("sid")
    for name, value in (("sub", subject), ("sid", sid)):
        if value is not None and not (isinstance(value, str) and 0 < len(value) <= 255):
            raise LogoutTokenInvalid("malformed", f"'{name}' is not a string of 1 to 255 characters")
    if not subject and not sid:
        raise LogoutTokenInvalid("missing_claim", "the token names neither 'sub' nor 'sid'")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise LogoutTokenInvalid("missing_claim", "the token lacks a usable 'jti'")
    return LogoutToken(issuer=claims["iss"], subject=subject or "", sid=sid or "", jti=jti)


def remember_jti(jti: str) -> None:
    """Refuse a `jti` seen before (`LogoutTokenInvalid("replayed")`), else
    remember it in the shared cache for as long as its token is accepted.

    When the cache fails the token is accepted (logged): ending sessions
    Hydra asked to end is the safe side, and a replay within the token's
    short lifetime can only end the same sessions again.
    """
    conf = oryauth_settings()
    key = "oryauth:client:logout-jti:" + hashlib.sha256(jti.encode()).hexdigest()
    try:
        first = caches[conf.CACHE_ALIAS].add(key, True, LOGOUT_TOKEN_MAX_AGE + 2 * conf.CLIENT_CLOCK_LEEWAY)
    except Exception:  # any cache backend error: the cache is optional here, see above
        logger.warning("Could not record a logout token's jti in cache %r: replays are not detected", conf.CACHE_ALIAS, exc_info=True)
        return
    if not first:
        raise LogoutTokenInvalid("replayed", "this logout token was already used")


def end_sessions(logout: LogoutToken) -> int:
    """End the Django sessions of the sign-ins the token names, and delete
    their stored tokens. Returns how many sign-ins were ended.

    With a `sid`, the sign-ins of that Hydra session (of that person when
    `sub` is given too); with only `sub`, every sign-in of that person.
    """
    rows = RelyingPartyTokens.objects.filter(issuer=logout.issuer)
    if logout.sid:
        rows = rows.filter(sid=logout.sid)
    if logout.subject:
        rows = rows.filter(subject=logout.subject)
    store_class = session_store_class()
    with transaction.atomic():
        ended = list(rows.select_for_update().values_list("pk", "session_key"))
        for _pk, session_key in ended:
            if session_key:
                store_class(session_key=session_key).delete()
        RelyingPartyTokens.objects.filter(pk__in=[pk for pk, _ in ended]).delete()
    return len(ended)


def session_store_class() -> type[SessionBase]:
    """The SessionStore of the configured SESSION_ENGINE."""
    return import_module(settings.SESSION_ENGINE).SessionStore


def sessions_can_be_ended() -> bool:
    """False when the session engine keeps sessions only in the browser
    (signed cookies): then no server can end one."""
    return not settings.SESSION_ENGINE.endswith("signed_cookies")
