"""Every portal and provider page passes axe-core at WCAG 2.1 AA with zero
violations and runs under oryauth's Content-Security-Policy without a single
violation, in English and in German, against the real Kratos and Hydra.
Plus what axe cannot judge alone: signing in with the keyboard only, and
errors that are announced and tied to their fields."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import TestIdentity, create_identity
from tests.support.oauth_flows import authorize_url, ensure_standard_claim_mappings, make_client  # noqa: F401 (fixture)
from tests.support.page_audit import CspWatch, assert_accessible, watch_csp
from tests.support.stack import HYDRA_PUBLIC, KRATOS_PUBLIC

SITE = "http://127.0.0.1:8000"
LANGUAGES = ["en-US", "de-DE"]

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Audited:
    """A page in one language whose CSP violations are recorded."""

    page: Page
    csp: CspWatch
    locale: str

    def check(self, name: str) -> None:
        """axe-core on what is shown now, a screenshot, and this document's CSP events."""
        self.page.wait_for_load_state("load")
        screenshot(self.page, f"a11y-{self.locale[:2]}-{name}")
        assert_accessible(self.page)
        self.csp.collect(self.page)


@pytest.fixture(params=LANGUAGES)
def audited(request: pytest.FixtureRequest, browser: Browser, live_server) -> Iterator[Audited]:  # noqa: ANN001
    assert live_server.url == SITE
    context = browser.new_context(base_url=SITE, locale=request.param)
    context.set_default_timeout(15_000)
    page = context.new_page()
    csp = watch_csp(page)
    yield Audited(page, csp, request.param)
    try:
        csp.assert_none(page)
    finally:
        context.close()


def sign_in(page: Page, identity: TestIdentity) -> None:
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', identity.email)
    page.fill('input[name="password"]', identity.password)
    page.click('button[name="method"][value="password"]')


def test_signed_out_pages(audited: Audited) -> None:
    page = audited.page
    page.goto("/account")
    expect(page.get_by_test_id("account/signed-out")).to_be_visible()
    audited.check("account-signed-out")

    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    audited.check("login")
    page.fill('input[name="identifier"]', f"{uuid.uuid4().hex}@example.org")
    page.fill('input[name="password"]', "not the password")
    page.click('button[name="method"][value="password"]')
    expect(page.get_by_test_id("ui/message/4000006")).to_be_visible()
    audited.check("login-with-errors")

    page.goto("/registration")
    page.wait_for_url(f"{SITE}/registration?flow=*")
    audited.check("registration")
    page.fill('input[name="traits.email"]', f"{uuid.uuid4().hex}@example.org")
    page.fill('input[name="password"]', "short")
    page.fill('input[name="traits.name.first"]', "Grace")
    page.click('button[name="method"][value="password"]')
    expect(page.locator('[aria-invalid="true"]').first).to_be_visible()
    audited.check("registration-with-errors")

    page.goto("/recovery")
    page.wait_for_url(f"{SITE}/recovery?flow=*")
    audited.check("recovery")

    page.goto("/verification")
    page.wait_for_url(f"{SITE}/verification?flow=*")
    audited.check("verification")

    # A Kratos error (a return_to Kratos refuses), then a Hydra one.
    page.goto(f"{KRATOS_PUBLIC}/self-service/login/browser?return_to=http://evil.example/")
    page.wait_for_url(f"{SITE}/error?id=*")
    audited.check("error-kratos")
    page.goto("/error?error=access_denied&error_description=The+resource+owner+denied+the+request")
    audited.check("error-hydra")

    page.goto(f"/consent?consent_challenge={uuid.uuid4().hex}")
    audited.check("provider-unknown-challenge")

    page.goto("/auth/logout")  # the relying party's sign-out page
    expect(page.get_by_test_id("rp-logout/submit")).to_be_visible()
    audited.check("relying-party-logout")


