"""The portal as an OpenID provider, driven end to end by a client nobody
here wrote: the Hydra CLI's `perform authorization-code` relying party,
in a real browser through our login, consent and logout pages.

The tokens the CLI prints are checked like a client would: the ID token
against Hydra's JWKS (python-jose), the access token by introspection.
"""
from __future__ import annotations

import json
import re
import secrets
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from oryauth import ory
from tests.e2e.conftest import screenshot
from tests.support.kratos import TestIdentity, browser_login, create_identity
from tests.support.oauth_flows import (
    create_client,
    ensure_standard_claim_mappings,
    introspect,
    verified_id_token_claims,
)
from tests.support.stack import BIN_DIR, HYDRA_ADMIN, HYDRA_PUBLIC, hydra_cli
from tests.support.throwaway import spare_port

SITE = "http://127.0.0.1:8000"


@pytest.fixture(autouse=True)
def _standard_claim_mappings(live_server) -> None:  # noqa: ANN001 (after the live server's database is ready)
    ensure_standard_claim_mappings()


@dataclass(frozen=True)
class CliClient:
    """An OAuth2 client registered with the Hydra CLI, for the CLI's relying party on `port`."""

    id: str
    secret: str
    name: str
    port: int


@pytest.fixture
def register_client() -> Iterator[Any]:
    made: list[CliClient] = []

    def register(*flags: str, name: str = "") -> CliClient:
        port = spare_port()
        created = create_client(name=name, flags=flags, redirect_uri=f"http://127.0.0.1:{port}/callback", post_logout_uri=None)
        client = CliClient(created.id, created.secret, created.name, port)
        made.append(client)
        return client

    yield register
    for client in made:
        hydra_cli("delete", "oauth2-client", "-e", HYDRA_ADMIN, client.id)


