"""`/sessions` in a real browser: one of two browsers signed in as the same
person signs the other out, and the other's next request is anonymous."""
from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from oryauth import ory
from tests.e2e.conftest import screenshot
from tests.support.kratos import create_identity

SITE = "http://127.0.0.1:8000"


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', email)
    page.fill('input[name="password"]', password)
    page.click('button[name="method"][value="password"]')
    page.wait_for_url(f"{SITE}/")


def kratos_cookie(page: Page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "ory_kratos_session")


def test_signing_out_the_other_browser_from_the_sessions_page(page: Page, browser: Browser) -> None:
    person = create_identity(first_name="Margaret", last_name="Hamilton")
    phone_context = browser.new_context(base_url=SITE, user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                                        "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
    phone_context.set_default_timeout(15_000)
    phone = phone_context.new_page()
    try:
        sign_in(phone, person.email, person.password)
        phone_cookie = kratos_cookie(phone)
        phone_session = ory.whoami(cookie=f"ory_kratos_session={phone_cookie}")
        assert phone_session is not None
        expect(phone.get_by_test_id("home/email")).to_have_text(person.email)

        sign_in(page, person.email, person.password)
        page.get_by_test_id("home/sessions").click()
        page.wait_for_url(f"{SITE}/sessions")
        expect(page.get_by_test_id("sessions/current/method/password")).to_be_visible()
        other = page.get_by_test_id(f"sessions/other/{phone_session.id}")
        expect(other).to_contain_text("Safari on iOS")
        screenshot(page, "portal-sessions-two-devices")

        other.get_by_test_id("sessions/end").click()

        page.wait_for_url(f"{SITE}/sessions")
        expect(page.get_by_text("That device is signed out.")).to_be_visible()
        expect(page.get_by_test_id("sessions/no-others")).to_be_visible()
        screenshot(page, "portal-sessions-after-sign-out")
        assert ory.whoami(cookie=f"ory_kratos_session={phone_cookie}") is None

        phone.reload()
        expect(phone.get_by_test_id("home/signed-out")).to_be_visible()
        page.goto("/")
        expect(page.get_by_test_id("home/email")).to_have_text(person.email)  # this browser stays signed in
    finally:
        phone_context.close()
