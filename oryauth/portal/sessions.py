"""Where a person is signed in, and which applications they let in: the
domain of the portal's `/sessions` page.

Kratos sessions are read and ended with the browser's own cookie, through
Kratos's endpoints for a person's own sessions (never the admin API): Kratos
itself checks that a session belongs to the cookie's identity. Grants are
Hydra consent sessions, read and revoked server-side through Hydra's admin
API, always for the signed-in identity's subject; only with `oryauth.provider`
installed (the portal alone has no Hydra admin).

Ending a session elsewhere must not leave this site trusting its cached
answer for that session's cookie, which we never see: the person's cached
answers are made stale in every process instead (`forget_user_everywhere`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.apps import apps
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ory_client.models.o_auth2_consent_session import OAuth2ConsentSession
from ory_client.models.session import Session

from .. import ory
from ..errors import OryRejected
from ..redirects import safe_http_url
from ..resolution import caller_of, forget_user_everywhere
from ..sessions import has_session_cookie, kratos_session, ory_cookie_header

# Kratos and Hydra page their lists; one page this long is more than a person has.
PAGE_SIZE = 500

# How each Kratos authentication method reads on the page.
METHOD_LABELS = {
    "password": _("Password"),
    "totp": _("Authenticator app"),
    "lookup_secret": _("Backup code"),
    "webauthn": _("Security key"),
    "passkey": _("Passkey"),
    "code": _("One-time code by email"),
    "oidc": _("Social sign-in"),
    "link_recovery": _("Recovery link"),
    "code_recovery": _("Recovery code"),
}

EndResult = Literal["ended", "gone", "current"]


@dataclass(frozen=True)
class SignInStep:
    """One way the person proved who they are in a session, and when."""

    method: str
    label: str
    aal: str
    completed_at: datetime | None


@dataclass(frozen=True)
class Device:
    """Where Kratos saw a session used."""

    ip_address: str
    browser: str
    user_agent: str
    location: str


@dataclass(frozen=True)
class DeviceSession:
    id: str
    aal: str
    authenticated_at: datetime | None
    expires_at: datetime | None
    steps: tuple[SignInStep, ...]
    devices: tuple[Device, ...]

    @property
    def device(self) -> Device | None:
        """The device Kratos saw last (it appends each new one)."""
        return self.devices[-1] if self.devices else None


@dataclass(frozen=True)
class SessionsOverview:
    identity_id: str
    current: DeviceSession
    others: tuple[DeviceSession, ...]


@dataclass(frozen=True)
class Grant:
    """What one application may do for the person (all its consents together)."""

    client_id: str
    client_name: str
    logo_uri: str | None
    scopes: tuple[str, ...]
    granted_at: datetime | None


# --- Kratos sessions ----------------------------------------------------------------


def _text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chromium/", "Chromium"),
             ("Chrome/", "Chrome"), ("Safari/", "Safari"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def browser_name(user_agent: str) -> str:
    """"Firefox on Linux" from a User-Agent header; the header's first word
    (e.g. "python-requests/2.32") when it names no browser we know."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    if browser and system:
        return str(_("%(browser)s on %(system)s") % {"browser": browser, "system": system})
    return browser or system or (re.split(r"[\s(]", user_agent.strip(), maxsplit=1)[0] if user_agent.strip() else "")


def ip_address_only(address: str) -> str:
    """The IP address without the port Kratos (v1.3) may record with it:
    "127.0.0.1:34906" -> "127.0.0.1", "[::1]:443" -> "::1"."""
    if address.startswith("[") and "]" in address:
        return address[1:address.index("]")]
    return address.split(":")[0] if address.count(":") == 1 else address


def _device_session(session: Session) -> DeviceSession:
    steps = tuple(
        SignInStep(
            method=_text(step.method),
            label=str(METHOD_LABELS.get(_text(step.method), _text(step.method))),
            aal=_text(step.aal),
            completed_at=step.completed_at,
        )
        for step in session.authentication_methods or []
    )
    devices = tuple(
        Device(
            ip_address=ip_address_only(device.ip_address or ""),
            browser=browser_name(device.user_agent or ""),
            user_agent=device.user_agent or "",
            location=device.location or "",
        )
        for device in session.devices or []
    )
    return DeviceSession(
        id=str(session.id),
        aal=_text(session.authenticator_assurance_level),
        authenticated_at=session.authenticated_at,
        expires_at=session.expires_at,
        steps=steps,
        devices=devices,
    )


