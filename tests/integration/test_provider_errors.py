"""Bad, expired and unanswerable challenges get clear pages: 400 for a
missing or malformed challenge, a "start again" page for an expired or
unknown one, Hydra's redirect for a used one (see test_provider_logout), and
503 when Hydra is down. Never a 500, never the string "undefined".

Expiry and outages use a private Hydra on spare ports, never the shared one.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import override_settings

from tests.support.oauth_flows import (
    CLIENT_ORIGIN,
    Browser,
    authorize_url,
    create_client,
)
from tests.support.kratos import browser_login, create_identity
from tests.support.stack import KRATOS_PUBLIC
from tests.support.throwaway import ThrowawayServer, spare_port

pytestmark = pytest.mark.django_db

PAGES = {"/login": "login_challenge", "/consent": "consent_challenge", "/logout": "logout_challenge"}
WELL_FORMED_UNKNOWN = "A" * 64


class ShortLivedChallengesHydra(ThrowawayServer):
    """A private Hydra whose login and consent challenges expire after a second."""

    def _command_and_env(self) -> tuple[list[str], dict[str, str]]:
        command, env = super()._command_and_env()
        return command, {**env, "TTL_LOGIN_CONSENT_REQUEST": "1s"}


@pytest.fixture
def private_hydra(tmp_path: Path) -> Iterator[ThrowawayServer]:
    server = ShortLivedChallengesHydra("hydra", spare_port(), spare_port(), tmp_path / "hydra.log")
    server.start()
    with override_settings(ORYAUTH={"HYDRA_PUBLIC_URL": server.public_url, "HYDRA_ADMIN_URL": server.admin_url,
                                    "HTTP_TIMEOUT": 1.0}):
        yield server
    server.stop()


def wait_until_expired(server: ThrowawayServer, kind: str, challenge: str, deadline: float = 15.0) -> None:
    url = f"{server.admin_url}/admin/oauth2/auth/requests/{kind}"
    until = time.monotonic() + deadline
    while requests.get(url, params={f"{kind}_challenge": challenge}, timeout=2).status_code != 401:
        assert time.monotonic() < until, f"the {kind} challenge did not expire within {deadline}s"
        time.sleep(0.2)


MALFORMED = ["undefined", "null", "short", "has%20spaces%20and%3Cscript%3E"]
# /login without a challenge is the ordinary sign-in page, so only the
# consent and logout pages call a missing challenge an error.
BAD_CHALLENGES = [(page, value) for page in PAGES for value in MALFORMED] + [
    (page, value) for page in ("/consent", "/logout") for value in (None, "")
]


@pytest.mark.parametrize(("page", "value"), BAD_CHALLENGES)
def test_a_missing_or_malformed_challenge_is_a_400_that_explains(page: str, value: str | None) -> None:
    query = "" if value is None else f"?{PAGES[page]}={value}"
    response = Browser().site.get(page + query)

    assert response.status_code == 400
    html = response.content.decode()
    text = html[html.index("<main"):]  # the header's language switcher carries the URL back (escaped)
    assert "This link is incomplete" in text
    assert "undefined" not in text and "<script>" not in html


@pytest.mark.parametrize("page", PAGES)
def test_an_unknown_challenge_offers_to_start_again(page: str) -> None:
    response = Browser().site.get(f"{page}?{PAGES[page]}={WELL_FORMED_UNKNOWN}")

    assert response.status_code == 410
    text = response.content.decode()
    assert "This sign-in link has expired" in text
    assert 'data-testid="problem/restart-hint"' in text  # this browser never saw its client


def test_an_expired_login_challenge_offers_to_start_again_at_the_client(private_hydra: ThrowawayServer) -> None:
    client = create_client(private_hydra.admin_url, name="Jacquard Loom",
                           flags=("--client-uri", f"{CLIENT_ORIGIN}/home"))
    browser = Browser()
    first = browser.open(authorize_url(client, hydra_public=private_hydra.public_url),
                         stop_at=f"{KRATOS_PUBLIC}/self-service/login/browser")
    login_page = first.visited[1]
    challenge = parse_qs(urlsplit(login_page).query)["login_challenge"][0]
    wait_until_expired(private_hydra, "login", challenge)

    response = browser.site.get(login_page.removeprefix("http://127.0.0.1:8000"))

    assert response.status_code == 410
    text = response.content.decode()
    assert "Start again at Jacquard Loom" in text
    assert f'href="{CLIENT_ORIGIN}/home"' in text


def test_allowing_an_expired_consent_offers_to_start_again_at_the_client(private_hydra: ThrowawayServer) -> None:
    client = create_client(private_hydra.admin_url, name="Jacquard Loom")
    browser = Browser(browser_login(create_identity()))
    page = browser.open(authorize_url(client, hydra_public=private_hydra.public_url))
    assert page.path == "/consent" and page.status == 200
    wait_until_expired(private_hydra, "consent", page.query["consent_challenge"])

    after = browser.submit(page, action="allow", scope=["email"])

    assert after.status == 410
    assert "Start again at Jacquard Loom" in after.text
    assert f'href="{CLIENT_ORIGIN}/"' in after.text  # no client_uri: the redirect URI's origin


@pytest.mark.parametrize(("page", "method"), [("/login", "GET"), ("/consent", "GET"), ("/consent", "POST"),
                                              ("/logout", "GET"), ("/logout", "POST")])
def test_hydra_down_is_a_503_with_a_retry_link(private_hydra: ThrowawayServer, page: str, method: str) -> None:
    private_hydra.stop()
    url = f"{page}?{PAGES[page]}={WELL_FORMED_UNKNOWN}"
    site = Browser().site

    response = site.post(url, {"action": "allow"}) if method == "POST" else site.get(url)

    assert response.status_code == 503
    text = response.content.decode()
    assert "Sign-in service unavailable" in text
    assert f'href="{url}"' in text  # the retry link keeps the challenge
