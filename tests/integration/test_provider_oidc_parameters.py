"""OpenID Connect request parameters against the real Hydra and Kratos, as
OpenID Connect Core 1.0 section 3.1.2.1 describes them (docs/provider.md has
the table of what each does here)."""
from __future__ import annotations

import json
import time

import pytest
import requests
from bs4 import BeautifulSoup

from tests.support.kratos import browser_login, create_identity
from tests.support.oauth_flows import (
    HYDRA_PUBLIC,
    SITE,
    Browser,
    Visit,
    authorize_url,
    exchange_code,
    make_client,  # noqa: F401 (fixture)
    verified_id_token_claims,
)
from tests.support.portal_forms import at_callback, at_login_page, sign_in_with_password
from tests.support.second_factors import set_up_totp

pytestmark = pytest.mark.django_db


def pages_shown(visit: Visit) -> list[str]:
    """Every URL of this site the browser passed through (each answered with a
    redirect, except `visit.url` itself when it is a page)."""
    return [url for url in visit.visited if url.startswith(SITE)]


# --- prompt=none ---------------------------------------------------------------------------


def test_prompt_none_without_a_session_answers_login_required_to_the_client_and_shows_no_page(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")

    callback = at_callback(Browser().open(authorize_url(client, prompt="none")))

    assert callback.query["error"] == "login_required"
    assert pages_shown(callback) == []


def test_prompt_none_with_a_remembered_login_signs_in_silently(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()
    sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client))), identity)

    callback = at_callback(browser.open(authorize_url(client, prompt="none")))

    assert "code" in callback.query, callback.url
    assert verified_id_token_claims(exchange_code(client, callback), client.id)["sub"] == identity.id


def test_prompt_none_with_only_a_kratos_session_is_login_required_at_hydra(make_client) -> None:  # noqa: ANN001
    # Hydra decides prompt=none from its own remembered login before asking us:
    # a Kratos session alone (never used with Hydra in this browser) is not one.
    client = make_client("--skip-consent")
    browser = Browser(browser_login(create_identity()))

    callback = at_callback(browser.open(authorize_url(client, prompt="none")))

    assert callback.query["error"] == "login_required"
    assert pages_shown(callback) == []


def test_prompt_none_that_would_need_a_second_factor_is_login_required_not_a_page(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()
    sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client))), identity)
    set_up_totp(identity)  # from now on Kratos wants the second factor for this session

    callback = at_callback(browser.open(authorize_url(client, prompt="none", acr_values="aal2")))

    assert callback.query["error"] == "login_required"
    assert all("flow=" not in url for url in pages_shown(callback))


# --- prompt=login and max_age ---------------------------------------------------------------


@pytest.mark.parametrize("params", [{"prompt": "login"}, {"max_age": "0"}])
def test_prompt_login_and_an_exceeded_max_age_ask_for_the_password_again(make_client, params: dict[str, str]) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()
    first = verified_id_token_claims(
        exchange_code(client, sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client))), identity)),
        client.id,
    )
    time_passes_past(first["auth_time"])

    again = at_login_page(browser.open(authorize_url(client, **params)))
    assert 'name="password"' in again.text
    claims = verified_id_token_claims(exchange_code(client, at_callback(sign_in_with_password(browser, again, identity))),
                                      client.id)

    assert claims["sub"] == identity.id
    assert claims["auth_time"] > first["auth_time"]  # OIDC: auth_time is the new authentication


@pytest.mark.parametrize("params", [{"prompt": "login"}, {"max_age": "0"}])
def test_without_a_session_prompt_login_and_max_age_ask_for_the_password_once(make_client, params: dict[str, str]) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()

    callback = sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client, **params))), identity)

    assert verified_id_token_claims(exchange_code(client, at_callback(callback)), client.id)["sub"] == identity.id


def time_passes_past(timestamp: int, deadline: float = 5.0) -> None:
    """Hydra's auth_time has whole seconds: wait until the clock has moved on."""
    until = time.monotonic() + deadline
    while time.time() < timestamp + 1:
        assert time.monotonic() < until
        time.sleep(0.05)