def test_signed_in_pages(audited: Audited) -> None:
    page = audited.page
    identity = create_identity()
    page.goto("/login")
    sign_in(page, identity)
    page.wait_for_url(f"{SITE}/")

    page.goto("/account")
    expect(page.get_by_test_id("account/identity")).to_contain_text(identity.email)
    audited.check("account-signed-in")

    page.goto("/settings")
    page.wait_for_url(f"{SITE}/settings?flow=*")
    for group in ("profile", "password", "totp", "lookup_secret"):
        expect(page.get_by_test_id(f"flow/form/{group}")).to_be_visible()
    audited.check("settings")
    page.get_by_test_id("flow/form/password").locator('input[name="password"]').fill("short")
    page.get_by_test_id("flow/form/password").locator('button[name="method"]').click()
    expect(page.get_by_test_id("flow/form/password").locator('[aria-invalid="true"]')).to_be_visible()
    audited.check("settings-with-errors")

    page.goto("/sessions")
    expect(page.get_by_test_id("sessions/page")).to_be_visible()
    audited.check("sessions")


def test_provider_pages(audited: Audited, browser: Browser, make_client) -> None:  # noqa: ANN001
    ensure_standard_claim_mappings()
    page = audited.page
    identity = create_identity()
    client = make_client(name="Notes")

    page.goto(authorize_url(client))
    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_test_id("flow/requesting-client")).to_be_visible()
    audited.check("login-for-a-client")
    sign_in(page, identity)
    page.wait_for_url(f"{SITE}/consent?consent_challenge=*")
    audited.check("consent")
    consent_url = page.url

    # Hydra's logout, started without an id_token_hint, asks first.
    page.goto(f"{HYDRA_PUBLIC}/oauth2/sessions/logout")
    page.wait_for_url(f"{SITE}/logout?logout_challenge=*")
    audited.check("logout-confirmation")

    # The consent link opened by someone else: a 403 page saying so.
    stranger = browser.new_context(base_url=SITE, locale=audited.locale)
    try:
        other = stranger.new_page()
        stranger_csp = watch_csp(other)
        other.goto(consent_url)
        expect(other.locator("form[action='/consent']")).to_have_count(0)
        Audited(other, stranger_csp, audited.locale).check("provider-not-yours")
        stranger_csp.assert_none(other)
    finally:
        stranger.close()

    # Allowing ends at the client's redirect URI (through Hydra): the policy's
    # form-action must let the post's redirects through.
    page.goto(consent_url)
    with page.expect_request("http://127.0.0.1:5599/callback?*") as callback:  # nothing listens there
        page.get_by_test_id("consent/allow").click()
    assert "code=" in callback.value.url


def test_the_503_page(audited: Audited, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "KRATOS_PUBLIC_URL": "http://127.0.0.1:9"}  # nothing listens there
    response = audited.page.goto("/login")
    assert response is not None and response.status == 503
    audited.check("unavailable")


def test_sign_in_with_the_keyboard_only(page: Page) -> None:
    identity = create_identity()
    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")

    for _ in range(40):  # Tab from the top of the page to the first field
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "identifier":
            break
    else:
        pytest.fail("Tab never reached the email field")
    page.keyboard.type(identity.email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(identity.password)
    page.keyboard.press("Tab")  # the show / hide button, operated with the keyboard too
    assert page.evaluate("document.activeElement.dataset.testid") == "node/password/toggle"
    page.keyboard.press("Space")
    expect(page.locator('input[name="password"]')).to_have_attribute("type", "text")
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")

    page.wait_for_url(f"{SITE}/")
    expect(page.get_by_test_id("home/email")).to_have_text(identity.email)


def test_errors_are_announced_and_tied_to_their_fields(page: Page) -> None:
    page.goto("/registration")
    page.wait_for_url(f"{SITE}/registration?flow=*")
    page.fill('input[name="traits.email"]', f"{uuid.uuid4().hex}@example.org")
    page.fill('input[name="password"]', "short")
    page.fill('input[name="traits.name.first"]', "Grace")
    page.click('button[name="method"][value="password"]')

    password = page.locator('input[name="password"]')
    expect(password).to_have_attribute("aria-invalid", "true")
    described_by = password.get_attribute("aria-describedby")
    assert described_by
    error = page.locator(f"#{described_by} [role=alert]")
    expect(error).to_be_visible()
    screenshot(page, "a11y-registration-field-error")

    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', f"{uuid.uuid4().hex}@example.org")
    page.fill('input[name="password"]', "not the password")
    page.click('button[name="method"][value="password"]')
    expect(page.locator("#flow-messages [role=alert]")).to_have_attribute("data-testid", "ui/message/4000006")
