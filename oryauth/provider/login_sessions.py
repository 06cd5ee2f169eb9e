"""What we keep about Hydra login sessions (`sid`): which ones a person has,
so signing them out elsewhere ends those sessions at Hydra *by sid*; and how
each was signed in to (`amr`, `acr`), for the logins Hydra remembers.

Why: Hydra v2.3.0 sends OpenID Connect back-channel logout to the clients of
a login session only when that session ends through its own logout flow or
an admin revocation *by sid*; a revocation by subject (all of a person's
remembered logins at once) sends none. Every authorization passes our
consent step, whose request names its login session: we note it there, in
the shared cache (every process), and revoke those sids first.
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.core.cache import caches

from .. import ory
from ..conf import oryauth_settings
from ..errors import OryRejected

logger = logging.getLogger(__name__)

# Hydra forgets a login after PROVIDER_LOGIN_REMEMBER_FOR at the latest; a
# session noted longer ago is revoked in vain (Hydra answers "not found").
_AT_LEAST_SECONDS = 24 * 3600
# More logins than this for one person is not a person: keep the newest.
_MAX_SIDS = 50


def _key(subject: str) -> str:
    return "oryauth:provider:login-sessions:" + hashlib.sha256(subject.encode()).hexdigest()


def note_login_session(subject: str, sid: str | None) -> None:
    """Remember that `subject` has the Hydra login session `sid`."""
    if not subject or not sid:
        return
    conf = oryauth_settings()
    cache = caches[conf.CACHE_ALIAS]
    try:
        known = [s for s in cache.get(_key(subject)) or [] if s != sid]
        cache.set(_key(subject), [*known, sid][-_MAX_SIDS:], max(conf.PROVIDER_LOGIN_REMEMBER_FOR, _AT_LEAST_SECONDS))
    except Exception as exc:  # noqa: BLE001 (a failing cache only loses the back-channel logout)
        logger.warning("Could not note the login session of a consent: %s: %s", type(exc).__name__, exc)


def end_login_sessions(subject: str) -> None:
    """End every login Hydra remembers for `subject`: first each noted one by
    sid (Hydra then sends back-channel logout to that session's clients),
    then whatever is left by subject. Raises OryError when Hydra cannot be asked."""
    cache = caches[oryauth_settings().CACHE_ALIAS]
    try:
        sids = list(cache.get(_key(subject)) or [])
    except Exception as exc:  # noqa: BLE001
        logger.warning("Could not read the login sessions of a person: %s: %s", type(exc).__name__, exc)
        sids = []
    admin = ory.hydra_admin()
    for sid in sids:
        try:
            admin.revoke_o_auth2_login_sessions(sid=sid)
        except OryRejected as exc:
            if exc.status != 404:  # already over: nothing to end
                raise
    admin.revoke_o_auth2_login_sessions(subject=subject)
    try:
        cache.delete(_key(subject))
    except Exception:  # noqa: BLE001 (the sids are over anyway)
        pass


# --- How each login was made -----------------------------------------------------
# Hydra does not keep a login's `amr` and `acr`: a login it remembers (`skip`)
# is accepted again, and an ID token then carries only what that accept says.
# So the values of the sign-in are kept by Hydra login session (`sid`) and
# given again, and every path reports the same values for the same sign-in.


@dataclass(frozen=True)
class LoginAssurance:
    """How a person signed in: RFC 8176 `amr` values and the `acr` level."""

    amr: tuple[str, ...]
    acr: str


def _assurance_key(sid: str) -> str:
    return "oryauth:provider:login-assurance:" + hashlib.sha256(sid.encode()).hexdigest()


def note_login_assurance(sid: str | None, assurance: LoginAssurance) -> None:
    """Remember how the person signed in to Hydra's login session `sid`."""
    if not sid:
        return
    conf = oryauth_settings()
    try:
        caches[conf.CACHE_ALIAS].set(_assurance_key(sid), {"amr": list(assurance.amr), "acr": assurance.acr},
                                     max(conf.PROVIDER_LOGIN_REMEMBER_FOR, _AT_LEAST_SECONDS))
    except Exception as exc:  # noqa: BLE001 (a failing cache only loses amr/acr on a remembered login)
        logger.warning("Could not note how a login was made: %s: %s", type(exc).__name__, exc)


def remembered_login_assurance(sid: str | None) -> LoginAssurance | None:
    """How the person signed in to `sid`, when noted (None otherwise)."""
    if not sid:
        return None
    try:
        noted = caches[oryauth_settings().CACHE_ALIAS].get(_assurance_key(sid))
    except Exception as exc:  # noqa: BLE001
        logger.warning("Could not read how a login was made: %s: %s", type(exc).__name__, exc)
        return None
    if not isinstance(noted, dict) or not isinstance(noted.get("acr"), str):
        return None
    return LoginAssurance(tuple(str(value) for value in noted.get("amr") or ()), noted["acr"])
