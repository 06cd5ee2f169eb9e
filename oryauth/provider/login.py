"""Hydra's login challenge (`/login?login_challenge=...`): the one place a
login is accepted, so `amr` and `acr` come from one mapping (assurance.py).

The self-service login page calls `handle_login_challenge` when it is opened
with `?login_challenge=` and no `?flow=`. Outcomes:

1. Hydra says `skip` (it remembers this browser's login) -> accept with the
   remembered subject, unless the client now asks for more (a second factor).
2. The browser has a Kratos session that satisfies the request (OIDC
   `prompt`, `max_age`, `acr_values`) -> accept server-side with the session's
   identity and send the browser on to Hydra.
3. `prompt=none` and the session does not satisfy it -> `login_required` to
   the client: OpenID Connect forbids showing a page.
4. Otherwise -> a Kratos login flow (`refresh` for a fresh sign-in, `aal=aal2`
   for a second factor) whose `return_to` is this same URL. Kratos never sees
   the challenge: once the person has signed in, the browser comes back here
   and case 2 accepts. So the challenge survives an expired Kratos flow (the
   new flow keeps `return_to`) and switching to registration or recovery.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from ory_client.models.accept_o_auth2_login_request import AcceptOAuth2LoginRequest
from ory_client.models.o_auth2_login_request import OAuth2LoginRequest
from ory_client.models.reject_o_auth2_request import RejectOAuth2Request
from ory_client.models.session import Session

from .. import ory
from ..conf import oryauth_settings
from ..errors import OryRejected
from ..kratos_urls import create_flow_url
from ..parameters import parse_max_age
from ..sessions import has_session_cookie, ory_cookie_header
from .assurance import AAL2, acr_of_session, amr_of_session, has_second_factor, requests_aal2
from .binding import claim_login_challenge, note_accepted_login
from .challenges import ChallengeProblem, ask_hydra, challenge_problem_page, read_challenge, remember_client
from .login_return import challenge_return_url
from .login_sessions import LoginAssurance, note_login_assurance, remembered_login_assurance

CHALLENGE = "login_challenge"

# In the browser's Django session: for each challenge we sent to Kratos, when
# the Kratos session had last authenticated before ("" = no session). A later
# authentication is the fresh sign-in `prompt=login` / `max_age` asked for.
SENT_TO_SIGN_IN_KEY = "oryauth_provider_sent_to_sign_in"
REMEMBERED_SIGN_INS = 20


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


def requested_prompts(login_request: OAuth2LoginRequest) -> set[str]:
    return set(_query(login_request).get("prompt", "").split())


def requested_acr_values(login_request: OAuth2LoginRequest) -> set[str]:
    context = login_request.oidc_context
    values = set(context.acr_values or []) if context else set()
    return values | set(_query(login_request).get("acr_values", "").split())


def decide_login(
    login_request: OAuth2LoginRequest,
    session: Session | None,
    now: dt.datetime | None = None,
    *,
    signed_in_for_this_request: bool = False,
    second_factor: Any = has_second_factor,
) -> LoginDecision:
    """Whether `session` satisfies `login_request` (OIDC `prompt`, `max_age`,
    `acr_values`), and if not, what kind of sign-in to ask Kratos for.

    `signed_in_for_this_request`: the person authenticated after we sent them
    to Kratos for this very request, which is what `prompt=login` and
    `max_age` ask for (without it, `max_age=0` would loop)."""
    if session is None or session.active is False or session.identity is None:
        return LoginDecision(accept=False, reason="no Kratos session")
    if not signed_in_for_this_request:
        query = _query(login_request)
        if "login" in requested_prompts(login_request):
            return LoginDecision(accept=False, refresh=True, reason="prompt=login")
        max_age = parse_max_age(query.get("max_age"))
        if max_age is not None:
            now = now or dt.datetime.now(dt.timezone.utc)
            authenticated_at = session.authenticated_at or session.issued_at
            if authenticated_at is None or (now - authenticated_at).total_seconds() > max_age:
                return LoginDecision(accept=False, refresh=True, reason="max_age exceeded")
    # `acr_values` is a wish (OIDC Core 3.1.2.1): without a second factor the
    # person signs in with what they have and `acr` says `aal1`.
    wants_aal2 = requests_aal2(requested_acr_values(login_request)) and acr_of_session(session) != AAL2
    if wants_aal2 and second_factor(str(session.identity.id)):
        return LoginDecision(accept=False, aal=AAL2, reason="aal2 requested")
    return LoginDecision(accept=True, reason="Kratos session satisfies the request")


# --- "sent to sign in" marks ----------------------------------------------------------


def _challenge_key(challenge: str) -> str:
    return hashlib.sha256(challenge.encode()).hexdigest()[:24]


def _authenticated_at(session: Session | None) -> str:
    if session is None or session.identity is None or session.authenticated_at is None:
        return ""
    return session.authenticated_at.isoformat()


def note_sent_to_sign_in(request: HttpRequest, challenge: str, session: Session | None) -> None:
    sent: dict[str, str] = dict(request.session.get(SENT_TO_SIGN_IN_KEY, {}))
    key = _challenge_key(challenge)
    # A second trip (e.g. the step-up after the first factor) keeps the first mark.
    if key not in sent:
        sent[key] = _authenticated_at(session)
    request.session[SENT_TO_SIGN_IN_KEY] = dict(list(sent.items())[-REMEMBERED_SIGN_INS:])


def signed_in_since_sent(request: HttpRequest, challenge: str, session: Session | None) -> bool:
    """The Kratos session authenticated after we sent this browser to sign in
    for `challenge`."""
    sent = request.session.get(SENT_TO_SIGN_IN_KEY, {})
    key = _challenge_key(challenge)
    if not isinstance(sent, dict) or key not in sent:
        return False
    now = _authenticated_at(session)
    return bool(now) and now != sent[key]


# --- accepting and refusing ---------------------------------------------------------------


def _accept(login_request: OAuth2LoginRequest, subject: str, assurance: LoginAssurance | None,
            session: Session | None = None) -> str:
    """Accept the login as `subject`; Hydra's `redirect_to`.

    `identity_provider_session_id` lets Hydra end this Kratos session when the
    person signs out through Hydra (its `urls.identity_provider`)."""
    conf = oryauth_settings()
    body = AcceptOAuth2LoginRequest(
        subject=subject,
        identity_provider_session_id=str(session.id) if session is not None else None,
        amr=list(assurance.amr) if assurance and assurance.amr else None,
        acr=assurance.acr if assurance else None,
        remember=conf.PROVIDER_REMEMBER_LOGIN,
        remember_for=conf.PROVIDER_LOGIN_REMEMBER_FOR,
    )
    accepted = ask_hydra(CHALLENGE, ory.hydra_admin().accept_o_auth2_login_request, login_request.challenge, body)
    if assurance is not None:
        note_login_assurance(login_request.session_id, assurance)
    return accepted.redirect_to


def accept_login_with_session(login_request: OAuth2LoginRequest, session: Session) -> str:
    """Accept the login as the Kratos session's identity, with its `amr` and `acr`."""
    assert session.identity is not None
    assurance = LoginAssurance(tuple(amr_of_session(session)), acr_of_session(session))
    return _accept(login_request, str(session.identity.id), assurance, session)


