"""The portal's self-service pages in a real browser, against the real Kratos
and the SMTP sink: sign up, verify, sign in, recover, two factors, sign out."""
from __future__ import annotations

import time
import uuid

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import DEFAULT_PASSWORD, TestIdentity, create_identity, unique_email
from tests.support.mailbox import latest_code
from tests.support.second_factors import totp_code

SITE = "http://127.0.0.1:8000"


def form(page: Page, group: str):  # noqa: ANN201 (Playwright Locator)
    return page.locator(f'form[data-testid="flow/form/{group}"]')


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[name="method"][value="password"]')


def expect_signed_in_home(page: Page, email: str) -> None:
    page.wait_for_url(f"{SITE}/")
    expect(page.get_by_test_id("home/email")).to_have_text(email)


def test_registration_then_email_verification_with_the_mailed_code(page: Page) -> None:
    email = unique_email()
    page.goto("/registration")
    page.wait_for_url(f"{SITE}/registration?flow=*")
    screenshot(page, "selfservice-registration")

    page.fill('input[name="traits.email"]', email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.fill('input[name="traits.name.first"]', "Katherine")
    page.fill('input[name="traits.name.last"]', "Johnson")
    sent_after = time.time()
    page.click('button[name="method"][value="password"]')

    page.wait_for_url(f"{SITE}/verification?flow=*")
    expect(page.get_by_test_id("ui/message/1080003")).to_be_visible()  # "An email containing a verification code has been sent"
    screenshot(page, "selfservice-verification-code-sent")
    page.fill('input[name="code"]', latest_code(email, after=sent_after))
    page.click('button[name="method"][value="code"]')

    expect(page.get_by_test_id("ui/message/1080002")).to_be_visible()  # "You successfully verified your email address."
    screenshot(page, "selfservice-verification-done")


def test_sign_in_with_password_and_sign_out(page: Page) -> None:
    identity = create_identity()
    sign_in(page, identity.email, identity.password)
    expect_signed_in_home(page, identity.email)
    screenshot(page, "selfservice-home-after-login")

    page.get_by_test_id("account/signout").click()

    page.wait_for_url(f"{SITE}/")
    expect(page.get_by_test_id("home/signed-out")).to_be_visible()
    assert "ory_kratos_session" not in {c["name"] for c in page.context.cookies()}
    screenshot(page, "selfservice-home-after-signout")


def test_wrong_password_shows_the_kratos_message(page: Page) -> None:
    identity = create_identity()
    sign_in(page, identity.email, "not the password at all")

    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_test_id("ui/message/4000006")).to_contain_text("credentials are invalid")
    expect(page.locator('input[name="identifier"]')).to_have_value(identity.email)
    screenshot(page, "selfservice-login-wrong-password")


def test_recovery_by_code_then_new_password_then_sign_in_with_it(page: Page) -> None:
    identity = create_identity()
    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    screenshot(page, "selfservice-login")
    page.get_by_test_id("flow/link/recovery").click()
    page.wait_for_url(f"{SITE}/recovery?flow=*")
    screenshot(page, "selfservice-recovery")

    page.fill('input[name="email"]', identity.email)
    sent_after = time.time()
    page.click('button[name="method"][value="code"]')
    expect(page.get_by_test_id("ui/message/1060003")).to_be_visible()  # recovery code sent
    screenshot(page, "selfservice-recovery-code-sent")
    page.fill('input[name="code"]', latest_code(identity.email, after=sent_after))
    page.click('button[name="method"][value="code"]')

    page.wait_for_url(f"{SITE}/settings?flow=*")
    screenshot(page, "selfservice-settings-after-recovery")
    new_password = "another long passphrase 4711 for recovery"
    form(page, "password").locator('input[name="password"]').fill(new_password)
    form(page, "password").locator('button[name="method"][value="password"]').click()
    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()  # "Your changes have been saved!"
    screenshot(page, "selfservice-settings-password-saved")

    page.get_by_test_id("account/signout").click()
    page.wait_for_url(f"{SITE}/")
    sign_in(page, identity.email, new_password)
    expect_signed_in_home(page, identity.email)


def set_up_totp(page: Page, identity: TestIdentity) -> str:
    """Sign in, add an authenticator app in settings; returns its secret."""
    sign_in(page, identity.email, identity.password)
    expect_signed_in_home(page, identity.email)
    page.get_by_test_id("account/settings").click()
    page.wait_for_url(f"{SITE}/settings?flow=*")
    expect(page.get_by_test_id("node/img/totp_qr")).to_be_visible()
    screenshot(page, "selfservice-settings")
    secret = page.locator('[data-testid="node/text/totp_secret_key"] code').inner_text().strip()
    form(page, "totp").locator('input[name="totp_code"]').fill(totp_code(secret))
    form(page, "totp").locator('button[name="method"][value="totp"]').click()
    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()
    expect(page.locator('button[name="totp_unlink"]')).to_be_visible()
    screenshot(page, "selfservice-settings-totp-added")
    return secret


def test_totp_setup_then_second_factor_sign_in(page: Page) -> None:
    identity = create_identity()
    secret = set_up_totp(page, identity)
    page.get_by_test_id("account/signout").click()
    page.wait_for_url(f"{SITE}/")

    sign_in(page, identity.email, identity.password)

    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_role("heading", name="Two-factor authentication")).to_be_visible()
    expect(page.get_by_test_id("ui/message/1010004")).to_be_visible()  # "Please complete the second authentication challenge."
    screenshot(page, "selfservice-login-aal2")
    form(page, "totp").locator('input[name="totp_code"]').fill(totp_code(secret))
    form(page, "totp").locator('button[name="method"][value="totp"]').click()
    expect_signed_in_home(page, identity.email)


def test_backup_recovery_codes_are_shown_in_settings(page: Page) -> None:
    identity = create_identity()
    set_up_totp(page, identity)  # the session is aal2 now, so settings allow adding codes

    form(page, "lookup_secret").locator('button[name="lookup_secret_regenerate"]').click()

    codes = page.locator('[data-testid="node/text/lookup_secret_codes"] li')
    expect(codes.first).to_be_visible()
    assert codes.count() >= 8
    assert all(len(code.strip()) >= 8 for code in codes.all_inner_texts())
    screenshot(page, "selfservice-settings-lookup-codes")
    form(page, "lookup_secret").locator('button[name="lookup_secret_confirm"]').click()
    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()


def test_lost_flow_restarts_with_a_message(page: Page) -> None:
    page.goto(f"/login?flow={uuid.uuid4()}")

    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_role("status").filter(has_text="started a new one")).to_be_visible()
    expect(page.locator('input[name="identifier"]')).to_be_visible()
    screenshot(page, "selfservice-login-restarted")


def test_settings_asks_to_sign_in_first_and_returns_there(page: Page) -> None:
    identity = create_identity()
    page.goto("/settings")
    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_role("status").filter(has_text="sign in to change your account settings")).to_be_visible()

    page.fill('input[name="identifier"]', identity.email)
    page.fill('input[name="password"]', identity.password)
    page.click('button[name="method"][value="password"]')

    page.wait_for_url(f"{SITE}/settings?flow=*")
    expect(page.get_by_test_id("settings/identity")).to_contain_text(identity.email)


def test_a_foreign_return_to_is_dropped_and_the_sign_in_page_shown(page: Page) -> None:
    page.goto("/login?return_to=http://evil.example/")

    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_test_id("flow/form/password")).to_be_visible()
    assert "evil.example" not in page.content()
    screenshot(page, "selfservice-foreign-return-to-dropped")