class RelyingParty:
    """`hydra perform authorization-code` running as a subprocess."""

    def __init__(self, client: CliClient, scope: str, extra: tuple[str, ...]) -> None:
        self.client = client
        self.process = subprocess.Popen(
            [str(BIN_DIR / "hydra"), "perform", "authorization-code", "-e", HYDRA_PUBLIC,
             "--client-id", client.id, "--client-secret", client.secret, "--port", str(client.port),
             "--no-open", "--scope", scope, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.home = f"http://127.0.0.1:{client.port}/"
        deadline = time.monotonic() + 10
        while True:  # ready when its home page answers
            assert self.process.poll() is None, f"hydra perform exited: {self.process.stderr.read() if self.process.stderr else ''}"
            try:
                requests.get(self.home, timeout=1)
                return
            except requests.RequestException:
                assert time.monotonic() < deadline, "hydra perform did not start listening"
                time.sleep(0.1)

    def start(self, page: Page) -> None:
        page.goto(self.home)
        page.get_by_role("link", name="Authorize application").click()

    def wait_for_callback(self, page: Page) -> None:
        page.wait_for_url(f"http://127.0.0.1:{self.client.port}/callback?*")

    def output(self, timeout: float = 15) -> tuple[str, str]:
        """What the CLI printed once it finished (it exits after the callback)."""
        try:
            stdout, stderr = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            stdout, stderr = self.process.communicate()
        return stdout, stderr

    def tokens(self) -> dict[str, str]:
        stdout, stderr = self.output()
        found = {key.lower().replace(" ", "_"): value.strip()
                 for key, value in re.findall(r"^(ACCESS TOKEN|REFRESH TOKEN|ID TOKEN)\t+(\S+)", stdout, re.M)}
        assert "access_token" in found, f"the CLI printed no tokens:\n{stdout}\n{stderr}"
        return found

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=5)


@pytest.fixture
def relying_party() -> Iterator[Any]:
    started: list[RelyingParty] = []

    def run(client: CliClient, scope: str = "openid,offline,email,profile", *extra: str) -> RelyingParty:
        party = RelyingParty(client, scope, extra)
        started.append(party)
        return party

    yield run
    for party in started:
        party.stop()


def verified_claims(tokens: dict[str, str], client: CliClient) -> dict[str, Any]:
    return verified_id_token_claims(tokens, client.id)


def allow_at_consent(page: Page, party: RelyingParty, *, uncheck: tuple[str, ...] = (), remember: bool = False) -> None:
    """On our consent page: untick `uncheck`, maybe remember, Allow; wait for the client's callback."""
    page.wait_for_url(f"{SITE}/consent?consent_challenge=*")
    for scope in uncheck:
        page.get_by_test_id(f"consent/scope/{scope}").uncheck()
    if remember:
        page.get_by_test_id("consent/remember").check()
    page.get_by_test_id("consent/allow").click()
    party.wait_for_callback(page)


def shown_pages(page: Page) -> list[str]:
    """URLs of this site's pages the browser rendered (200), recorded from now on."""
    shown: list[str] = []
    page.on("response", lambda r: shown.append(r.url) if r.url.startswith(SITE) and r.status == 200
            and r.request.resource_type == "document" else None)
    return shown


def with_kratos_session(page: Page, identity: TestIdentity) -> None:
    cookie = browser_login(identity).cookies["ory_kratos_session"]
    page.context.add_cookies([{"name": "ory_kratos_session", "value": cookie, "url": SITE}])


def kratos_session_of(page: Page) -> Any:
    cookie = next((c["value"] for c in page.context.cookies(SITE) if c["name"] == "ory_kratos_session"), None)
    return ory.whoami(cookie=f"ory_kratos_session={cookie}") if cookie else None


def sign_in_with_password(page: Page, identity: TestIdentity) -> None:
    page.wait_for_url(f"{SITE}/login?flow=*")
    identifier = page.locator('input[name="identifier"]:not([type="hidden"])')
    if identifier.count():  # a re-authentication (refresh) already knows who it is
        identifier.fill(identity.email)
    page.fill('input[name="password"]', identity.password)
    page.click('button[name="method"][value="password"]')


def test_the_hydra_cli_signs_in_with_a_password_and_consent_and_gets_real_tokens(
    page: Page, register_client, relying_party  # noqa: ANN001
) -> None:
    identity = create_identity(first_name="Ada", last_name="Lovelace")
    client = register_client(name="Hydra CLI demo")
    party = relying_party(client)

    party.start(page)
    page.wait_for_url(f"{SITE}/login?flow=*")
    # The person sees which application they are signing in to (Kratos carries Hydra's request).
    expect(page.get_by_test_id("flow/requesting-client")).to_have_text("To continue to Hydra CLI demo")
    screenshot(page, "provider-login-for-a-client")
    sign_in_with_password(page, identity)
    page.wait_for_url(f"{SITE}/consent?consent_challenge=*")
    expect(page.get_by_test_id("consent/title")).to_contain_text("Hydra CLI demo")
    expect(page.get_by_test_id("consent/scope/email")).to_be_checked()
    expect(page.get_by_test_id("consent/scope/openid")).to_be_disabled()
    screenshot(page, "provider-consent")
    page.get_by_test_id("consent/allow").click()
    party.wait_for_callback(page)

    tokens = party.tokens()
    claims = verified_claims(tokens, client)
    assert claims["sub"] == identity.id
    assert claims["email"] == identity.email and claims["email_verified"] is True
    assert claims["name"] == "Ada Lovelace"
    assert introspect(tokens["access_token"])["active"] is True
    assert tokens.get("refresh_token", "").startswith("ory_rt_")  # `offline` granted


def test_no_email_claim_when_email_was_not_granted(page: Page, register_client, relying_party) -> None:  # noqa: ANN001
    identity = create_identity()
    with_kratos_session(page, identity)
    client = register_client()
    party = relying_party(client, "openid,email")

    party.start(page)
    allow_at_consent(page, party, uncheck=("email",))

    tokens = party.tokens()
    claims = verified_claims(tokens, client)
    assert claims["sub"] == identity.id
    assert "email" not in claims and "email_verified" not in claims
    assert introspect(tokens["access_token"])["scope"] == "openid"


def test_an_existing_session_needs_no_password_and_prompt_login_asks_again(
    page: Page, register_client, relying_party  # noqa: ANN001
) -> None:
    identity = create_identity()
    with_kratos_session(page, identity)
    client = register_client("--skip-consent")
    shown = shown_pages(page)

    party = relying_party(client, "openid,email")
    party.start(page)
    party.wait_for_callback(page)
    assert verified_claims(party.tokens(), client)["sub"] == identity.id
    assert not any("/login" in url for url in shown), shown  # no password prompt

    again = relying_party(client, "openid,email", "--prompt", "login")
    again.start(page)
    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.locator('input[name="password"]')).to_be_visible()
    screenshot(page, "provider-login-prompt-login")
    sign_in_with_password(page, identity)
    again.wait_for_callback(page)
    assert verified_claims(again.tokens(), client)["sub"] == identity.id