def accept_remembered_login(login_request: OAuth2LoginRequest) -> str:
    """Hydra remembers this browser's login (`skip`): accept with its subject
    and the `amr`/`acr` of the sign-in it remembers."""
    return _accept(login_request, str(login_request.subject), remembered_login_assurance(login_request.session_id))


def refuse_login_required(login_request: OAuth2LoginRequest) -> str:
    """`prompt=none` and the person would have to sign in: tell the client."""
    rejected = ask_hydra(
        CHALLENGE,
        ory.hydra_admin().reject_o_auth2_login_request,
        login_request.challenge,
        RejectOAuth2Request(
            error="login_required",
            error_description="The request asked for no interaction (prompt=none), but the person must sign in.",
        ),
    )
    return rejected.redirect_to


def kratos_login_url(request: HttpRequest, challenge: str, decision: LoginDecision) -> str:
    """Kratos's browser login flow, coming back to this challenge afterwards."""
    return create_flow_url(
        "login",
        return_to=challenge_return_url(request, challenge),
        refresh="true" if decision.refresh else None,
        aal=decision.aal,
    )


@dataclass(frozen=True)
class BrowserSession:
    """The browser's Kratos session, or why there is none to use."""

    session: Session | None
    # Kratos holds the session back until the person confirms their second
    # factor (its `session.whoami.required_aal: highest_available`).
    second_factor_pending: bool = False


def browser_session(request: HttpRequest) -> BrowserSession:
    if not has_session_cookie(request):
        return BrowserSession(None)  # no cookie: no need to ask Kratos
    try:
        return BrowserSession(ory.kratos_frontend().to_session(cookie=ory_cookie_header(request)))
    except OryRejected as exc:
        if exc.status == 403 and exc.error_id == "session_aal2_required":
            return BrowserSession(None, second_factor_pending=True)
        if exc.status in (401, 403):
            return BrowserSession(None)
        raise


def _session_of(session: Session | None, subject: str | None) -> Session | None:
    """`session` when it is an active session of `subject`."""
    if session is None or session.active is False or session.identity is None:
        return None
    return session if str(session.identity.id) == subject else None


def answer_login_challenge(request: HttpRequest, challenge: str) -> str:
    """Where the browser goes next for this login challenge (see module doc)."""
    login_request = ask_hydra(CHALLENGE, ory.hydra_admin().get_o_auth2_login_request, challenge)
    # Before anything is accepted: a leaked challenge opened elsewhere is refused.
    claim_login_challenge(request, CHALLENGE, challenge)
    remember_client(request, challenge, login_request.client)
    found = browser_session(request)
    session = found.session
    if login_request.skip:
        own_session = _session_of(session, login_request.subject)
        if own_session is None:
            remembered = remembered_login_assurance(login_request.session_id)
            if not requests_aal2(requested_acr_values(login_request)) or (remembered and remembered.acr == AAL2):
                destination = accept_remembered_login(login_request)
                note_accepted_login(request, login_request.session_id, str(login_request.subject or ""))
                return destination
        # Hydra checked prompt and max_age against its remembered login.
        decision = decide_login(login_request, own_session, signed_in_for_this_request=True)
    else:
        decision = decide_login(login_request, session,
                                signed_in_for_this_request=signed_in_since_sent(request, challenge, session))
    if found.second_factor_pending:
        decision = LoginDecision(accept=False, aal=AAL2, reason="Kratos asks for the second factor first")
    if decision.accept and session is not None and session.identity is not None:
        destination = accept_login_with_session(login_request, session)
        note_accepted_login(request, login_request.session_id, str(session.identity.id))
        return destination
    if "none" in requested_prompts(login_request):
        return refuse_login_required(login_request)
    note_sent_to_sign_in(request, challenge, session)
    return kratos_login_url(request, challenge, decision)


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
