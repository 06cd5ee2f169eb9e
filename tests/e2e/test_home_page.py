"""The demo site's home page says whether you are signed in, and as whom."""
from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import browser_login, create_identity


def test_home_page_says_signed_out_without_a_kratos_session(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_test_id("home/signed-out")).to_have_text("You are not signed in.")
    screenshot(page, "home-signed-out")


def test_home_page_names_the_identity_of_the_kratos_session(page: Page) -> None:
    identity = create_identity(first_name="Grace", last_name="Hopper")
    kratos_cookie = browser_login(identity).cookies["ory_kratos_session"]
    page.context.add_cookies([{"name": "ory_kratos_session", "value": kratos_cookie, "url": "http://127.0.0.1:8000"}])

    page.goto("/")

    expect(page.get_by_test_id("home/signed-in")).to_have_text("You are signed in as Grace Hopper.")
    expect(page.get_by_test_id("home/email")).to_have_text(identity.email)
    screenshot(page, "home-signed-in")