def test_a_skip_consent_client_never_shows_the_consent_page(page: Page, register_client, relying_party) -> None:  # noqa: ANN001
    identity = create_identity()
    with_kratos_session(page, identity)
    client = register_client("--skip-consent")
    shown = shown_pages(page)
    party = relying_party(client, "openid,email")

    party.start(page)
    party.wait_for_callback(page)

    assert not any("/consent" in url for url in shown), shown
    assert verified_claims(party.tokens(), client)["email"] == identity.email


def test_a_remembered_consent_is_skipped_the_second_time_and_still_carries_claims(
    page: Page, register_client, relying_party  # noqa: ANN001
) -> None:
    identity = create_identity()
    with_kratos_session(page, identity)
    client = register_client()
    first = relying_party(client, "openid,email")
    first.start(page)
    allow_at_consent(page, first, remember=True)
    first.tokens()

    shown = shown_pages(page)
    second = relying_party(client, "openid,email")
    second.start(page)
    second.wait_for_callback(page)

    assert not any("/consent" in url for url in shown), shown
    claims = verified_claims(second.tokens(), client)
    assert claims["email"] == identity.email and claims["email_verified"] is True


def test_deny_at_consent_gives_the_client_access_denied(page: Page, register_client, relying_party) -> None:  # noqa: ANN001
    with_kratos_session(page, create_identity())
    client = register_client()
    party = relying_party(client, "openid,email")

    party.start(page)
    page.wait_for_url(f"{SITE}/consent?consent_challenge=*")
    page.get_by_test_id("consent/deny").click()

    party.wait_for_callback(page)
    assert "error=access_denied" in page.url
    stdout, stderr = party.output()
    assert "Got error: The resource owner denied the request." in stderr  # the CLI saw the OAuth2 error
    assert "ACCESS TOKEN" not in stdout


def test_logout_asks_and_ends_the_kratos_session_kratos_itself_accepted(
    page: Page, register_client, relying_party  # noqa: ANN001
) -> None:
    identity = create_identity()
    client = register_client("--skip-consent", name="Logout demo")
    party = relying_party(client, "openid,email")
    party.start(page)
    sign_in_with_password(page, identity)  # Kratos accepts Hydra's login challenge itself
    party.wait_for_callback(page)
    party.tokens()
    assert kratos_session_of(page) is not None

    page.goto(f"{HYDRA_PUBLIC}/oauth2/sessions/logout")
    page.wait_for_url(f"{SITE}/logout?logout_challenge=*")
    expect(page.get_by_test_id("logout/title")).to_have_text("Sign out?")
    screenshot(page, "provider-logout")
    page.get_by_test_id("logout/yes").click()

    page.wait_for_url(f"{SITE}/")
    assert kratos_session_of(page) is None  # whoami: 401


