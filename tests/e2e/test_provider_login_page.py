"""The login page a relying party sends a person to, in a real browser: the
client's name and logo, in the language the client asked for (ui_locales)."""
from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.support.oauth_flows import authorize_url, make_client  # noqa: F401 (fixture)

SITE = "http://127.0.0.1:8000"
LOGO = f"{SITE}/static/admin/img/icon-yes.svg"  # served by the test site, so the browser really loads it


@pytest.mark.parametrize(("ui_locales", "language", "continuing"), [
    ("en", "en", "To continue to Notes"),
    ("de", "de", "Weiter zu Notes"),
])
def test_the_login_page_shows_the_clients_name_and_logo(
    page: Page, make_client, ui_locales: str, language: str, continuing: str  # noqa: ANN001
) -> None:
    client = make_client("--logo-uri", LOGO, name="Notes")

    page.goto(authorize_url(client, ui_locales=ui_locales))

    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_test_id("flow/requesting-client")).to_have_text(continuing)
    logo = page.get_by_test_id("flow/requesting-client-logo")
    expect(logo).to_be_visible()
    assert logo.evaluate("img => img.complete && img.naturalWidth > 0"), "the logo did not load"
    box = logo.bounding_box()
    assert box is not None and (round(box["width"]), round(box["height"])) == (48, 48)
    screenshot(page, f"provider-login-page-client-logo-{language}")


def test_a_client_logo_on_another_scheme_is_not_shown(page: Page, make_client) -> None:  # noqa: ANN001
    # Hydra refuses a javascript: logo_uri, so the hostile URL an attacker can register is plain data.
    client = make_client("--logo-uri", "ftp://notes.example/logo.png", name="Notes")

    page.goto(authorize_url(client))

    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.get_by_test_id("flow/requesting-client")).to_be_visible()
    expect(page.get_by_test_id("flow/requesting-client-logo")).to_have_count(0)
