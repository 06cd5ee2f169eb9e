"""The real login page in the browser's language, Kratos's messages included."""
from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import create_identity

SITE = "http://127.0.0.1:8000"


def test_login_page_in_french_from_the_browser_language_then_german_from_the_switcher(
    browser: Browser, live_server  # noqa: ANN001 (pytest-django's LiveServer)
) -> None:
    assert live_server.url == SITE
    context = browser.new_context(base_url=SITE, locale="fr-FR")  # Accept-Language: fr-FR
    context.set_default_timeout(15_000)
    page = context.new_page()
    identity = create_identity()
    try:
        page.goto("/login")
        page.wait_for_url(f"{SITE}/login?flow=*")
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        expect(page.get_by_label("Mot de passe")).to_be_visible()  # Kratos's label 1070001
        page.fill('input[name="identifier"]', identity.email)
        page.fill('input[name="password"]', "pas le bon mot de passe")
        page.click('button[name="method"][value="password"]')

        page.wait_for_url(f"{SITE}/login?flow=*")
        expect(page.get_by_test_id("ui/message/4000006")).to_contain_text("Les identifiants fournis sont invalides")
        expect(page.locator('button[name="method"][value="password"]')).to_have_text("Se connecter avec un mot de passe")
        screenshot(page, "i18n-login-fr-wrong-password")

        flow_url = page.url
        page.get_by_test_id("language-switcher").get_by_role("button", name="Deutsch").click()
        page.wait_for_url(flow_url)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        expect(page.get_by_label("Passwort")).to_be_visible()
        expect(page.get_by_test_id("ui/message/4000006")).to_contain_text("Die Anmeldedaten sind ungültig")
        screenshot(page, "i18n-login-de-after-switch")
    finally:
        context.close()
