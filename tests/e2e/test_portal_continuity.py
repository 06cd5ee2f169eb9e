"""Continuity for the person signing in, in a real browser against the real
Kratos: an unverified address at sign-in leads into verification and back
to signing in; the account page lists what the person can do from where
they are; the show / hide password button, and the form without it."""
from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import DEFAULT_PASSWORD, create_identity, unique_email
from tests.support.mailbox import latest_code

SITE = "http://127.0.0.1:8000"
# (browser locale, Kratos's 4000010 as the page shows it, "Your account", "Welcome")
LANGUAGES = {
    "en-US": ("Did you forget to verify your email address?", "Your account", "Welcome"),
    "de-DE": ("Haben Sie vergessen, Ihre E-Mail-Adresse zu", "Ihr Konto", "Willkommen"),
}


@pytest.fixture(params=list(LANGUAGES))
def page_in(request: pytest.FixtureRequest, browser: Browser, live_server) -> Iterator[tuple[Page, str]]:  # noqa: ANN001
    assert live_server.url == SITE
    context = browser.new_context(base_url=SITE, locale=request.param)
    context.set_default_timeout(15_000)
    yield context.new_page(), request.param
    context.close()


def sign_in(page: Page, email: str, password: str) -> None:
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[name="method"][value="password"]')


def test_an_unverified_address_at_sign_in_leads_into_verification_then_back_to_sign_in(page_in: tuple[Page, str]) -> None:
    page, locale = page_in
    identity = create_identity(verified=False)
    page.goto("/login?return_to=/sessions")
    sign_in(page, identity.email, identity.password)

    # Kratos refused the sign-in (message 4000010): the person is asked to verify, and told why.
    page.wait_for_url(f"{SITE}/verification?flow=*")
    expect(page.get_by_role("status").filter(has_text=LANGUAGES[locale][0])).to_be_visible()
    assert "ory_kratos_session" not in {c["name"] for c in page.context.cookies()}
    screenshot(page, f"continuity-{locale[:2]}-verify-before-sign-in")
    page.fill('input[name="email"]', identity.email)
    sent_after = time.time()
    page.click('button[name="method"][value="code"]')
    page.fill('input[name="code"]', latest_code(identity.email, after=sent_after))
    page.click('button[name="method"][value="code"]')
    expect(page.get_by_test_id("ui/message/1080002")).to_be_visible()  # verified

    # Kratos's "Continue" goes back to signing in, which keeps where the person was going.
    page.locator('[data-testid^="node/a/"]').click()
    sign_in(page, identity.email, identity.password)
    page.wait_for_url(f"{SITE}/sessions")
    expect(page.get_by_test_id("sessions/page")).to_be_visible()


def test_the_account_page_lists_what_the_person_can_do_signed_out_and_signed_in(page_in: tuple[Page, str]) -> None:
    page, locale = page_in
    _, your_account, welcome = LANGUAGES[locale]
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text(welcome)
    for flow in ("login", "registration", "recovery"):
        expect(page.get_by_test_id(f"account/link/{flow}")).to_be_visible()
    expect(page.get_by_test_id("account/link/sessions")).to_have_count(0)
    screenshot(page, f"account-{locale[:2]}-signed-out")

    # A new account is signed in right after registration, its address not verified yet.
    page.get_by_test_id("account/link/registration").click()
    page.wait_for_url(f"{SITE}/registration?flow=*")
    email = unique_email()
    page.fill('input[name="traits.email"]', email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.fill('input[name="traits.name.first"]', "Grace")
    page.fill('input[name="traits.name.last"]', "Hopper")
    page.click('button[name="method"][value="password"]')
    page.wait_for_url(f"{SITE}/verification?flow=*")

    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text(your_account)
    expect(page.get_by_test_id("account/identity")).to_contain_text(email)
    expect(page.get_by_test_id("account/unverified")).to_be_visible()
    for link in ("profile", "password", "two-factor", "sessions", "verification"):
        expect(page.get_by_test_id(f"account/link/{link}")).to_be_visible()
    expect(page.get_by_test_id("account/link/login")).to_have_count(0)
    expect(page.get_by_test_id("account/account")).to_be_visible()  # the navigation follows the session
    screenshot(page, f"account-{locale[:2]}-signed-in")

    page.get_by_test_id("account/link/password").click()
    page.wait_for_url(f"{SITE}/settings?flow=*#oa-form-password")
    expect(page.get_by_test_id("flow/form/password")).to_be_visible()

    page.goto("/account")
    page.get_by_test_id("account/signout").first.click()
    page.wait_for_url(f"{SITE}/")
    page.goto("/account")
    expect(page.get_by_role("heading", level=1)).to_have_text(welcome)


def test_the_password_can_be_shown_and_hidden_again(page: Page) -> None:
    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    password = page.locator('input[name="password"]')
    toggle = page.get_by_role("button", name="Show password")
    password.fill("correct horse")

    toggle.click()
    expect(password).to_have_attribute("type", "text")
    expect(page.get_by_role("button", name="Hide password")).to_have_attribute("aria-controls", password.get_attribute("id") or "")
    screenshot(page, "continuity-password-shown")
    page.get_by_role("button", name="Hide password").click()
    expect(password).to_have_attribute("type", "password")
    expect(password).to_have_value("correct horse")


def test_without_javascript_there_is_no_toggle_and_sign_in_still_works(browser: Browser, live_server) -> None:  # noqa: ANN001
    assert live_server.url == SITE
    context = browser.new_context(base_url=SITE, java_script_enabled=False)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        identity = create_identity()
        page.goto("/login")
        page.wait_for_url(f"{SITE}/login?flow=*")
        expect(page.get_by_test_id("node/password/toggle")).to_be_hidden()
        expect(page.get_by_role("button", name="Show password")).to_have_count(0)
        screenshot(page, "continuity-login-without-javascript")
        sign_in(page, identity.email, identity.password)
        page.wait_for_url(f"{SITE}/")
        expect(page.get_by_test_id("home/email")).to_have_text(identity.email)
    finally:
        context.close()
