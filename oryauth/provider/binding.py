"""Who may answer a challenge: a challenge belongs to one person.

A challenge URL can leak (history, logs, a shared screen, a Referer). Hydra
refuses a stranger's browser at its verifier, but what we accepted at its
admin API stays accepted: a remembered consent, a login completed as the
wrong person. So before accepting anything:

- **Login**: the first browser that opens a login challenge claims it (Hydra
  sends the browser that started the authorization here at once); any other
  browser gets a 403. We claim instead of asking "Continue as X?" because
  OpenID Connect wants a signed-in person let through without a page (silent
  SSO, and `prompt=none` forbids any page), which a confirmation would break.
- **Consent and logout**: only the challenge's subject, i.e. a browser whose
  Kratos session is that identity, or the browser in which we accepted the
  login Hydra remembered (Hydra's own cookie proved it then; the Kratos
  session may have ended since).

Claims live in the shared cache (`CACHE_ALIAS`), so every web process sees
them; the browser is known by a random key in its Django session.
"""
from __future__ import annotations

import hashlib
import secrets

from django.core.cache import caches
from django.http import HttpRequest

from ..conf import oryauth_settings
from ..sessions import kratos_session
from .challenges import ChallengeNotYours

BROWSER_KEY = "oryauth_provider_browser"
LOGINS_KEY = "oryauth_provider_logins"
REMEMBERED_LOGINS = 20
# Longer than Hydra's login/consent request lifetime (ttl.login_consent_request, 30 min by default).
CLAIM_SECONDS = 2 * 3600
_CLAIM_PREFIX = "oryauth:challenge-claim:"


def _browser_key(request: HttpRequest) -> str:
    key = request.session.get(BROWSER_KEY)
    if not isinstance(key, str) or not key:
        key = secrets.token_urlsafe(24)
        request.session[BROWSER_KEY] = key
    return key


def claim_login_challenge(request: HttpRequest, name: str, challenge: str) -> None:
    """Bind the login challenge to this browser on first sight; raise
    `ChallengeNotYours` when another browser claimed it first."""
    cache = caches[oryauth_settings().CACHE_ALIAS]
    key = _CLAIM_PREFIX + hashlib.sha256(challenge.encode()).hexdigest()
    browser = _browser_key(request)
    # `add` is atomic in every shared backend: of two browsers racing, one wins.
    if not cache.add(key, browser, CLAIM_SECONDS) and cache.get(key) != browser:
        raise ChallengeNotYours(name)


def note_accepted_login(request: HttpRequest, login_session_id: str | None, subject: str) -> None:
    """Remember in this browser's session that we signed `subject` in under
    Hydra's login session `login_session_id` (see `require_subject`)."""
    if not login_session_id or not subject:
        return
    logins: dict[str, str] = dict(request.session.get(LOGINS_KEY, {}))
    logins.pop(login_session_id, None)
    logins[login_session_id] = subject
    request.session[LOGINS_KEY] = dict(list(logins.items())[-REMEMBERED_LOGINS:])


def require_subject(request: HttpRequest, name: str, subject: str | None, login_session_id: str | None) -> None:
    """Raise `ChallengeNotYours` unless this browser is `subject`: its Kratos
    session is that identity, or we accepted that Hydra login session here."""
    if not subject:
        raise ChallengeNotYours(name)
    noted = request.session.get(LOGINS_KEY, {})
    if login_session_id and isinstance(noted, dict) and noted.get(login_session_id) == subject:
        return
    session = kratos_session(request)
    if session is not None and session.active is not False and session.identity is not None:
        if str(session.identity.id) == subject:
            return
    raise ChallengeNotYours(name)
