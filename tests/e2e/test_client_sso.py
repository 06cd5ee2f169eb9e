"""The demo site as a relying party of Hydra, in a real browser against the
real stack and the real portal pages: protected page -> sign in through Hydra
-> portal login -> consent -> back, signed in; sign-out ends both sessions."""
from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from playwright.sync_api import Page, expect

from oryauth import ory
from oryauth.client.models import RelyingPartyTokens
from oryauth.models import IdentityLink
from tests.e2e.conftest import screenshot
from tests.support.kratos import TestIdentity, create_identity
from tests.support.relying_party import client_settings, registered_client

SITE = "http://127.0.0.1:8000"


def sign_in_at_the_portal(page: Page, identity: TestIdentity, *, shot: str, back_at: str = f"{SITE}/protected/") -> None:
    """On the portal's login page (reached from Hydra's login challenge), type
    the password; allow the consent page when the portal asks."""
    page.wait_for_url(f"{SITE}/login?flow=*")
    expect(page.locator('input[name="password"]')).to_be_visible()
    screenshot(page, f"{shot}-portal-login")
    page.fill('input[name="identifier"]', identity.email)
    page.fill('input[name="password"]', identity.password)
    page.click('button[name="method"][value="password"]')
    page.wait_for_url(lambda url: "/consent?" in url or url.startswith(back_at))
    if "/consent?" in page.url:
        screenshot(page, f"{shot}-consent")
        page.get_by_test_id("consent/allow").click()
    page.wait_for_url(lambda url: url.startswith(back_at))


def test_sso_sign_in_from_a_protected_page_and_sign_out_of_both_sessions(page: Page) -> None:
    identity = create_identity(first_name="Ada", last_name="Lovelace")

    page.goto("/protected/")  # anonymous: login_required -> /auth/login -> Hydra -> portal
    sign_in_at_the_portal(page, identity, shot="client-first")

    expect(page.get_by_test_id("protected/email")).to_have_text(identity.email)
    expect(page.get_by_test_id("protected/name")).to_have_text("Ada Lovelace")
    screenshot(page, "client-protected-signed-in")
    user = get_user_model().objects.get(ory_identities__subject=identity.id)
    assert RelyingPartyTokens.objects.filter(user=user).count() == 1
    assert not any(c["value"].startswith("ory_at_") for c in page.context.cookies())

    page.goto("/")
    expect(page.get_by_test_id("home/sso-sign-out")).to_be_visible()
    screenshot(page, "client-home-signed-in")
    page.goto("/protected/")

    kratos_cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "ory_kratos_session")
    page.get_by_test_id("protected/sign-out").click()
    # Hydra's end-session endpoint -> the portal's logout page (skipped: the
    # logout carries an id_token_hint) -> Hydra ends its and Kratos's session
    # -> the site's post-logout page (/auth/logged-out) -> home.
    page.wait_for_url(re.compile(rf"{re.escape(SITE)}/(logout\?|$)"))
    if "/logout?" in page.url:
        screenshot(page, "client-portal-logout")
        page.get_by_test_id("logout/yes").click()
    page.wait_for_url(f"{SITE}/")
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    expect(page.get_by_test_id("home/signed-out")).to_be_visible()
    expect(page.get_by_test_id("home/sso-sign-in")).to_be_visible()
    screenshot(page, "client-home-after-sign-out")
    assert not RelyingPartyTokens.objects.filter(user=user).exists()
    # Asked directly (not through the site's cache), Kratos no longer knows the session.
    assert ory.whoami(cookie=f"ory_kratos_session={kratos_cookie}") is None

    # Both sessions are gone: the portal asks for the password again, and the
    # second sign-in finds the same Django user.
    page.goto("/protected/")
    sign_in_at_the_portal(page, identity, shot="client-second")
    expect(page.get_by_test_id("protected/email")).to_have_text(identity.email)
    assert IdentityLink.objects.filter(subject=identity.id).count() == 1
    assert get_user_model().objects.filter(ory_identities__subject=identity.id).get() == user


def test_a_denied_consent_comes_back_as_a_page_with_a_way_to_try_again(page: Page) -> None:
    identity = create_identity()
    page.goto("/auth/login?next=/protected/")
    page.wait_for_url(f"{SITE}/login?flow=*")
    page.fill('input[name="identifier"]', identity.email)
    page.fill('input[name="password"]', identity.password)
    page.click('button[name="method"][value="password"]')
    page.wait_for_url(f"{SITE}/consent?*")
    page.get_by_test_id("consent/deny").click()

    page.wait_for_url(f"{SITE}/auth/callback?*")
    expect(page.get_by_role("heading")).to_have_text("Sign-in was not completed")
    expect(page.get_by_test_id("problem/retry")).to_have_attribute("href", "/auth/login?next=%2Fprotected%2F")
    screenshot(page, "client-callback-access-denied")


def test_a_replayed_callback_shows_the_invalid_link_page(page: Page) -> None:
    page.goto("/auth/callback?code=ory_ac_replayed&state=not-a-state-of-this-browser")
    expect(page.get_by_role("heading")).to_have_text("This sign-in link is no longer valid")
    screenshot(page, "client-callback-invalid-state")


def test_a_client_auth_method_mismatch_shows_the_misconfiguration_page(page: Page, settings) -> None:  # noqa: ANN001
    identity = create_identity()
    with registered_client("client_secret_basic") as hydra_client:
        settings.ORYAUTH = client_settings(hydra_client, auth_method="client_secret_post")
        page.goto("/auth/login")
        sign_in_at_the_portal(page, identity, shot="client-misconfigured", back_at=f"{SITE}/auth/callback?")

    expect(page.get_by_role("heading")).to_have_text("This site's sign-in is misconfigured")
    expect(page.get_by_test_id("problem/detail")).to_contain_text(
        "registered in Hydra for client_secret_basic but this site sends client_secret_post"
    )
    screenshot(page, "client-callback-misconfigured")


def test_the_sign_out_page_asks_before_signing_out(page: Page) -> None:
    page.goto("/auth/logout")
    expect(page.get_by_test_id("rp-logout/submit")).to_be_visible()
    screenshot(page, "client-logout-confirm")