def test_a_max_age_the_session_satisfies_signs_in_silently_with_auth_time(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser = Browser(browser_login(create_identity()))
    before = int(time.time())

    callback = at_callback(browser.open(authorize_url(client, max_age="3600")))

    claims = verified_id_token_claims(exchange_code(client, callback), client.id)
    assert before - 5 <= claims["auth_time"] <= time.time() + 5
    assert all("flow=" not in url for url in pages_shown(callback))


# --- prompt=consent --------------------------------------------------------------------------


def test_prompt_consent_asks_again_although_the_consent_is_remembered(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser = Browser(browser_login(create_identity()))
    first = browser.open(authorize_url(client, scope="openid email"))
    assert first.path == "/consent" and first.status == 200
    at_callback(browser.submit(first, action="allow", scope=["email"], remember="yes"))
    at_callback(browser.open(authorize_url(client, scope="openid email")))  # remembered: no question

    asked = browser.open(authorize_url(client, scope="openid email", prompt="consent"))

    assert asked.path == "/consent" and asked.status == 200


def test_prompt_consent_asks_even_a_client_that_skips_consent(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser = Browser(browser_login(create_identity()))

    asked = browser.open(authorize_url(client, scope="openid email", prompt="consent"))

    assert asked.path == "/consent" and asked.status == 200


# --- login_hint ------------------------------------------------------------------------------


@pytest.mark.parametrize("hint", ['"><script>alert(1)</script>', "ada@example.org' onfocus='alert(1)", "ä" * 300])
def test_a_hostile_login_hint_is_only_ever_a_field_value(make_client, hint: str) -> None:  # noqa: ANN001
    client = make_client()

    page = at_login_page(Browser().open(authorize_url(client, login_hint=hint)))

    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one('input[name="identifier"]')["value"] == hint
    assert soup.find("script", string="alert(1)") is None
    assert not any(tag.get("onfocus") for tag in soup.find_all(True))


# --- ui_locales --------------------------------------------------------------------------------


@pytest.mark.parametrize(("ui_locales", "language", "heading"), [
    ("de-CH fr", "de", "Anmelden"),
    ("xx-invalid fr-CA", "fr", "Connexion"),
    ("ja", "en", "Sign in"),
])
def test_the_login_page_follows_ui_locales_when_we_have_the_language(
    make_client, ui_locales: str, language: str, heading: str  # noqa: ANN001
) -> None:
    client = make_client()

    page = at_login_page(Browser().open(authorize_url(client, ui_locales=ui_locales)))

    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.html["lang"] == language
    assert soup.h1.get_text(strip=True) == heading


def test_the_consent_page_follows_ui_locales(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser = Browser(browser_login(create_identity()))

    page = browser.open(authorize_url(client, scope="openid email", ui_locales="es"))

    assert page.path == "/consent" and page.status == 200
    assert BeautifulSoup(page.text, "html.parser").html["lang"] == "es"


def test_a_language_the_person_chose_on_this_site_wins_over_ui_locales(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser = Browser()
    browser.site.cookies["django_language"] = "es"

    page = at_login_page(browser.open(authorize_url(client, ui_locales="de")))

    assert BeautifulSoup(page.text, "html.parser").html["lang"] == "es"


# --- claims ---------------------------------------------------------------------------------------


def test_the_claims_parameter_is_not_supported_and_grants_nothing_beyond_the_scopes(make_client) -> None:  # noqa: ANN001
    discovery = requests.get(f"{HYDRA_PUBLIC}/.well-known/openid-configuration", timeout=5).json()
    assert discovery.get("claims_parameter_supported", False) is False
    client = make_client("--skip-consent")
    browser = Browser(browser_login(create_identity()))
    essential_email = json.dumps({"id_token": {"email": {"essential": True}}, "userinfo": {"email": None}})

    callback = at_callback(browser.open(authorize_url(client, scope="openid", claims=essential_email)))

    tokens = exchange_code(client, callback)
    assert "email" not in verified_id_token_claims(tokens, client.id)
    userinfo = requests.get(f"{HYDRA_PUBLIC}/userinfo", headers={"Authorization": f"Bearer {tokens['access_token']}"},
                            timeout=5).json()
    assert "email" not in userinfo


# --- prompt=registration and id_token_hint ------------------------------------------------------


def test_prompt_registration_opens_registration_for_the_client(make_client) -> None:  # noqa: ANN001
    client = make_client()

    page = Browser().open(authorize_url(client, prompt="registration"))

    assert page.url.startswith(f"{SITE}/registration?flow=") and page.status == 200, page.visited
    assert client.name in BeautifulSoup(page.text, "html.parser").select_one('[data-testid="flow/requesting-client"]').text


def test_an_id_token_hint_of_someone_else_is_login_required(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    someone_else = Browser()
    other = create_identity()
    their_tokens = exchange_code(
        client, sign_in_with_password(someone_else, at_login_page(someone_else.open(authorize_url(client))), other)
    )
    browser = Browser()
    sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client))), create_identity())

    callback = at_callback(browser.open(authorize_url(client, prompt="none", id_token_hint=their_tokens["id_token"])))

    assert callback.query["error"] == "login_required"
