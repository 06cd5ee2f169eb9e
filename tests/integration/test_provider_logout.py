"""Hydra's logout challenge at `/logout` against the real Hydra and Kratos:
after signing out through Hydra, the Kratos session is gone too."""
from __future__ import annotations

import pytest
from django.test import override_settings

from oryauth.provider.logout import forget_remembered_logins
from tests.support.oauth_flows import (
    POST_LOGOUT,
    SITE,
    Browser,
    OAuthClient,
    authorize_url,
    exchange_code,
    hydra_logout,
    make_client,  # noqa: F401 (fixture)
)
from tests.support.kratos import browser_login, create_identity
from tests.support.stack import KRATOS_PUBLIC

pytestmark = pytest.mark.django_db


def signed_in_at(client: OAuthClient) -> tuple[Browser, str]:
    """A browser signed in to Kratos and, through Hydra, at `client`; the ID token."""
    browser = Browser(browser_login(create_identity()))
    callback = browser.open(authorize_url(client, scope="openid email"))
    assert callback.path == "/callback", callback.url
    return browser, exchange_code(client, callback)["id_token"]


def next_authorization_asks_kratos(browser: Browser, client: OAuthClient) -> bool:
    visit = browser.open(authorize_url(client), stop_at=f"{KRATOS_PUBLIC}/self-service/login/browser")
    return visit.url.startswith(f"{KRATOS_PUBLIC}/self-service/login/browser")


def test_logout_asks_and_yes_ends_the_hydra_and_kratos_sessions(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, _ = signed_in_at(client)

    page = hydra_logout(browser)
    assert page.path == "/logout" and page.status == 200
    assert "Sign out?" in page.text and 'name="csrfmiddlewaretoken"' in page.text

    after = browser.submit(page, action="yes")

    assert after.url == f"{SITE}/"  # Hydra's post-logout page (hydra.yml)
    assert not browser.has_kratos_session()  # Hydra ended it (urls.identity_provider)
    assert next_authorization_asks_kratos(browser, client)


def test_no_keeps_the_person_signed_in(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, _ = signed_in_at(client)

    after = browser.submit(hydra_logout(browser), action="no")

    assert after.url == f"{SITE}/"
    assert browser.has_kratos_session()
    assert browser.open(authorize_url(client)).path == "/callback"  # still signed in at Hydra too


def test_a_client_signing_out_with_an_id_token_hint_is_not_asked(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, id_token = signed_in_at(client)

    after = hydra_logout(browser, id_token)

    assert after.url.startswith(POST_LOGOUT), after.visited
    assert any("/logout?logout_challenge=" in url for url in after.visited)
    assert not browser.has_kratos_session()


def test_with_the_setting_off_an_id_token_hint_logout_asks_naming_the_client(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent", name="Difference Engine")
    browser, id_token = signed_in_at(client)

    with override_settings(ORYAUTH={"PROVIDER_ACCEPT_LOGOUT_WITH_ID_TOKEN_HINT": False}):
        page = hydra_logout(browser, id_token)
        assert page.path == "/logout" and "Sign out of Difference Engine?" in page.text
        after = browser.submit(page, action="yes")

    assert after.url.startswith(POST_LOGOUT)
    assert not browser.has_kratos_session()


def test_a_skip_logout_consent_client_is_never_asked(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent", "--skip-logout-consent")
    browser, id_token = signed_in_at(client)

    with override_settings(ORYAUTH={"PROVIDER_ACCEPT_LOGOUT_WITH_ID_TOKEN_HINT": False}):
        after = hydra_logout(browser, id_token)

    assert after.url.startswith(POST_LOGOUT)
    assert not browser.has_kratos_session()


def test_a_used_logout_challenge_follows_hydras_redirect(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, _ = signed_in_at(client)
    page = hydra_logout(browser)
    browser.submit(page, action="yes")

    again = browser.site.get(page.url.removeprefix(SITE))

    assert again.status_code == 303
    assert again["Location"].startswith("http://127.0.0.1:4444/oauth2/sessions/logout")


def test_forgetting_remembered_logins_makes_the_next_authorization_ask_kratos(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser(browser_login(identity))
    assert browser.open(authorize_url(client)).path == "/callback"  # Hydra now remembers the login

    forget_remembered_logins(identity.id)  # what a portal sign-out should call
    browser.http.cookies.set("ory_kratos_session", None, domain="127.0.0.1")

    assert next_authorization_asks_kratos(browser, client)


def test_signing_out_of_the_portal_also_ends_the_logins_hydra_remembers(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, _ = signed_in_at(client)  # Hydra now remembers this login (PROVIDER_REMEMBER_LOGIN)

    browser.open(f"{SITE}/signout", method="POST", data={})

    assert not browser.has_kratos_session()
    assert next_authorization_asks_kratos(browser, client)


def test_after_a_logout_through_hydra_the_site_forgets_the_cached_session_at_once(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, _ = signed_in_at(client)
    assert 'data-testid="home/signed-in"' in browser.open(f"{SITE}/").text  # the answer is now cached

    browser.submit(hydra_logout(browser), action="yes")

    assert 'data-testid="home/signed-out"' in browser.open(f"{SITE}/").text
