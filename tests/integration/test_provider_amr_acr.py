"""The ID token's `amr` and `acr` against the real Kratos and Hydra: the same
RFC 8176 values whichever way the person signed in and whichever path
accepted the login (a sign-in through Kratos's flow, an existing Kratos
session, a login Hydra remembers)."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kratos import TestIdentity, browser_login, create_identity
from tests.support.mailbox import latest_code
from tests.support.oauth_flows import (
    Browser,
    Visit,
    authorize_url,
    exchange_code,
    introspect,
    make_client,  # noqa: F401 (fixture)
    verified_id_token_claims,
)
from tests.support.portal_forms import at_login_page, sign_in_with_password, submit
from tests.support.second_factors import set_up_lookup_codes, set_up_totp, totp_code
from tests.support.throwaway import ThrowawayServer, private_kratos_in_use

pytestmark = pytest.mark.django_db


def claims_at(client, callback: Visit) -> dict:  # noqa: ANN001
    tokens = exchange_code(client, callback)
    claims = verified_id_token_claims(tokens, client.id)
    claims["introspected_ext"] = introspect(tokens["access_token"]).get("ext", {})
    return claims


def test_a_password_sign_in_is_pwd_at_aal1(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()

    callback = sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client))), identity)

    claims = claims_at(client, callback)
    assert claims["sub"] == identity.id
    assert claims["amr"] == ["pwd"]
    assert claims["acr"] == "aal1"
    assert (claims["introspected_ext"]["amr"], claims["introspected_ext"]["acr"]) == (["pwd"], "aal1")


@pytest.fixture
def kratos_with_code_sign_in(tmp_path: Path) -> Iterator[ThrowawayServer]:
    """A private Kratos that also offers sign-in with an emailed code (the
    shared one offers it for recovery and verification only), mailing the
    shared SMTP sink."""
    with private_kratos_in_use(tmp_path, {
        "SELFSERVICE_METHODS_CODE_PASSWORDLESS_ENABLED": "true",
        "COURIER_SMTP_CONNECTION_URI": "smtp://127.0.0.1:1025/?disable_starttls=true",
    }) as server:
        yield server


def test_an_emailed_code_sign_in_is_otp_at_aal1(make_client, kratos_with_code_sign_in) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()
    page = at_login_page(browser.open(authorize_url(client)))

    sent_at = time.time()
    code_page = submit(browser, page, "code", identifier=identity.email)
    callback = submit(browser, at_login_page(code_page), "code", code=latest_code(identity.email, after=sent_at))

    claims = claims_at(client, callback)
    assert claims["sub"] == identity.id
    assert claims["amr"] == ["otp"]
    assert claims["acr"] == "aal1"


def totp_factor(identity: TestIdentity) -> dict[str, str]:
    secret = set_up_totp(identity)
    return {"group": "totp", "totp_code": totp_code(secret)}


def lookup_code_factor(identity: TestIdentity) -> dict[str, str]:
    return {"group": "lookup_secret", "lookup_secret": set_up_lookup_codes(identity)[0]}


@pytest.mark.parametrize("second_factor", [totp_factor, lookup_code_factor], ids=["totp", "lookup code"])
def test_a_step_up_requested_by_acr_values_is_pwd_otp_mfa_at_aal2(make_client, second_factor) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    typed = second_factor(identity)
    browser = Browser()

    second_factor_page = sign_in_with_password(
        browser, at_login_page(browser.open(authorize_url(client, acr_values="aal2"))), identity
    )
    callback = submit(browser, at_login_page(second_factor_page), typed.pop("group"), **typed)

    claims = claims_at(client, callback)
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["acr"] == "aal2"
    # An API introspecting the access token sees the same values.
    assert claims["introspected_ext"]["amr"] == ["pwd", "otp", "mfa"]
    assert claims["introspected_ext"]["acr"] == "aal2"


def test_a_kratos_session_and_a_remembered_login_report_the_sign_in_the_same_way(make_client) -> None:  # noqa: ANN001
    identity = create_identity()
    secret = set_up_totp(identity)
    browser = Browser()
    first = make_client("--skip-consent")
    step_up = sign_in_with_password(browser, at_login_page(browser.open(authorize_url(first, acr_values="aal2"))), identity)
    through_kratos_flow = claims_at(first, submit(browser, at_login_page(step_up), "totp", totp_code=totp_code(secret)))

    # Another client: the login is accepted from the existing Kratos session.
    second = make_client("--skip-consent")
    from_session = claims_at(second, browser.open(authorize_url(second)))
    # The same client again: Hydra remembers the login (skip), even without the Kratos session.
    browser.http.cookies.set("ory_kratos_session", None, domain="127.0.0.1")
    remembered = claims_at(first, browser.open(authorize_url(first)))

    for claims in (through_kratos_flow, from_session, remembered):
        assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], "aal2")


def test_an_existing_aal1_session_steps_up_when_the_client_asks_for_aal2(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser(browser_login(identity))  # an aal1 session
    secret = set_up_totp(identity)

    second_factor_page = at_login_page(browser.open(authorize_url(client, acr_values="aal2")))
    assert 'name="totp_code"' in second_factor_page.text and 'name="password"' not in second_factor_page.text
    claims = claims_at(client, submit(browser, second_factor_page, "totp", totp_code=totp_code(secret)))

    assert (claims["amr"], claims["acr"]) == (["pwd", "otp", "mfa"], "aal2")


def test_asking_for_aal2_without_a_second_factor_signs_in_at_aal1(make_client) -> None:  # noqa: ANN001
    # acr_values is a wish (OIDC Core 3.1.2.1): someone without a second factor is not stuck.
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()

    callback = sign_in_with_password(browser, at_login_page(browser.open(authorize_url(client, acr_values="aal2"))), identity)

    claims = claims_at(client, callback)
    assert (claims["amr"], claims["acr"]) == (["pwd"], "aal1")
