"""Helpers (no tests) for the provider's tests: OAuth2 clients made with the
Hydra CLI, a browser stand-in that follows redirects between Hydra, Kratos
and this site, and ID-token checks against Hydra's JWKS.

The browser stand-in serves this site's pages with Django's test client (no
port needed) and everything else (Hydra, Kratos) over HTTP with one
`requests.Session`, sharing the Kratos cookies like a real browser does
(cookies ignore ports). It stops at the client's origin (callback, post-logout page).
"""
from __future__ import annotations

import importlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.apps import apps
from django.test import Client
from jose import jwt

from oryauth import ory
from tests.support.stack import HYDRA_ADMIN, HYDRA_PUBLIC, hydra_cli

SITE = "http://127.0.0.1:8000"
ISSUER = "http://127.0.0.1:4444/"
CLIENT_ORIGIN = "http://127.0.0.1:5599"  # nothing listens: the browser stops there
CALLBACK = f"{CLIENT_ORIGIN}/callback"
POST_LOGOUT = f"{CLIENT_ORIGIN}/signed-out"
ALL_SCOPES = "openid,offline,offline_access,email,profile"


def ensure_standard_claim_mappings() -> None:
    """The mappings the data migration seeds. Browser tests need this: their
    transactional database is emptied after each test, seeded rows included."""
    importlib.import_module("oryauth.provider.migrations.0002_seed_standard_scope_claims").seed(apps, None)


@dataclass(frozen=True)
class OAuthClient:
    id: str
    secret: str
    name: str


def create_client(
    hydra_admin: str = HYDRA_ADMIN, *, name: str = "", flags: tuple[str, ...] = (),
    redirect_uri: str = CALLBACK, post_logout_uri: str | None = POST_LOGOUT,
) -> OAuthClient:
    """An OAuth2 client made with the Hydra CLI (the way an operator would)."""
    name = name or f"Test app {secrets.token_hex(3)}"
    post_logout = ("--post-logout-callback", post_logout_uri) if post_logout_uri else ()
    output = hydra_cli(
        "create", "oauth2-client", "-e", hydra_admin, "--format", "json", "--name", name,
        "--grant-type", "authorization_code,refresh_token", "--response-type", "code",
        "--scope", ALL_SCOPES, "--redirect-uri", redirect_uri, *post_logout,
        "--token-endpoint-auth-method", "client_secret_basic", *flags,
    )
    created = json.loads(output)
    return OAuthClient(created["client_id"], created["client_secret"], name)


@pytest.fixture
def make_client() -> Iterator[Any]:
    """Create clients in the shared Hydra; delete them after the test."""
    made: list[OAuthClient] = []

    def make(*flags: str, name: str = "") -> OAuthClient:
        client = create_client(name=name, flags=flags)
        made.append(client)
        return client

    yield make
    for client in made:
        hydra_cli("delete", "oauth2-client", "-e", HYDRA_ADMIN, client.id)


def authorize_url(client: OAuthClient, scope: str = "openid offline email profile", hydra_public: str = HYDRA_PUBLIC,
                  **params: str) -> str:
    query = {
        "client_id": client.id, "response_type": "code", "scope": scope, "redirect_uri": CALLBACK,
        "state": secrets.token_urlsafe(12), "nonce": secrets.token_urlsafe(12), **params,
    }
    return f"{hydra_public}/oauth2/auth?{urlencode(query)}"


