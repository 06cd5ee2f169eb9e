"""A stranger who got hold of someone else's consent link sees why it does
not work for them, in a real browser (the link is the victim's, opened
without their session)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import browser_login, create_identity
from tests.support.oauth_flows import Browser, authorize_url, make_client  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_stranger_opening_someone_elses_consent_link_gets_a_page_saying_it_is_not_theirs(page: Page, make_client) -> None:  # noqa: ANN001
    victim = Browser(browser_login(create_identity()))
    consent = victim.open(authorize_url(make_client()))
    assert consent.path == "/consent", consent.url

    response = page.goto(consent.url)

    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_contain_text("This link is meant for someone else")
    expect(page.locator("main")).to_contain_text("nothing was shared")
    expect(page.locator("form[action='/consent']")).to_have_count(0)
    screenshot(page, "provider-consent-not-yours")
