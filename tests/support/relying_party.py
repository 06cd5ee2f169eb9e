"""Driving a relying-party sign-in through the real Hydra without the portal
pages: the test plays the portal by answering Hydra's login, consent and
logout challenges through Hydra's admin API, while a `requests.Session`
follows Hydra's redirects as a browser would."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from django.test import Client
from ory_client.models import (
    AcceptOAuth2ConsentRequest,
    AcceptOAuth2ConsentRequestSession,
    AcceptOAuth2LoginRequest,
    OAuth2Client,
    RejectOAuth2Request,
)

from oryauth import hydra_clients, ory

PORTAL = "http://127.0.0.1:8000"
REDIRECT_URI = "http://127.0.0.1:8000/auth/callback"
POST_LOGOUT_URI = "http://127.0.0.1:8000/auth/logged-out"


@dataclass
class AdminApiPortal:
    """Answers Hydra's challenges the way the portal would for `subject`."""

    subject: str = field(default_factory=lambda: str(uuid.uuid4()))
    email: str = "ada@example.org"
    given_name: str = "Ada"
    family_name: str = "Lovelace"
    remember: bool = False
    identity_provider_session_id: str | None = None
    deny_consent: bool = False
    # What Hydra asked, for tests to inspect.
    login_requests: list[Any] = field(default_factory=list)

    def id_token_claims(self) -> dict[str, Any]:
        return {"email": self.email, "email_verified": True, "given_name": self.given_name, "family_name": self.family_name}

    def answer(self, location: str) -> str | None:
        """The next URL when `location` is one of the portal's challenge pages."""
        query = parse_qs(urlsplit(location).query)
        admin = ory.hydra_admin()
        if location.startswith(f"{PORTAL}/login?") and "login_challenge" in query:
            challenge = query["login_challenge"][0]
            request = admin.get_o_auth2_login_request(challenge)
            self.login_requests.append(request)
            accepted = admin.accept_o_auth2_login_request(
                challenge,
                AcceptOAuth2LoginRequest(
                    subject=self.subject, remember=self.remember, remember_for=0,
                    identity_provider_session_id=self.identity_provider_session_id,
                ),
            )
            return accepted.redirect_to
        if location.startswith(f"{PORTAL}/consent?") and "consent_challenge" in query:
            challenge = query["consent_challenge"][0]
            request = admin.get_o_auth2_consent_request(challenge)
            if self.deny_consent:
                return admin.reject_o_auth2_consent_request(
                    challenge, RejectOAuth2Request(error="access_denied", error_description="The user declined.")
                ).redirect_to
            accepted = admin.accept_o_auth2_consent_request(
                challenge,
                AcceptOAuth2ConsentRequest(
                    grant_scope=request.requested_scope,
                    grant_access_token_audience=request.requested_access_token_audience,
                    session=AcceptOAuth2ConsentRequestSession(id_token=self.id_token_claims()),
                ),
            )
            return accepted.redirect_to
        if location.startswith(f"{PORTAL}/logout?") and "logout_challenge" in query:
            return admin.accept_o_auth2_logout_request(query["logout_challenge"][0]).redirect_to
        return None


def follow_through_hydra(browser: requests.Session, url: str, portal: AdminApiPortal, *, stop_at: str) -> str:
    """Follow redirects from `url` through Hydra, answering the portal's
    challenges, until a redirect to `stop_at` (any query); returns that URL."""
    for _ in range(20):
        if url.split("?")[0] == stop_at:
            return url
        answered = portal.answer(url)
        if answered is not None:
            url = answered
            continue
        assert url.startswith("http://127.0.0.1:4444/"), f"unexpected stop outside Hydra: {url}"
        response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), f"Hydra answered {response.status_code} on {url}: {response.text[:300]}"
        url = response.headers["Location"]
    raise AssertionError("too many redirects through Hydra")


def sign_in(django_client: Client, browser: requests.Session, portal: AdminApiPortal, *, start: str = "/auth/login") -> tuple[str, Any]:
    """Start at this site, go through Hydra, come back to the callback.
    Returns the callback URL that was used and the callback's response."""
    started = django_client.get(start)
    assert started.status_code == 302, started.content[:300]
    callback_url = follow_through_hydra(browser, started["Location"], portal, stop_at=REDIRECT_URI)
    return callback_url, django_client.get(local_path(callback_url))


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@contextmanager
def registered_client(auth_method: str, *, secret: str = "a-test-secret with spaces:colons/and%percent") -> Iterator[OAuth2Client]:
    """A throwaway OAuth2 client in the shared Hydra, registered for
    `auth_method`, deleted afterwards."""
    client_id = f"rp-test-{auth_method}-{uuid.uuid4().hex[:8]}"
    definition = OAuth2Client(
        client_id=client_id,
        client_secret=None if auth_method == "none" else secret,
        client_name=f"relying-party test ({auth_method})",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        scope="openid offline_access email profile",
        redirect_uris=[REDIRECT_URI],
        post_logout_redirect_uris=[POST_LOGOUT_URI],
        token_endpoint_auth_method=auth_method,
    )
    created, _ = hydra_clients.create_or_replace_client(definition)
    try:
        yield created
    finally:
        ory.hydra_admin().delete_o_auth2_client(client_id)


def client_settings(client: OAuth2Client, *, auth_method: str | None = None, secret: str | None = None, **extra: Any) -> dict[str, Any]:
    """An ORYAUTH dict (over the site's own) that makes this site act as `client`."""
    from django.conf import settings

    return {
        **settings.ORYAUTH,
        "CLIENT_ID": client.client_id,
        "CLIENT_SECRET": secret if secret is not None else (client.client_secret or ""),
        "CLIENT_AUTH_METHOD": auth_method or client.token_endpoint_auth_method,
        **extra,
    }
