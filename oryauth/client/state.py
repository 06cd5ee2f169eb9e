"""Sign-ins in progress: `state`, `nonce`, PKCE verifier and the checked
`next`, kept server-side in the Django session and keyed by `state`.

Each is single use (taken out of the session when the callback reads it),
several may be pending at once (sign-in started in several tabs), and old ones
expire after CLIENT_PENDING_LOGIN_TTL seconds.
"""
from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import asdict, dataclass

from django.http import HttpRequest

from ..conf import oryauth_settings

SESSION_KEY = "oryauth_client_pending"
# More parallel sign-ins than this in one browser is not a person clicking:
# the oldest are dropped so the session cannot grow without bound.
MAX_PENDING = 5


@dataclass(frozen=True)
class PendingLogin:
    state: str
    nonce: str
    code_verifier: str  # empty when PKCE is off
    next_url: str
    started_at: float
    # The `max_age` the authorization request carried: the ID token's
    # `auth_time` is checked against it (None when none was asked).
    max_age: int | None = None

    @property
    def code_challenge(self) -> str:
        """PKCE S256: base64url(sha256(verifier)) without padding (RFC 7636)."""
        digest = hashlib.sha256(self.code_verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def begin_login(request: HttpRequest, next_url: str, *, max_age: int | None = None) -> PendingLogin:
    """Create and remember a new pending sign-in for this browser."""
    conf = oryauth_settings()
    pending = PendingLogin(
        state=secrets.token_urlsafe(32),
        nonce=secrets.token_urlsafe(32),
        # 43-128 characters from the unreserved set (RFC 7636 4.1).
        code_verifier=secrets.token_urlsafe(64) if conf.CLIENT_USE_PKCE else "",
        next_url=next_url,
        started_at=time.time(),
        max_age=max_age,
    )
    stored = _fresh_pending(request)
    stored[pending.state] = asdict(pending)
    newest = sorted(stored.items(), key=lambda item: item[1]["started_at"])[-MAX_PENDING:]
    request.session[SESSION_KEY] = dict(newest)
    return pending


def take_pending_login(request: HttpRequest, state: str | None) -> PendingLogin | None:
    """The pending sign-in for `state`, removed from the session so it can be
    used once only; None when it is unknown, already used or expired."""
    stored = _fresh_pending(request)
    record = stored.pop(state, None) if state else None
    request.session[SESSION_KEY] = stored
    return PendingLogin(**record) if record else None


def restore_pending_login(request: HttpRequest, pending: PendingLogin) -> None:
    """Put a taken sign-in back, when finishing it failed for a reason that
    retrying the same callback can cure (Hydra was unreachable)."""
    stored = _fresh_pending(request)
    stored[pending.state] = asdict(pending)
    request.session[SESSION_KEY] = stored


def _fresh_pending(request: HttpRequest) -> dict[str, dict]:
    """The stored pending sign-ins that have not expired."""
    oldest_allowed = time.time() - oryauth_settings().CLIENT_PENDING_LOGIN_TTL
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return {}
    return {
        state: record
        for state, record in stored.items()
        if isinstance(record, dict) and record.get("started_at", 0) >= oldest_allowed
    }
