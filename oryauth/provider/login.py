"""Hydra's login challenge (`/login?login_challenge=...`).

The self-service login page calls `handle_login_challenge` when it is opened
with `?login_challenge=` and no `?flow=`. Three outcomes:

1. Hydra says `skip` (it remembers this browser's login) -> accept at once.
2. The browser has a Kratos session that satisfies the request -> accept
   server-side with the session's identity and send the browser on to Hydra.
   (A Kratos login flow would force a password prompt here.)
3. Otherwise -> a Kratos login flow carrying the challenge (with `refresh`
   when the client demands a fresh sign-in, `aal=aal2` for a second factor);
   Kratos accepts the challenge itself once the person has signed in.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ory_client.models.accept_o_auth2_login_request import AcceptOAuth2LoginRequest
from ory_client.models.o_auth2_login_request import OAuth2LoginRequest
from ory_client.models.session import Session

from .. import ory
from ..conf import oryauth_settings
from ..kratos_urls import create_flow_url
from ..parameters import parse_max_age
from ..sessions import kratos_session
from .binding import claim_login_challenge, note_accepted_login
from .challenges import ChallengeProblem, ask_hydra, challenge_problem_page, read_challenge, remember_client

CHALLENGE = "login_challenge"

# Kratos authentication methods as OpenID Connect `amr` values (RFC 8176);
# a method without an RFC name is reported under its Kratos name.
AMR_FOR_METHOD = {
    "password": "pwd",
    "code": "otp",
    "totp": "otp",
    "lookup_secret": "otp",
    "webauthn": "hwk",
    "passkey": "hwk",
    "oidc": "fed",
}


@dataclass(frozen=True)
class LoginDecision:
    """What to do with a login request given the browser's Kratos session."""

    accept: bool
    # Ask Kratos for a fresh sign-in although a session exists.
    refresh: bool = False
    # Ask Kratos for this assurance level (a second factor).
    aal: str | None = None
    # Why; for logs and tests.
    reason: str = ""


def _query(login_request: OAuth2LoginRequest) -> dict[str, str]:
    """The authorization request's parameters (Hydra models only some of them)."""
    parsed = parse_qs(urlsplit(login_request.request_url or "").query)
    return {key: values[0] for key, values in parsed.items() if values}


def _aal_value(level: Any) -> str:
    return str(getattr(level, "value", level) or "")


def decide_login(login_request: OAuth2LoginRequest, session: Session | None, now: dt.datetime | None = None) -> LoginDecision:
    """Whether `session` satisfies `login_request` (OIDC `prompt`, `max_age`,
    `acr_values`), and if not, what kind of sign-in to ask Kratos for."""
    if session is None or session.active is False or session.identity is None:
        return LoginDecision(accept=False, reason="no Kratos session")
    query = _query(login_request)
    prompts = set(query.get("prompt", "").split())
    if "login" in prompts:
        return LoginDecision(accept=False, refresh=True, reason="prompt=login")
    max_age = parse_max_age(query.get("max_age"))
    if max_age is not None:
        now = now or dt.datetime.now(dt.timezone.utc)
        authenticated_at = session.authenticated_at or session.issued_at
        if authenticated_at is None or (now - authenticated_at).total_seconds() > max_age:
            return LoginDecision(accept=False, refresh=True, reason="max_age exceeded")
    context = login_request.oidc_context
    requested_acr = set(context.acr_values or []) if context else set()
    requested_acr |= set(query.get("acr_values", "").split())
    if "aal2" in requested_acr and _aal_value(session.authenticator_assurance_level) != "aal2":
        return LoginDecision(accept=False, aal="aal2", reason="aal2 requested")
    return LoginDecision(accept=True, reason="Kratos session satisfies the request")


def amr_of_session(session: Session) -> list[str]:
    """The session's authentication methods as `amr` values, in order, once each."""
    values: list[str] = []
    for method in session.authentication_methods or []:
        name = str(method.method or "")
        value = AMR_FOR_METHOD.get(name, name)
        if value and value not in values:
            values.append(value)
    if _aal_value(session.authenticator_assurance_level) == "aal2" and "mfa" not in values:
        values.append("mfa")
    return values


def accept_login_with_session(challenge: str, session: Session) -> str:
    """Accept the login as the Kratos session's identity; Hydra's `redirect_to`.

    `identity_provider_session_id` lets Hydra end this Kratos session when the
    person signs out through Hydra (its `urls.identity_provider`)."""
    conf = oryauth_settings()
    assert session.identity is not None
    accepted = ask_hydra(
        CHALLENGE,
        ory.hydra_admin().accept_o_auth2_login_request,
        challenge,
        AcceptOAuth2LoginRequest(
            subject=str(session.identity.id),
            identity_provider_session_id=str(session.id),
            amr=amr_of_session(session),
            acr=_aal_value(session.authenticator_assurance_level) or None,
            remember=conf.PROVIDER_REMEMBER_LOGIN,
            remember_for=conf.PROVIDER_LOGIN_REMEMBER_FOR,
        ),
    )
    return accepted.redirect_to


def accept_remembered_login(login_request: OAuth2LoginRequest) -> str:
    """Hydra remembers this browser's login (`skip`): accept with its subject."""
    accepted = ask_hydra(
        CHALLENGE,
        ory.hydra_admin().accept_o_auth2_login_request,
        login_request.challenge,
        AcceptOAuth2LoginRequest(subject=login_request.subject),
    )
    return accepted.redirect_to


def kratos_login_url(challenge: str, decision: LoginDecision) -> str:
    """Kratos's browser login flow for this challenge."""
    return create_flow_url(
        "login",
        login_challenge=challenge,
        refresh="true" if decision.refresh else None,
        aal=decision.aal,
    )


def answer_login_challenge(request: HttpRequest, challenge: str) -> str:
    """Where the browser goes next for this login challenge (see module doc)."""
    login_request = ask_hydra(CHALLENGE, ory.hydra_admin().get_o_auth2_login_request, challenge)
    # Before anything is accepted: a leaked challenge opened elsewhere is refused.
    claim_login_challenge(request, CHALLENGE, challenge)
    remember_client(request, challenge, login_request.client)
    if login_request.skip:
        destination = accept_remembered_login(login_request)
        note_accepted_login(request, login_request.session_id, str(login_request.subject or ""))
        return destination
    session = kratos_session(request)
    decision = decide_login(login_request, session)
    if decision.accept and session is not None and session.identity is not None:
        destination = accept_login_with_session(challenge, session)
        note_accepted_login(request, login_request.session_id, str(session.identity.id))
        return destination
    return kratos_login_url(challenge, decision)


def handle_login_challenge(request: HttpRequest) -> HttpResponse:
    """Answer Hydra's login challenge for this browser (303 to the next step).

    A missing or malformed challenge gets a 400 page, an expired one a page
    offering to start again at the client; Hydra being down a 503 page (the
    error middleware turns `OryUnavailable` into it)."""
    try:
        challenge = read_challenge(request, CHALLENGE)
        return HttpResponseRedirect(answer_login_challenge(request, challenge), status=303)
    except ChallengeProblem as problem:
        return challenge_problem_page(request, problem)
