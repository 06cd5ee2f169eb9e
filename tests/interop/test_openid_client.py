"""openid-client (Node; panva's, certified by the OpenID Foundation) as a
relying party of the provider: a person signs in through the portal and
consents in Chromium, and the library does the protocol with its own
validation on (discovery, PKCE, state, nonce, the ID token's signature
against Hydra's JWKS, iss, aud, exp), refreshes, reads userinfo (checking
its sub) and signs out through Hydra's end_session_endpoint.

tests/interop/node_rp.mjs is the relying party; this module runs it one
step at a time (JSON on stdin and stdout) and plays the person.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from ory_client.models import OAuth2Client
from playwright.sync_api import Page

from oryauth import ory
from tests.interop.conftest import SCOPES, assert_mapped_claims
from tests.interop.relying_party_origin import SITE, RelyingPartyOrigin, sign_in_and_consent, sign_out_through_end_session
from tests.support.kratos import TestIdentity
from tests.support.stack import HYDRA_PUBLIC, REPO

DRIVER = Path(__file__).with_name("node_rp.mjs")
PACKAGE = REPO / "tests" / "node" / "node_modules" / "openid-client" / "package.json"
VERSION = "6.9.0"


class LibraryRefused(Exception):
    """openid-client refused a step; `detail` is what it said (name, code, error)."""

    def __init__(self, detail: dict[str, Any]) -> None:
        super().__init__(json.dumps(detail))
        self.detail = detail


class OpenIdClient:
    """The Node relying party for one OAuth2 client."""

    def __init__(self, client: OAuth2Client) -> None:
        self.client = client

    def step(self, step: str, **fields: Any) -> dict[str, Any]:
        request = {
            "step": step, "issuer": f"{HYDRA_PUBLIC}/", "client_id": self.client.client_id,
            "client_secret": self.client.client_secret, **fields,
        }
        done = subprocess.run(["node", str(DRIVER)], input=json.dumps(request), capture_output=True, text=True, timeout=30)
        try:
            answer = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise AssertionError(f"node_rp.mjs {step} printed no JSON (exit {done.returncode}):\n{done.stdout}\n{done.stderr}") from None
        if done.returncode != 0:
            raise LibraryRefused(answer["error"])
        return answer


@pytest.fixture(scope="module")
def node_with_openid_client() -> None:
    """Node and the pinned openid-client must be there (make test installs
    them with tools/ensure-node-packages.sh): fail loudly, never skip."""
    if shutil.which("node") is None:
        pytest.fail("node is missing: install Node.js 20 or newer (make test needs it for tests/interop).", pytrace=False)
    if not PACKAGE.exists():
        pytest.fail(f"{PACKAGE.parent} is missing: run tools/ensure-node-packages.sh (make test does).", pytrace=False)
    installed = json.loads(PACKAGE.read_text())["version"]
    assert installed == VERSION, f"tests/node has openid-client {installed}, the README names {VERSION}"


@pytest.fixture
def openid_client(node_with_openid_client: None, oauth_client: OAuth2Client) -> OpenIdClient:
    return OpenIdClient(oauth_client)


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def authorize(rp: OpenIdClient, origin: RelyingPartyOrigin, **extra: str) -> dict[str, Any]:
    return rp.step("authorize", redirect_uri=origin.callback, scope=" ".join(SCOPES), extra=extra)


def signed_in(page: Page, rp: OpenIdClient, origin: RelyingPartyOrigin, person: TestIdentity, shot: str | None) -> tuple[dict[str, Any], str]:
    """The authorization request the library made and the callback URL the person brought back."""
    started = authorize(rp, origin)
    return started, sign_in_and_consent(page, origin, started["url"], person, shot=shot)


def exchange(rp: OpenIdClient, started: dict[str, Any], callback: str, **overrides: Any) -> dict[str, Any]:
    checks = {"code_verifier": started["code_verifier"], "state": started["state"], "nonce": started["nonce"]}
    return rp.step("callback", callback_url=callback, **{**checks, **overrides})


def silent_authorization_refused(page: Page, rp: OpenIdClient, origin: RelyingPartyOrigin) -> str:
    """The OAuth error the library reports for an authorization with prompt=none."""
    silent = authorize(rp, origin, prompt="none")
    back = origin.open_until_back(page, silent["url"], "/callback")
    with pytest.raises(LibraryRefused) as refused:
        exchange(rp, silent, back)
    return str(refused.value.detail["error"])


def test_openid_client_signs_in_refreshes_reads_userinfo_and_signs_out_through_end_session(
    page: Page, person: TestIdentity, openid_client: OpenIdClient, rp_origin: RelyingPartyOrigin, staff_edited_mappings: None,
) -> None:
    started, callback = signed_in(page, openid_client, rp_origin, person, shot="interop-openid-client")
    assert query_of(started["url"])["code_challenge_method"] == "S256"

    tokens = exchange(openid_client, started, callback)
    claims = tokens["claims"]  # validated by the library: signature, iss, aud, exp, iat, nonce
    assert claims["iss"] == f"{HYDRA_PUBLIC}/" and claims["aud"] == [openid_client.client.client_id]
    assert claims["nonce"] == started["nonce"]
    assert_mapped_claims(claims, person)
    assert tokens["refresh_token"] and set(tokens["scope"].split()) == set(SCOPES)

    refreshed = openid_client.step("refresh", refresh_token=tokens["refresh_token"])
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    assert refreshed["id_token"] != tokens["id_token"]
    assert_mapped_claims(refreshed["claims"], person)

    userinfo = openid_client.step("userinfo", access_token=refreshed["access_token"], expected_subject=person.id)
    assert_mapped_claims(userinfo, person)
    with pytest.raises(LibraryRefused) as foreign:  # the library's own sub check is on
        openid_client.step("userinfo", access_token=refreshed["access_token"], expected_subject="someone-else")
    assert foreign.value.detail["code"] == "OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED", foreign.value.detail

    # Signed in: a silent authorization (prompt=none) passes the login step
    # and stops at consent (not remembered), so the library hears consent_required.
    assert silent_authorization_refused(page, openid_client, rp_origin) == "consent_required"

    kratos_cookie = next(c["value"] for c in page.context.cookies(SITE) if c["name"] == "ory_kratos_session")
    logout_state = "interop-logout-state"
    end_session = openid_client.step(
        "end_session", id_token_hint=refreshed["id_token"], post_logout_redirect_uri=rp_origin.signed_out, state=logout_state,
    )
    assert end_session["url"].startswith(f"{HYDRA_PUBLIC}/oauth2/sessions/logout?")
    signed_out = sign_out_through_end_session(page, rp_origin, end_session["url"], shot="interop-openid-client")
    assert query_of(signed_out)["state"] == logout_state

    # Both sessions are gone: Kratos no longer knows the cookie, and the
    # silent authorization now stops at the login step.
    assert ory.whoami(cookie=f"ory_kratos_session={kratos_cookie}") is None
    assert silent_authorization_refused(page, openid_client, rp_origin) == "login_required"


@pytest.mark.parametrize(
    ("spoil", "code", "message"),
    [
        pytest.param({"state": "a state this browser never sent"}, "OAUTH_INVALID_RESPONSE",
                     'unexpected "state" response parameter value', id="foreign-state"),
        pytest.param({"nonce": "a nonce this browser never sent"}, "OAUTH_JWT_CLAIM_COMPARISON_FAILED",
                     'unexpected ID Token "nonce" claim value', id="wrong-nonce"),
        pytest.param({"tamper_id_token_signature": True}, "OAUTH_INVALID_RESPONSE",
                     "JWT signature verification failed", id="tampered-signature"),
    ],
)
def test_openid_client_refuses_a_callback_it_cannot_validate(
    page: Page, person: TestIdentity, openid_client: OpenIdClient, rp_origin: RelyingPartyOrigin, spoil: dict[str, Any],
    code: str, message: str, staff_edited_mappings: None,
) -> None:
    started, callback = signed_in(page, openid_client, rp_origin, person, shot=None)
    with pytest.raises(LibraryRefused) as refused:
        exchange(openid_client, started, callback, **spoil)
    said = refused.value.detail
    reason = said["cause"] or said  # the check that failed, under openid-client's summary
    assert (said["code"], reason["message"]) == (code, message), said
