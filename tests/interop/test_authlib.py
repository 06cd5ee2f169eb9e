"""Authlib's Django OpenID Connect client as a relying party of the
provider: a person signs in through the portal and consents in Chromium,
and Authlib does the protocol with its own validation on: discovery, PKCE,
state and nonce kept in the Django session, the ID token's signature against
Hydra's JWKS, iss, aud, exp, iat, nonce and at_hash; then it refreshes,
reads userinfo and builds the end_session_endpoint logout, whose returning
state it checks.

The test plays a Django site's two views (start and callback) with requests
from Django's RequestFactory sharing one session, as a browser's cookie would.
"""
from __future__ import annotations

import json
import re
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory
from joserfc.errors import BadSignatureError, InvalidClaimError
from ory_client.models import OAuth2Client
from playwright.sync_api import Page

from oryauth import ory
from tests.interop.conftest import SCOPES, assert_mapped_claims
from tests.interop.relying_party_origin import SITE, RelyingPartyOrigin, sign_in_and_consent, sign_out_through_end_session
from tests.support.kratos import TestIdentity
from tests.support.stack import HYDRA_PUBLIC

VERSION = "1.9.6"
NAME = "oryauth"


def flip_id_token_signature(response: requests.Response) -> requests.Response:
    """A token response whose ID token signature lost one byte on the way
    (Authlib's compliance hook sees the response before it parses it)."""
    body = response.json()
    if "id_token" in body:
        header, payload, signature = body["id_token"].split(".")
        body["id_token"] = ".".join([header, payload, ("B" if signature[0] == "A" else "A") + signature[1:]])
        response._content = json.dumps(body).encode()
    return response


class AuthlibSite:
    """A Django site signing people in with Authlib's Django client, for one browser."""

    def __init__(self, client: OAuth2Client, origin: RelyingPartyOrigin, *, tamper_id_token_signature: bool = False) -> None:
        def compliance_fix(session: Any) -> None:
            if tamper_id_token_signature:
                session.register_compliance_hook("access_token_response", flip_id_token_signature)

        self.origin = origin
        self.app: DjangoOAuth2App = OAuth().register(
            NAME, client_id=client.client_id, client_secret=client.client_secret,
            server_metadata_url=f"{HYDRA_PUBLIC}/.well-known/openid-configuration",
            client_kwargs={"scope": " ".join(SCOPES), "code_challenge_method": "S256",
                           "token_endpoint_auth_method": "client_secret_basic"},
            compliance_fix=compliance_fix,
        )
        self.session = SessionStore()  # the browser's Django session

    def request(self, url: str = "/") -> HttpRequest:
        parts = urlsplit(url)
        request = RequestFactory().get(parts.path + (f"?{parts.query}" if parts.query else ""))
        request.session = self.session
        return request

    def authorization_url(self, **params: str) -> str:
        """The start view: Authlib keeps state, nonce and code verifier in the session."""
        return self.app.authorize_redirect(self.request(), self.origin.callback, **params).url

    def callback(self, url: str) -> dict[str, Any]:
        """The callback view: Authlib checks the state, exchanges the code and
        validates the ID token (its claims end up in token["userinfo"])."""
        return dict(self.app.authorize_access_token(self.request(url)))

    def pending_state_keys(self) -> list[str]:
        """The session keys under which Authlib keeps authorizations under way."""
        return [key for key in self.session.keys() if key.startswith(f"_state_{NAME}_")]  # noqa: SIM118 (a session has no __iter__)

    def pending_state_key(self) -> str:
        [key] = self.pending_state_keys()
        return key

    def pending_state_data(self) -> dict[str, Any]:
        return self.session[self.pending_state_key()]["data"]


@pytest.fixture(scope="module", autouse=True)
def _authlib_pinned() -> None:
    assert version("authlib") == VERSION, f"requirements.txt has Authlib {version('authlib')}, the README names {VERSION}"


def silent_authorization_refused(page: Page, site: AuthlibSite) -> str:
    """The OAuth error Authlib raises for an authorization with prompt=none."""
    back = site.origin.open_until_back(page, site.authorization_url(prompt="none"), "/callback")
    with pytest.raises(OAuthError) as refused:
        site.callback(back)
    return str(refused.value.error)


