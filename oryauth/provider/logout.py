"""Hydra's logout challenge (`/logout?logout_challenge=...`).

Hydra sends the browser here when someone signs out through Hydra
(`/oauth2/sessions/logout`, often started by a client with an
`id_token_hint`). Accepting ends Hydra's login session; Hydra then also ends
the Kratos session itself (its `urls.identity_provider` points at Kratos
admin, and every login accept carried the Kratos session id), so the person
is signed out of the portal too.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from ory_client.models.o_auth2_logout_request import OAuth2LogoutRequest

from .. import ory
from ..conf import oryauth_settings
from .challenges import ask_hydra, client_start_url
from .login_sessions import end_login_sessions

CHALLENGE = "logout_challenge"


def get_logout_request(challenge: str) -> OAuth2LogoutRequest:
    return ask_hydra(CHALLENGE, ory.hydra_admin().get_o_auth2_logout_request, challenge)


def started_with_id_token_hint(logout_request: OAuth2LogoutRequest) -> bool:
    """A client started this logout with an `id_token_hint` (Hydra refuses a
    hint it cannot verify before it ever sends the browser here)."""
    query = parse_qs(urlsplit(logout_request.request_url or "").query)
    return bool(logout_request.rp_initiated and query.get("id_token_hint"))


def logout_can_be_skipped(logout_request: OAuth2LogoutRequest) -> bool:
    """The client has `skip_logout_consent`, or (per settings) it proved with
    an `id_token_hint` whom it signs out."""
    client = logout_request.client
    if client is not None and client.skip_logout_consent:
        return True
    return oryauth_settings().PROVIDER_ACCEPT_LOGOUT_WITH_ID_TOKEN_HINT and started_with_id_token_hint(logout_request)


def accept_logout(challenge: str) -> str:
    """Sign out; Hydra's `redirect_to` (Hydra ends its and Kratos's sessions
    when the browser gets there, then goes to the post-logout URL)."""
    return ask_hydra(CHALLENGE, ory.hydra_admin().accept_o_auth2_logout_request, challenge).redirect_to


def reject_logout(logout_request: OAuth2LogoutRequest) -> str:
    """Stay signed in; where to send the browser: the client's own page when
    it has one, else this site's home page."""
    ask_hydra(CHALLENGE, ory.hydra_admin().reject_o_auth2_logout_request, logout_request.challenge)
    return client_start_url(logout_request.client) or "/"


def forget_remembered_logins(subject: str) -> None:
    """End every login Hydra remembers for `subject`, so the next
    authorization asks Kratos again, and every client that registered a
    back-channel logout URI hears of it. Call it when the person signs out of
    the portal directly (Kratos's logout does not tell Hydra) or staff end
    their sessions."""
    end_login_sessions(subject)
