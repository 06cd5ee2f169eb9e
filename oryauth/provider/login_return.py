"""The login challenge's round trip through Kratos.

Kratos does not hold the challenge: the portal sends the person to a Kratos
flow whose `return_to` is this site's `/login?login_challenge=...` (login.py
accepts there). The portal's pages for that flow read the challenge back from
`return_to` to name the client (and show its logo), pre-fill the OIDC
`login_hint` and follow `ui_locales` (ui_locales.py); a registration or recovery started from
them keeps the same `return_to`, so it ends at the client too.
"""
from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlencode, urlsplit

from django.http import HttpRequest
from django.urls import reverse
from ory_client.models.o_auth2_login_request import OAuth2LoginRequest

from .. import ory
from ..errors import OryUnavailable
from ..redirects import split_url
from .challenges import CHALLENGE_PATTERN, PLACEHOLDERS, ChallengeProblem, ask_hydra

logger = logging.getLogger(__name__)

CHALLENGE = "login_challenge"


def _is_challenge(value: str) -> bool:
    return bool(CHALLENGE_PATTERN.match(value)) and value.lower() not in PLACEHOLDERS


def challenge_return_url(request: HttpRequest, challenge: str) -> str:
    """This site's absolute `/login?login_challenge=...` (Kratos needs absolute URLs)."""
    return request.build_absolute_uri(reverse("oryauth_portal:login") + "?" + urlencode({CHALLENGE: challenge}))


def challenge_in_return_to(request: HttpRequest, return_to: str | None) -> str:
    """The login challenge `return_to` carries when it is exactly this site's
    own `/login?login_challenge=...`; "" for anything else.

    Not `redirects.safe_next_url`: Django refuses URLs over 2,048 characters
    there, and a challenge carrying a long authorization request is longer.
    This check is stricter instead: same scheme, host and path as ours."""
    parts = split_url(return_to or "")
    own = urlsplit(request.build_absolute_uri("/"))
    if parts is None or (parts.scheme, parts.netloc) != (own.scheme, own.netloc):
        return ""
    if parts.path != reverse("oryauth_portal:login") or parts.fragment:
        return ""
    values = parse_qs(parts.query).get(CHALLENGE, [])
    return values[0] if len(values) == 1 and _is_challenge(values[0]) else ""


def challenge_return_for_new_flow(request: HttpRequest, params: dict[str, str | None]) -> str:
    """The `return_to` a new Kratos flow gets when it serves a login challenge:
    given as `login_challenge` (Hydra's registration URL, the login page's
    links) or as a `return_to` back to one (a restarted expired flow). ""
    when the flow serves none; a malformed challenge is dropped."""
    challenge = (params.get(CHALLENGE) or "").strip()
    if challenge and _is_challenge(challenge):
        return challenge_return_url(request, challenge)
    challenge = challenge_in_return_to(request, params.get("return_to"))
    return challenge_return_url(request, challenge) if challenge else ""


def login_request_returned_to(request: HttpRequest, return_to: str | None) -> OAuth2LoginRequest | None:
    """Hydra's login request whose challenge `return_to` carries, or None (no
    challenge, expired, or Hydra unreachable: the page is shown without it)."""
    challenge = challenge_in_return_to(request, return_to)
    if not challenge:
        return None
    try:
        return ask_hydra(CHALLENGE, ory.hydra_admin().get_o_auth2_login_request, challenge)
    except (ChallengeProblem, OryUnavailable) as exc:
        logger.info("The login challenge of a sign-in page could not be read: %s", exc)
        return None