def _other_sessions(request: HttpRequest) -> list[Session] | None:
    """The person's other active sessions (Kratos leaves out the current
    one), or None when the cookie no longer has a session."""
    try:
        return ory.kratos_frontend().list_my_sessions(page_size=PAGE_SIZE, cookie=ory_cookie_header(request)) or []
    except OryRejected as exc:
        if exc.status in (401, 403):
            return None
        raise


def sessions_overview(request: HttpRequest) -> SessionsOverview | None:
    """This browser's session and the person's other ones; None when this
    browser is not signed in."""
    current = kratos_session(request)
    if current is None or not current.active or current.identity is None:
        return None
    others = _other_sessions(request)
    if others is None:
        return None
    return SessionsOverview(
        identity_id=str(current.identity.id),
        current=_device_session(current),
        others=tuple(_device_session(session) for session in others if session.active and session.id != current.id),
    )


def _forget_cached_sessions_of_this_person(request: HttpRequest) -> None:
    """The other device's cookie never reaches us: make every cached answer
    about this person stale, in every process; each of their devices is then
    checked with Kratos again on its next request (this one included)."""
    user_id = caller_of(request).user_id
    if user_id is not None:
        forget_user_everywhere(user_id)


def end_other_session(request: HttpRequest, session_id: str) -> EndResult | None:
    """Sign out one of the person's other devices. "gone" when Kratos has no
    such active session of theirs (already ended, expired, someone else's, or
    not an id at all), "current" for this browser's own session (that is
    signing out, not this); None when this browser is not signed in."""
    if not has_session_cookie(request):
        return None
    current = kratos_session(request)
    if current is None:
        return None
    if session_id == str(current.id):
        return "current"
    others = _other_sessions(request)
    if others is None:
        return None
    # Kratos answers 204 for a session that is not there: ask first to tell the person.
    if not any(str(session.id) == session_id and session.active for session in others):
        return "gone"
    ory.kratos_frontend().disable_my_session(session_id, cookie=ory_cookie_header(request))
    _forget_cached_sessions_of_this_person(request)
    return "ended"


def end_all_other_sessions(request: HttpRequest) -> int | None:
    """Sign out every device but this one; how many active sessions ended,
    or None when this browser is not signed in."""
    if not has_session_cookie(request):
        return None
    others = _other_sessions(request)
    if others is None:
        return None
    active = sum(1 for session in others if session.active)
    if not active:
        return 0
    # Kratos's own count includes sessions that had already ended: we say
    # how many of those the person saw as active.
    ory.kratos_frontend().disable_my_other_sessions(cookie=ory_cookie_header(request))
    _forget_cached_sessions_of_this_person(request)
    return active


# --- Hydra grants ---------------------------------------------------------------------


def grants_are_shown() -> bool:
    """Only a site that is the OAuth2 provider has Hydra's admin API to ask."""
    return apps.is_installed("oryauth.provider")


def _consents(subject: str) -> list[OAuth2ConsentSession]:
    return ory.hydra_admin().list_o_auth2_consent_sessions(subject, page_size=PAGE_SIZE) or []


def grants_of(subject: str) -> tuple[Grant, ...]:
    """The applications `subject` has let in, one per client (Hydra keeps a
    consent per authorization), the most recent first."""
    from ..provider.challenges import client_display_name

    by_client: dict[str, Grant] = {}
    for consent in _consents(subject):
        client = consent.consent_request.client if consent.consent_request else None
        if client is None or not client.client_id:
            continue
        earlier = by_client.get(client.client_id)
        scopes = tuple(dict.fromkeys((*(earlier.scopes if earlier else ()), *(consent.grant_scope or []))))
        granted_at = max((t for t in (consent.handled_at, earlier.granted_at if earlier else None) if t), default=None)
        by_client[client.client_id] = Grant(
            client_id=client.client_id,
            client_name=client_display_name(client),
            logo_uri=safe_http_url(client.logo_uri),
            scopes=scopes,
            granted_at=granted_at,
        )
    return tuple(sorted(by_client.values(), key=lambda g: g.granted_at.timestamp() if g.granted_at else 0, reverse=True))


def revoke_grant(request: HttpRequest, subject: str, client_id: str) -> Grant | None:
    """Withdraw `client_id`'s access for `subject`: Hydra (v2.3) deletes the
    consents and the access and refresh tokens issued under them. Returns the
    grant that was revoked, None when there was none (Hydra answers the same
    either way, so we look first)."""
    grant = next((g for g in grants_of(subject) if g.client_id == client_id), None) if client_id else None
    if grant is None:
        return None
    ory.hydra_admin().revoke_o_auth2_consent_sessions(subject=subject, client=client_id)
    # Access tokens this site introspected and cached are the person's too.
    _forget_cached_sessions_of_this_person(request)
    return grant