@dataclass
class Visit:
    """Where the browser stopped: a page (status, text) or the callback."""

    url: str
    status: int
    text: str = ""
    visited: list[str] = field(default_factory=list)

    @property
    def query(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(urlsplit(self.url).query).items()}

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class Browser:
    """Follows redirects across Hydra, Kratos and this site (see module doc)."""

    def __init__(self, http: requests.Session | None = None) -> None:
        self.http = http or requests.Session()
        self.site = Client(HTTP_HOST="127.0.0.1:8000")

    def _share_kratos_cookies(self) -> None:
        """Send the site what a browser would: the Ory cookies set on 127.0.0.1
        (the session and Kratos's CSRF cookie), current values only."""
        for name in list(self.site.cookies):
            if name.startswith(("ory_kratos", "csrf_token")):
                del self.site.cookies[name]
        for cookie in self.http.cookies:
            if cookie.domain.lstrip(".") == "127.0.0.1" and cookie.name.startswith(("ory_kratos", "csrf_token")):
                self.site.cookies[cookie.name] = cookie.value

    def _site(self, method: str, url: str, data: dict[str, Any] | None) -> tuple[int, str, str]:
        self._share_kratos_cookies()
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        response = self.site.post(path, data or {}) if method == "POST" else self.site.get(path)
        return response.status_code, response.get("Location", ""), response.content.decode()

    def open(self, url: str, *, method: str = "GET", data: dict[str, Any] | None = None, stop_at: str = "") -> Visit:
        """Follow redirects from `url`; stop at a page, at the client, or
        (without requesting it) at the first URL starting with `stop_at`."""
        visited: list[str] = []
        for _ in range(25):
            visited.append(url)
            if url.startswith(CLIENT_ORIGIN) or (stop_at and url.startswith(stop_at)):
                return Visit(url, 0, visited=visited)
            if url.startswith(SITE):
                status, location, text = self._site(method, url, data)
            else:
                response = self.http.request(method, url, data=data, allow_redirects=False, timeout=10)
                status, location, text = response.status_code, response.headers.get("Location", ""), response.text
            if status in (301, 302, 303, 307, 308) and location:
                url, method, data = urljoin(url, location), "GET", None
                continue
            return Visit(url, status, text, visited)
        raise AssertionError(f"too many redirects: {visited}")

    def submit(self, page: Visit, **fields: Any) -> Visit:
        """POST a form of one of this site's pages back to the page's URL."""
        return self.open(page.url, method="POST", data=fields)

    def has_kratos_session(self) -> bool:
        cookie = self.http.cookies.get("ory_kratos_session")
        return bool(cookie) and ory.whoami(cookie=f"ory_kratos_session={cookie}") is not None


def exchange_code(client: OAuthClient, callback: Visit) -> dict[str, Any]:
    """The client's token request for the code its callback received."""
    assert "code" in callback.query, f"no code at the callback: {callback.url}"
    response = requests.post(
        f"{HYDRA_PUBLIC}/oauth2/token",
        data={"grant_type": "authorization_code", "code": callback.query["code"], "redirect_uri": CALLBACK},
        auth=(client.id, client.secret), timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def refresh(client: OAuthClient, refresh_token: str) -> dict[str, Any]:
    response = requests.post(
        f"{HYDRA_PUBLIC}/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(client.id, client.secret), timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()


def verified_id_token_claims(tokens: dict[str, Any], client_id: str, hydra_public: str = HYDRA_PUBLIC) -> dict[str, Any]:
    """The ID token's claims, its signature checked against Hydra's JWKS and
    its issuer, audience and at_hash checked by python-jose."""
    jwks = requests.get(f"{hydra_public}/.well-known/jwks.json", timeout=5).json()
    return jwt.decode(
        tokens["id_token"], jwks, algorithms=["RS256", "ES256"], audience=client_id,
        issuer=hydra_public.rstrip("/") + "/", access_token=tokens.get("access_token"),
    )


def introspect(token: str) -> dict[str, Any]:
    response = requests.post(f"{HYDRA_ADMIN}/admin/oauth2/introspect", data={"token": token}, timeout=5)
    assert response.status_code == 200, response.text
    return response.json()


def hydra_logout(browser: Browser, id_token: str | None = None, hydra_public: str = HYDRA_PUBLIC) -> Visit:
    """Start a logout at Hydra; with `id_token`, RP-initiated with a hint."""
    params = {"id_token_hint": id_token, "post_logout_redirect_uri": POST_LOGOUT} if id_token else {}
    return browser.open(f"{hydra_public}/oauth2/sessions/logout" + (f"?{urlencode(params)}" if params else ""))