def test_logout_by_a_skip_logout_consent_client_does_not_ask(page: Page, register_client, relying_party) -> None:  # noqa: ANN001
    identity = create_identity()
    with_kratos_session(page, identity)
    client = register_client("--skip-consent", "--skip-logout-consent")
    party = relying_party(client, "openid,email")
    party.start(page)
    party.wait_for_callback(page)
    id_token = party.tokens()["id_token"]
    shown = shown_pages(page)

    page.goto(f"{HYDRA_PUBLIC}/oauth2/sessions/logout?id_token_hint={id_token}")

    page.wait_for_url(f"{SITE}/")
    assert not any("/logout" in url for url in shown), shown
    assert kratos_session_of(page) is None


def test_no_at_the_logout_question_keeps_the_person_signed_in(page: Page) -> None:
    identity = create_identity()
    with_kratos_session(page, identity)
    # A Hydra login session to sign out of: any authorization by a skip-consent client.
    client_id = json.loads(hydra_cli(
        "create", "oauth2-client", "-e", HYDRA_ADMIN, "--format", "json", "--skip-consent",
        "--grant-type", "authorization_code", "--response-type", "code", "--scope", "openid",
        "--redirect-uri", f"{SITE}/",
    ))["client_id"]
    try:
        page.goto(f"{HYDRA_PUBLIC}/oauth2/auth?client_id={client_id}&response_type=code&scope=openid"
                  f"&redirect_uri={SITE}/&state={secrets.token_urlsafe(12)}")
        page.wait_for_url(f"{SITE}/?code=*")

        page.goto(f"{HYDRA_PUBLIC}/oauth2/sessions/logout")
        page.wait_for_url(f"{SITE}/logout?logout_challenge=*")
        page.get_by_test_id("logout/no").click()

        page.wait_for_url(f"{SITE}/")
        expect(page.get_by_text("You are still signed in.")).to_be_visible()
        screenshot(page, "provider-logout-declined")
        assert kratos_session_of(page) is not None
    finally:
        hydra_cli("delete", "oauth2-client", "-e", HYDRA_ADMIN, client_id)


def test_an_unknown_consent_challenge_shows_a_start_again_page(page: Page) -> None:
    response = page.goto(f"{SITE}/consent?consent_challenge={'A' * 64}")
    assert response is not None and response.status == 410
    expect(page.get_by_test_id("problem/message")).to_contain_text("no longer valid")
    screenshot(page, "provider-challenge-expired")


def test_the_consent_page_shows_the_clients_logo_links_and_audience_and_grants_the_audience(
    page: Page, register_client, relying_party  # noqa: ANN001
) -> None:
    with_kratos_session(page, create_identity())
    api = "https://api.example.org/notes"
    client = register_client(
        "--logo-uri", f"{SITE}/static/admin/img/icon-yes.svg", "--client-uri", "https://notes.example.org/",
        "--policy-uri", "https://notes.example.org/privacy", "--tos-uri", "https://notes.example.org/terms",
        "--audience", api, name="Notes",
    )
    party = relying_party(client, "openid,email", "--audience", api)

    party.start(page)
    page.wait_for_url(f"{SITE}/consent?consent_challenge=*")
    expect(page.get_by_test_id("consent/logo")).to_be_visible()
    expect(page.get_by_test_id("consent/policy")).to_have_attribute("href", "https://notes.example.org/privacy")
    expect(page.get_by_test_id("consent/tos")).to_have_attribute("href", "https://notes.example.org/terms")
    expect(page.get_by_test_id("consent/client-uri")).to_have_text("About Notes")
    expect(page.get_by_test_id("consent/audience")).to_contain_text(api)
    screenshot(page, "provider-consent-with-client-details")
    page.get_by_test_id("consent/allow").click()
    party.wait_for_callback(page)

    assert api in introspect(party.tokens()["access_token"])["aud"]
