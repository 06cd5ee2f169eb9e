"""What the login, consent and logout pages share: reading a challenge from
the query string, turning Hydra's answers about a bad challenge into typed
problems, and the page each problem gets.

Hydra v2.3 answers, for a challenge that is
- used (logout only; login and consent challenges are stateless): 410 with
  `{"redirect_to": ...}` -> we send the browser there;
- expired: 401 `request_unauthorized`; unknown or tampered: 404 -> a page
  offering to start again at the client, when this browser saw the client.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from ory_client.models.o_auth2_client import OAuth2Client

from ..conf import oryauth_settings
from ..errors import OryRejected
from ..responses import problem_page
from ..redirects import safe_http_url

# Hydra's login/consent challenges are base64url (about 1,200 characters),
# logout challenges are UUIDs. Anything else never reaches Hydra. A login or
# consent challenge carries the whole authorization request (its URL, the
# client's metadata), so a long `state` or request object makes it grow past
# 8 KB: the bound is only there to refuse absurd input.
CHALLENGE_PATTERN = re.compile(r"^[A-Za-z0-9_.~=-]{8,65536}$")
# Strings hand-written UIs send when a variable was empty.
PLACEHOLDERS = {"undefined", "null", "none", "nil"}

T = TypeVar("T")


class ChallengeProblem(Exception):
    """A challenge this page cannot work with."""


class MalformedChallenge(ChallengeProblem):
    def __init__(self, name: str, missing: bool) -> None:
        self.name = name
        self.missing = missing
        super().__init__(f"{name} is {'missing' if missing else 'malformed'}")


class ChallengeAlreadyUsed(ChallengeProblem):
    """Hydra already handled this challenge and says where the browser goes next."""

    def __init__(self, redirect_to: str) -> None:
        self.redirect_to = redirect_to
        super().__init__("challenge already used")


class ChallengeExpired(ChallengeProblem):
    """Hydra no longer knows this challenge (expired, unknown or tampered)."""

    def __init__(self, name: str, status: int) -> None:
        self.name = name
        self.status = status
        super().__init__(f"{name} expired or unknown (Hydra answered {status})")


class ChallengeNotYours(ChallengeProblem):
    """This browser is not the person the challenge was issued for (see binding.py)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"{name} belongs to another browser or person")


def read_challenge(request: HttpRequest, name: str) -> str:
    """The challenge in the query string, or `MalformedChallenge`.

    Forms post back to the same URL, so the query string carries the
    challenge for GET and POST alike (and a retry link keeps it)."""
    value = request.GET.get(name, "").strip()
    if not value:
        raise MalformedChallenge(name, missing=True)
    if value.lower() in PLACEHOLDERS or not CHALLENGE_PATTERN.match(value):
        raise MalformedChallenge(name, missing=False)
    return value


def ask_hydra(name: str, call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run one Hydra admin call about the challenge `name`, turning Hydra's
    answers about a bad challenge into `ChallengeProblem`s. Unavailability
    (`OryUnavailable`) passes through to the 503 page."""
    try:
        return call(*args, **kwargs)
    except OryRejected as exc:
        body = exc.body if isinstance(exc.body, dict) else {}
        if exc.status == 410 and body.get("redirect_to"):
            # Hydra may answer a path relative to its public URL.
            base = oryauth_settings().HYDRA_PUBLIC_URL.rstrip("/") + "/"
            raise ChallengeAlreadyUsed(urljoin(base, str(body["redirect_to"]))) from None
        if exc.status in (400, 401, 403, 404, 410):
            raise ChallengeExpired(name, exc.status) from None
        raise


# --- "Start again at the client" ------------------------------------------------
# An expired challenge no longer tells which client it belonged to, so each
# page remembers, in this browser's Django session, where the client of each
# challenge it showed lives.

SESSION_KEY = "oryauth_provider_clients"
REMEMBERED_CHALLENGES = 20


def _challenge_key(challenge: str) -> str:
    return hashlib.sha256(challenge.encode()).hexdigest()[:24]


def client_display_name(client: OAuth2Client | None) -> str:
    if client is None:
        return ""
    return client.client_name or client.client_id or ""


def client_start_url(client: OAuth2Client | None) -> str | None:
    """Where a person starts over with this client: its `client_uri`, else
    the origin of its first redirect URI."""
    if client is None:
        return None
    if safe_http_url(client.client_uri):
        return client.client_uri
    for uri in client.redirect_uris or []:
        if safe_http_url(uri):
            parts = urlsplit(uri)
            return f"{parts.scheme}://{parts.netloc}/"
    return None


def remember_client(request: HttpRequest, challenge: str, client: OAuth2Client | None) -> None:
    """Note where this challenge's client lives, for the expired page."""
    url = client_start_url(client)
    if url is None:
        return
    remembered: dict[str, dict[str, str]] = dict(request.session.get(SESSION_KEY, {}))
    remembered.pop(_challenge_key(challenge), None)
    remembered[_challenge_key(challenge)] = {"name": client_display_name(client), "url": url}
    request.session[SESSION_KEY] = dict(list(remembered.items())[-REMEMBERED_CHALLENGES:])


def remembered_client(request: HttpRequest, challenge: str) -> dict[str, str] | None:
    return request.session.get(SESSION_KEY, {}).get(_challenge_key(challenge))


# --- Pages ----------------------------------------------------------------------


def challenge_problem_page(request: HttpRequest, problem: ChallengeProblem) -> HttpResponse:
    """The answer to a `ChallengeProblem`: follow Hydra, or explain."""
    if isinstance(problem, ChallengeAlreadyUsed):
        return HttpResponseRedirect(problem.redirect_to, status=303)
    if isinstance(problem, MalformedChallenge):
        message = (
            _("This page needs the link the application sent you here with, and it is missing.")
            if problem.missing
            else _("The link that brought you here is damaged, so we cannot continue.")
        )
        return problem_page(
            request,
            status=400,
            title=_("This link is incomplete"),
            message=message + " " + _("Please go back to the application and sign in from there again."),
            detail=_("Parameter %(name)s is missing or malformed.") % {"name": problem.name},
        )
    if isinstance(problem, ChallengeNotYours):
        # Nothing was accepted at Hydra; no retry link: retrying cannot help.
        return problem_page(
            request,
            status=403,
            title=_("This link is meant for someone else"),
            message=_(
                "This sign-in step was started by another person or in another browser, so it cannot be "
                "completed here and nothing was shared. To sign in, go back to the application and start "
                "again in this browser."
            ),
        )
    assert isinstance(problem, ChallengeExpired)
    challenge = request.GET.get(problem.name, "")
    client = remembered_client(request, challenge) if challenge else None
    context = {"client": client}
    return render(request, "oryauth/provider/challenge_expired.html", context, status=410)
