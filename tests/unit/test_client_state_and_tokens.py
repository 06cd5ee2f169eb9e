"""Relying-party building blocks without network: pending sign-ins in the
session, safe `next`, PKCE, client authentication and token-error wording."""
from __future__ import annotations

import base64
import time
from urllib.parse import unquote_plus

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import RequestFactory

from oryauth.client import discovery
from oryauth.client import state as pending_logins
from oryauth.client.flow import passthrough_parameters
from oryauth.client.state import PendingLogin, begin_login, take_pending_login
from oryauth.redirects import safe_next_url
from oryauth.client.tokens import TokenResponse, client_credentials, explain_token_error
from oryauth.errors import OryRejected

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_with_session():  # noqa: ANN201
    request = RequestFactory().get("/auth/login", HTTP_HOST="127.0.0.1:8000")
    request.session = SessionStore()
    return request


def test_pkce_challenge_matches_the_rfc_7636_example() -> None:
    pending = PendingLogin(state="s", nonce="n", code_verifier="dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk", next_url="/", started_at=0)
    assert pending.code_challenge == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_a_pending_sign_in_can_be_taken_once(request_with_session) -> None:  # noqa: ANN001
    pending = begin_login(request_with_session, "/protected/")

    assert take_pending_login(request_with_session, pending.state) == pending
    assert take_pending_login(request_with_session, pending.state) is None


def test_unknown_or_missing_state_finds_nothing(request_with_session) -> None:  # noqa: ANN001
    begin_login(request_with_session, "/")
    assert take_pending_login(request_with_session, "made-up") is None
    assert take_pending_login(request_with_session, None) is None


def test_expired_pending_sign_ins_are_dropped(request_with_session, settings, monkeypatch) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_PENDING_LOGIN_TTL": 60}
    pending = begin_login(request_with_session, "/")
    later = time.time() + 61
    monkeypatch.setattr(pending_logins.time, "time", lambda: later)
    assert take_pending_login(request_with_session, pending.state) is None


def test_only_the_newest_few_pending_sign_ins_are_kept(request_with_session) -> None:  # noqa: ANN001
    started = [begin_login(request_with_session, f"/{n}/") for n in range(pending_logins.MAX_PENDING + 2)]
    assert len(request_with_session.session[pending_logins.SESSION_KEY]) == pending_logins.MAX_PENDING
    assert take_pending_login(request_with_session, started[0].state) is None
    assert take_pending_login(request_with_session, started[-1].state).next_url == f"/{len(started) - 1}/"


def test_pkce_can_be_turned_off(request_with_session, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_USE_PKCE": False}
    assert begin_login(request_with_session, "/").code_verifier == ""


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/protected/?tab=1", "/protected/?tab=1"),
        ("http://127.0.0.1:8000/protected/", "http://127.0.0.1:8000/protected/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_next_must_stay_on_this_site(request_with_session, candidate: str | None, expected: str) -> None:  # noqa: ANN001
    assert safe_next_url(request_with_session, candidate) == expected


def test_only_well_formed_authorization_parameters_pass_through() -> None:
    given = {"prompt": "login consent", "max_age": "300", "login_hint": "ada@example.org", "acr_values": "aal2", "scope": "admin"}
    assert passthrough_parameters(given) == {k: v for k, v in given.items() if k != "scope"}
    assert passthrough_parameters({"prompt": "steal", "max_age": "-1", "login_hint": "x" * 300}) == {}


def test_client_secret_basic_form_encodes_before_base64(settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_ID": "my client", "CLIENT_SECRET": "p:ss%w rd", "CLIENT_AUTH_METHOD": "client_secret_basic"}
    form, headers = client_credentials({"grant_type": "authorization_code"})
    assert form == {"grant_type": "authorization_code"}
    user, secret = base64.b64decode(headers["Authorization"].removeprefix("Basic ")).decode().split(":")
    assert (user, secret) == ("my+client", "p%3Ass%25w+rd")
    assert (unquote_plus(user), unquote_plus(secret)) == ("my client", "p:ss%w rd")


@pytest.mark.parametrize(
    ("method", "expected_form", "has_header"),
    [
        ("client_secret_post", {"client_id": "site", "client_secret": "s3cret"}, False),
        ("none", {"client_id": "site"}, False),
    ],
)
def test_other_auth_methods_put_credentials_in_the_form(settings, method: str, expected_form: dict, has_header: bool) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_ID": "site", "CLIENT_SECRET": "s3cret", "CLIENT_AUTH_METHOD": method}
    form, headers = client_credentials({})
    assert form == expected_form
    assert ("Authorization" in headers) is has_header


def hydra_refusal(error: str, description: str, status: int = 401) -> OryRejected:
    return OryRejected("Hydra public", status, error_id=error, message=description)


def test_a_method_mismatch_names_both_methods_and_the_setting() -> None:
    exc = explain_token_error(hydra_refusal(
        "invalid_client",
        "Client authentication failed. The OAuth 2.0 Client supports client authentication method 'client_secret_basic', "
        "but method 'client_secret_post' was requested.",
    ))
    assert exc.misconfigured
    assert "registered in Hydra for client_secret_basic but this site sends client_secret_post" in exc.explanation
    assert "ORYAUTH['CLIENT_AUTH_METHOD'] = 'client_secret_basic'" in exc.explanation


def test_a_reused_code_is_the_users_problem_not_a_misconfiguration() -> None:
    exc = explain_token_error(hydra_refusal("invalid_grant", "The authorization code has already been used.", 400))
    assert not exc.misconfigured
    assert "sign in again" in exc.explanation


def test_a_redirect_uri_mismatch_points_at_the_redirect_setting() -> None:
    exc = explain_token_error(hydra_refusal("invalid_grant", "The 'redirect_uri' from this request does not match the one from the authorize request.", 400))
    assert exc.misconfigured and "CLIENT_REDIRECT_URI" in exc.explanation


def test_a_token_response_never_shows_its_tokens() -> None:
    response = TokenResponse.from_json({"access_token": "ory_at_SECRET", "refresh_token": "ory_rt_SECRET", "id_token": "eyJ.SECRET.x", "expires_in": 3599})
    assert "SECRET" not in repr(response)
    assert response.expires_in == 3599


@pytest.mark.parametrize("max_age", ["²", "٣", "9" * 5000, "1" * 19, " 5", "5 "], ids=repr)  # Hydra reads up to 18 digits
def test_a_max_age_that_int_cannot_read_or_that_is_absurd_is_dropped(max_age: str) -> None:
    """str.isdigit() lets "²" and 5000 digits through, and the start view now
    reads max_age with int() (for the auth_time check), which raises on them."""
    assert "max_age" not in passthrough_parameters({"max_age": max_age})


def test_the_start_view_remembers_max_age_with_the_pending_sign_in(client, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "HYDRA_PUBLIC_URL": "http://127.0.0.1:9"}  # never reached: discovery is cached below
    cache.set(discovery.cache_key("discovery"), {
        "issuer": "http://127.0.0.1:9/", "authorization_endpoint": "http://127.0.0.1:9/oauth2/auth",
        "token_endpoint": "http://127.0.0.1:9/oauth2/token", "jwks_uri": "http://127.0.0.1:9/jwks",
    })
    response = client.get("/auth/login", {"max_age": "60"})
    assert response.status_code == 302 and "max_age=60" in response["Location"]
    (record,) = client.session[pending_logins.SESSION_KEY].values()
    assert record["max_age"] == 60
    assert client.get("/auth/login", {"max_age": "²"}).status_code == 302