def test_authlib_signs_in_refreshes_reads_userinfo_and_signs_out_through_end_session(
    page: Page, person: TestIdentity, oauth_client: OAuth2Client, rp_origin: RelyingPartyOrigin, staff_edited_mappings: None,
) -> None:
    site = AuthlibSite(oauth_client, rp_origin)
    authorization_url = site.authorization_url()
    nonce = site.pending_state_data()["nonce"]
    callback = sign_in_and_consent(page, rp_origin, authorization_url, person, shot="interop-authlib")

    tokens = site.callback(callback)
    claims = tokens["userinfo"]  # validated by Authlib: signature, iss, aud, exp, iat, nonce, at_hash
    assert claims["iss"] == f"{HYDRA_PUBLIC}/" and claims["aud"] == [oauth_client.client_id]
    assert claims["nonce"] == nonce
    assert_mapped_claims(claims, person)
    assert site.pending_state_keys() == [], "Authlib kept a spent state"

    refreshed = dict(site.app.fetch_access_token(grant_type="refresh_token", refresh_token=tokens["refresh_token"]))
    assert refreshed["access_token"] != tokens["access_token"]
    assert refreshed["refresh_token"] != tokens["refresh_token"]
    refreshed_claims = site.app.parse_id_token(refreshed, nonce=nonce)
    assert refreshed_claims["auth_time"] == claims["auth_time"]
    assert_mapped_claims(refreshed_claims, person)

    userinfo = site.app.userinfo(token=refreshed)
    assert_mapped_claims(userinfo, person)

    # Signed in: a silent authorization passes the login step and stops at
    # consent (not remembered).
    assert silent_authorization_refused(page, site) == "consent_required"

    kratos_cookie = next(c["value"] for c in page.context.cookies(SITE) if c["name"] == "ory_kratos_session")
    logout = site.app.logout_redirect(site.request(), post_logout_redirect_uri=rp_origin.signed_out, id_token_hint=refreshed["id_token"])
    assert logout.url.startswith(f"{HYDRA_PUBLIC}/oauth2/sessions/logout?")
    signed_out = sign_out_through_end_session(page, rp_origin, logout.url, shot="interop-authlib")
    # Authlib's check of the state Hydra brought back to the post-logout URI.
    assert site.app.validate_logout_response(site.request(signed_out)) == {"post_logout_redirect_uri": rp_origin.signed_out}

    # Both sessions are gone: Kratos no longer knows the cookie, and the
    # silent authorization now stops at the login step.
    assert ory.whoami(cookie=f"ory_kratos_session={kratos_cookie}") is None
    assert silent_authorization_refused(page, site) == "login_required"


def spoil_state(site: AuthlibSite, callback: str) -> str:
    """A callback carrying a state this browser's session never issued."""
    parts = urlsplit(callback)
    query = {**dict(parse_qsl(parts.query)), "state": "a-state-this-browser-never-sent"}
    return urlunsplit(parts._replace(query=urlencode(query)))


def spoil_nonce(site: AuthlibSite, callback: str) -> str:
    """The session expects another nonce (say, another tab's sign-in)."""
    key = site.pending_state_key()
    site.session[key] = {**site.session[key], "data": {**site.pending_state_data(), "nonce": "a-nonce-this-browser-never-sent"}}
    return callback


@pytest.mark.parametrize(
    ("spoil", "tamper", "refusal", "reason"),
    [
        pytest.param(spoil_state, False, MismatchingStateError, "mismatching_state", id="foreign-state"),
        pytest.param(spoil_nonce, False, InvalidClaimError, "Invalid claim: 'nonce'", id="wrong-nonce"),
        pytest.param(lambda site, callback: callback, True, BadSignatureError, "bad_signature", id="tampered-signature"),
    ],
)
def test_authlib_refuses_a_callback_it_cannot_validate(
    page: Page, person: TestIdentity, oauth_client: OAuth2Client, rp_origin: RelyingPartyOrigin, spoil: Any, tamper: bool,
    refusal: type[Exception], reason: str, staff_edited_mappings: None,
) -> None:
    site = AuthlibSite(oauth_client, rp_origin, tamper_id_token_signature=tamper)
    callback = sign_in_and_consent(page, rp_origin, site.authorization_url(), person, shot=None)
    with pytest.raises(refusal, match=re.escape(reason)):
        site.callback(spoil(site, callback))
