"""Hydra's consent challenge at `/consent`, and the claims it puts into the
tokens, against the real Hydra and Kratos. Tokens are checked the way a
client would: ID token verified against Hydra's JWKS, access token
introspected."""
from __future__ import annotations

import pytest
from django.test import override_settings

from oryauth.provider.models import ScopeClaim
from tests.support.oauth_flows import (
    Browser,
    OAuthClient,
    Visit,
    authorize_url,
    exchange_code,
    introspect,
    make_client,  # noqa: F401 (fixture)
    refresh,
    verified_id_token_claims,
)
from tests.support.kratos import browser_login, create_identity

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> tuple[Browser, str, str]:
    """A browser signed in to Kratos; the identity's id and email."""
    identity = create_identity(first_name="Ada", last_name="Lovelace")
    return Browser(browser_login(identity)), identity.id, identity.email


def consent_page(browser: Browser, client: OAuthClient, scope: str = "openid offline email profile") -> Visit:
    page = browser.open(authorize_url(client, scope=scope))
    assert page.path == "/consent" and page.status == 200, page.url
    return page


def test_the_consent_page_names_the_client_and_each_requested_scope(make_client, person) -> None:  # noqa: ANN001
    client = make_client(name="Analytical Engine Notes")
    page = consent_page(person[0], client)

    assert "Analytical Engine Notes" in page.text
    for scope in ("openid", "offline", "email", "profile"):
        assert f'data-testid="consent/scope/{scope}"' in page.text
    assert "See your email address" in page.text
    assert 'name="csrfmiddlewaretoken"' in page.text
    assert 'data-testid="consent/remember"' in page.text


def test_allowing_gives_a_verified_id_token_with_email_claims_and_a_refresh_token(make_client, person) -> None:  # noqa: ANN001
    browser, identity_id, email = person
    client = make_client()
    page = consent_page(browser, client)

    callback = browser.submit(page, action="allow", scope=["openid", "offline", "email", "profile"])
    tokens = exchange_code(client, callback)

    claims = verified_id_token_claims(tokens, client.id)
    assert claims["sub"] == identity_id
    assert claims["email"] == email and claims["email_verified"] is True
    assert claims["name"] == "Ada Lovelace" and claims["given_name"] == "Ada" and claims["family_name"] == "Lovelace"
    assert "refresh_token" in tokens  # `offline` granted
    token_info = introspect(tokens["access_token"])
    assert token_info["active"] is True
    # Mappings marked "both", and how the person signed in (provider/assurance.py).
    assert token_info["ext"] == {"email": email, "email_verified": True, "acr": "aal1", "amr": ["pwd"]}
    assert set(token_info["scope"].split()) == {"openid", "offline", "email", "profile"}


def test_refreshed_id_tokens_keep_the_claims(make_client, person) -> None:  # noqa: ANN001
    browser, _, email = person
    client = make_client()
    callback = browser.submit(consent_page(browser, client), action="allow", scope=["offline", "email"])

    refreshed = refresh(client, exchange_code(client, callback)["refresh_token"])

    assert verified_id_token_claims(refreshed, client.id)["email"] == email


def test_unchecking_email_gives_an_id_token_without_email_claims(make_client, person) -> None:  # noqa: ANN001
    browser, _, _ = person
    client = make_client()

    callback = browser.submit(consent_page(browser, client), action="allow", scope=["profile"])
    tokens = exchange_code(client, callback)

    claims = verified_id_token_claims(tokens, client.id)
    assert "email" not in claims and "email_verified" not in claims
    assert claims["given_name"] == "Ada"
    assert "refresh_token" not in tokens  # `offline` was not granted
    assert set(introspect(tokens["access_token"])["scope"].split()) == {"openid", "profile"}


def test_a_form_cannot_grant_a_scope_that_was_not_requested(make_client, person) -> None:  # noqa: ANN001
    browser, _, _ = person
    client = make_client()

    callback = browser.submit(consent_page(browser, client, scope="openid"), action="allow", scope=["openid", "email"])
    tokens = exchange_code(client, callback)

    assert "email" not in verified_id_token_claims(tokens, client.id)
    assert introspect(tokens["access_token"])["scope"] == "openid"


def test_deny_sends_access_denied_to_the_client(make_client, person) -> None:  # noqa: ANN001
    browser, _, _ = person
    client = make_client()

    callback = browser.submit(consent_page(browser, client), action="deny")

    assert callback.path == "/callback"
    assert callback.query["error"] == "access_denied"
    assert "code" not in callback.query


def test_an_unknown_action_is_a_clear_400(make_client, person) -> None:  # noqa: ANN001
    browser, _, _ = person
    page = browser.submit(consent_page(browser, make_client()), action="maybe")
    assert page.status == 400 and "Unknown choice" in page.text


def test_a_skip_consent_client_never_sees_the_consent_page_and_gets_claims(make_client, person) -> None:  # noqa: ANN001
    browser, _, email = person
    client = make_client("--skip-consent")

    callback = browser.open(authorize_url(client, scope="openid email"))

    # The browser stops at any page shown; it went straight to the client.
    assert callback.path == "/callback"
    assert verified_id_token_claims(exchange_code(client, callback), client.id)["email"] == email


def test_a_trusted_client_is_not_asked(make_client, person) -> None:  # noqa: ANN001
    browser, _, email = person
    client = make_client()

    with override_settings(ORYAUTH={"PROVIDER_TRUSTED_CLIENT_IDS": [client.id]}):
        callback = browser.open(authorize_url(client, scope="openid email"))

    assert callback.path == "/callback"
    assert verified_id_token_claims(exchange_code(client, callback), client.id)["email"] == email


def test_a_remembered_consent_is_skipped_the_second_time_and_still_carries_claims(make_client, person) -> None:  # noqa: ANN001
    browser, _, email = person
    client = make_client()
    first = browser.submit(consent_page(browser, client, scope="openid email"), action="allow", scope=["email"], remember="yes")
    exchange_code(client, first)

    second = browser.open(authorize_url(client, scope="openid email"))

    assert second.path == "/callback", "the remembered consent should not be asked again"
    assert any("/consent?" in url for url in second.visited)  # Hydra asked us; we accepted (skip)
    claims = verified_id_token_claims(exchange_code(client, second), client.id)
    assert claims["email"] == email and claims["email_verified"] is True


def test_without_remember_the_consent_is_asked_again(make_client, person) -> None:  # noqa: ANN001
    browser, _, _ = person
    client = make_client()
    exchange_code(client, browser.submit(consent_page(browser, client, scope="openid email"), action="allow", scope=["email"]))

    assert consent_page(browser, client, scope="openid email").status == 200


def test_claims_follow_the_mappings_staff_edit(make_client, person) -> None:  # noqa: ANN001
    browser, identity_id, _ = person
    ScopeClaim.objects.create(scope="profile", claim="kratos_id_hint", source="metadata_public", path="", token="id_token")
    ScopeClaim.objects.filter(scope="profile", claim="given_name").update(token="access_token")
    client = make_client()

    callback = browser.submit(consent_page(browser, client, scope="openid profile"), action="allow", scope=["profile"])
    tokens = exchange_code(client, callback)

    claims = verified_id_token_claims(tokens, client.id)
    assert "given_name" not in claims and claims["family_name"] == "Lovelace"
    assert "kratos_id_hint" not in claims  # the identity has no public metadata: left out
    assert introspect(tokens["access_token"])["ext"] == {"given_name": "Ada", "acr": "aal1", "amr": ["pwd"]}
