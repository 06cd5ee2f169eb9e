"""Passkeys and security keys in a real browser, on the localhost variant of
the stack (WebAuthn refuses IP addresses as relying-party ids): Chromium's
virtual authenticator (DevTools protocol `WebAuthn` domain) plays the
person's device, every portal page is served under a strict
Content-Security-Policy, and Kratos's admin API tells what was stored."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import DEFAULT_PASSWORD, unique_email
from tests.support.localhost_stack import SITE
from tests.support.oauth_flows import (  # noqa: F401 (make_client: fixture)
    Visit,
    authorize_url,
    exchange_code,
    make_client,
    verified_id_token_claims,
)
from tests.support.webauthn_browser import (
    PASSKEY_DEVICE,
    SECURITY_KEY,
    Device,
    identity_with_password,
    kratos_identity,
    newest_session,
    open_device,
    poll_until,
    send_hydra_pages_here,
)


@pytest.fixture(autouse=True)
def _localhost_variant(localhost_stack: None) -> None:
    """Every test here runs against the localhost variant (tools/ory/up-localhost.sh)."""


@pytest.fixture
def devices(browser: Browser) -> Iterator[Any]:
    opened: list[BrowserContext] = []

    def open_one(locale: str, authenticator: dict[str, Any]) -> Device:
        context, device = open_device(browser, locale, authenticator)
        opened.append(context)
        return device

    yield open_one
    for context in opened:
        context.close()


def shown_identity_id(page: Page) -> str:
    page.wait_for_url(f"{SITE}/")
    return page.locator('[data-testid="home/signed-in"] ~ dl code').inner_text().strip()


def sign_out(page: Page) -> None:
    page.get_by_test_id("account/signout").click()
    page.wait_for_url(f"{SITE}/")
    expect(page.get_by_test_id("home/signed-out")).to_be_visible()


def sign_in_with_password(page: Page, email: str) -> None:
    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.click('button[name="method"][value="password"]')


def at_settings_after_a_password_sign_in(page: Page) -> tuple[str, str]:
    """A new person with a password signs in and opens their settings:
    their email and identity id."""
    email = unique_email()
    identity_id = identity_with_password(email)
    sign_in_with_password(page, email)
    assert shown_identity_id(page) == identity_id
    page.get_by_test_id("account/settings").click()
    page.wait_for_url(f"{SITE}/settings?flow=*")
    return email, identity_id


# Kratos's login page starts the browser's passkey autofill (conditional
# mediation) on load; Chromium's virtual authenticator answers it at once, so
# with autofill the person is signed in on arrival. Without it (a browser
# lacking conditional mediation) they press "Sign in with passkey".
@pytest.mark.parametrize(("locale", "way"), [("en-US", "button"), ("de-DE", "autofill")])
def test_sign_up_with_a_passkey_sign_out_and_sign_in_with_it(devices: Any, locale: str, way: str) -> None:
    device = devices(locale, PASSKEY_DEVICE)
    if way == "button":
        device.page.add_init_script("delete window.PublicKeyCredential.isConditionalMediationAvailable;")
    page = device.page
    email = unique_email()
    language = locale[:2]

    response = page.goto("/registration")
    page.wait_for_url(f"{SITE}/registration?flow=*")
    assert response is not None and "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.locator('input[name="traits.email"]')).to_have_count(1)
    screenshot(page, f"passkeys-registration-{language}")
    # Without the email the browser asks for it before any passkey is made.
    page.click('button[name="passkey_register_trigger"]')
    expect(page.locator('input[name="traits.email"]:invalid')).to_be_focused()
    assert device.credentials() == []
    page.fill('input[name="traits.email"]', email)
    page.fill('input[name="traits.name.first"]', "Hedy")
    page.fill('input[name="traits.name.last"]', "Lamarr")
    page.click('button[name="passkey_register_trigger"]')

    # Signed up and in (then offered to verify the address, as after a password).
    page.wait_for_url(f"{SITE}/verification?flow=*")
    [credential] = device.credentials()
    assert (credential["rpId"], credential["isResidentCredential"]) == ("localhost", True)
    page.goto("/")
    identity_id = shown_identity_id(page)
    stored = kratos_identity(identity_id)
    assert stored["traits"]["email"] == email
    # Kratos keeps the passkey the device made (and no password was typed).
    [kept] = stored["credentials"]["passkey"]["config"]["credentials"]
    assert (kept["id"], kept["is_passwordless"]) == (credential["credentialId"], True)
    sign_out(page)

    page.goto("/login")
    if way == "button":
        page.wait_for_url(f"{SITE}/login?flow=*")
        expect(page.locator('input[name="identifier"]')).to_have_count(1)
        screenshot(page, f"passkeys-login-{language}")
        page.click('button[name="passkey_login_trigger"]')

    assert shown_identity_id(page) == identity_id
    expect(page.get_by_test_id("home/email")).to_have_text(email)
    screenshot(page, f"passkeys-signed-in-with-passkey-{language}")
    session = newest_session(identity_id)
    assert [m["method"] for m in session["authentication_methods"]] == ["passkey"]
    assert device.csp_violations == []
    # The policy was enforced, not merely sent: an inline script is refused and reported.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.inlineRan = 1';"
                  " document.body.appendChild(s); }")
    poll_until(page, lambda: device.csp_violations == ["script-src-elem inline on /"])
    assert page.evaluate("window.inlineRan") is None


def test_security_key_as_second_factor_then_an_aal2_step_up_with_it(devices: Any) -> None:
    device = devices("fr-FR", SECURITY_KEY)
    page = device.page
    email, identity_id = at_settings_after_a_password_sign_in(page)
    key_form = page.locator('form[data-testid="flow/form/webauthn"]')
    key_form.locator('input[name="webauthn_register_displayname"]').fill("Clé USB")
    screenshot(page, "passkeys-settings-add-security-key-fr")
    key_form.locator('button[name="webauthn_register_trigger"]').click()

    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()  # "Your changes have been saved!"
    expect(key_form.locator('button[name="webauthn_remove"]')).to_be_visible()
    screenshot(page, "passkeys-settings-security-key-added-fr")
    assert len(device.credentials()) == 1
    assert len(kratos_identity(identity_id)["credentials"]["webauthn"]["identifiers"]) >= 1
    sign_out(page)

    # A password alone is aal1: Kratos (whoami's required_aal highest_available)
    # sends the person on to the second factor they now have.
    sign_in_with_password(page, email)
    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.locator("h1")).to_have_text("Authentification à deux facteurs")
    expect(page.get_by_text("Utilisez votre clé de sécurité pour terminer la connexion.")).to_be_visible()
    expect(page.locator('input[name="password"]')).to_have_count(0)
    screenshot(page, "passkeys-login-aal2-security-key-fr")
    page.click('button[name="webauthn_login_trigger"]')

    assert shown_identity_id(page) == identity_id
    session = newest_session(identity_id)
    assert session["authenticator_assurance_level"] == "aal2"
    assert [m["method"] for m in session["authentication_methods"]] == ["password", "webauthn"]

    # At aal2 the settings let the person remove the key again.
    page.get_by_test_id("account/settings").click()
    page.wait_for_url(f"{SITE}/settings?flow=*")
    key_form.locator('button[name="webauthn_remove"]').click()
    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()
    expect(key_form.locator('button[name="webauthn_remove"]')).to_have_count(0)
    keys = kratos_identity(identity_id)["credentials"]["webauthn"].get("config", {}).get("credentials") or []
    assert keys == []
    assert device.csp_violations == []


def test_passkey_is_added_and_removed_in_settings(devices: Any) -> None:
    device = devices("es-ES", PASSKEY_DEVICE)
    page = device.page
    _, identity_id = at_settings_after_a_password_sign_in(page)
    passkeys = page.locator('form[data-testid="flow/form/passkey"]')
    passkeys.locator('button[name="passkey_register_trigger"]').click()

    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()
    remove = passkeys.locator('button[name="passkey_remove"]')
    expect(remove).to_have_count(1)
    expect(remove).to_contain_text("Quitar la llave de acceso añadida el")  # Kratos names every passkey "unnamed"
    screenshot(page, "passkeys-settings-passkey-added-es")
    assert "passkey" in kratos_identity(identity_id)["credentials"]

    remove.click()
    expect(page.get_by_test_id("ui/message/1050001")).to_be_visible()
    expect(passkeys.locator('button[name="passkey_remove"]')).to_have_count(0)
    screenshot(page, "passkeys-settings-passkey-removed-es")
    remaining = kratos_identity(identity_id)["credentials"].get("passkey", {}).get("identifiers") or []
    assert remaining == []
    assert device.csp_violations == []


def test_a_browser_without_webauthn_is_told_so_and_can_still_use_a_password(devices: Any) -> None:
    device = devices("en-US", PASSKEY_DEVICE)
    page = device.page
    # Kratos's webauthn.js defines nothing where the browser lacks WebAuthn.
    page.add_init_script("delete window.PublicKeyCredential;")

    page.goto("/login")
    page.wait_for_url(f"{SITE}/login?flow=*")
    login_page = page.url
    page.click('button[name="passkey_login_trigger"]')

    note = page.locator("[data-oryauth-trigger-unavailable]")
    expect(note).to_be_visible()
    expect(note).to_have_attribute("role", "alert")
    assert page.url == login_page  # nothing was posted
    screenshot(page, "passkeys-login-no-webauthn-en")
    email = unique_email()
    identity_with_password(email)
    page.fill('input[name="identifier"]', email)
    page.fill('input[name="password"]', DEFAULT_PASSWORD)
    page.click('button[name="method"][value="password"]')
    page.wait_for_url(f"{SITE}/")
    expect(page.get_by_test_id("home/email")).to_have_text(email)
    assert device.csp_violations == []


def test_passkey_sign_in_for_an_oauth2_client_puts_the_passkey_in_the_id_tokens_amr(devices: Any, make_client: Any) -> None:  # noqa: F811
    device = devices("en-US", PASSKEY_DEVICE)
    page = device.page
    client = make_client("--skip-consent")
    page.goto("/registration")
    page.wait_for_url(f"{SITE}/registration?flow=*")
    page.fill('input[name="traits.email"]', unique_email())
    page.click('button[name="passkey_register_trigger"]')
    page.wait_for_url(f"{SITE}/verification?flow=*")
    page.goto("/")
    identity_id = shown_identity_id(page)
    sign_out(page)
    callbacks = send_hydra_pages_here(device)

    # Hydra -> login page -> Kratos login flow (passkey autofill signs in at
    # once) -> back to the login page, where oryauth.provider accepts the
    # challenge -> consent (skipped for this client) -> callback.
    page.goto(authorize_url(client, scope="openid email"))
    poll_until(page, lambda: len(callbacks) == 1, seconds=15)

    claims = verified_id_token_claims(exchange_code(client, Visit(url=callbacks[0], status=200)), client.id)
    assert claims["sub"] == identity_id
    # RFC 8176: proof of possession of a hardware-secured key, nothing else.
    assert claims["amr"] == ["hwk"]
    assert claims["acr"] == "aal1"
    assert device.csp_violations == []
