"""The relying party's pages for bad callbacks and an unreachable Hydra, and
the system checks on its settings (no network: Ory is stubbed at
`oryauth.ory` where needed)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import checks
from django.test import Client, override_settings

from oryauth import ory
from oryauth.client.discovery import forget_cached_metadata
from oryauth.errors import OryUnavailable

pytestmark = pytest.mark.django_db


def test_a_callback_without_state_is_refused_with_a_page(client: Client) -> None:
    response = client.get("/auth/callback", {"code": "abc"})
    assert response.status_code == 400
    assert b"This sign-in link is no longer valid" in response.content
    assert b'href="/auth/login"' in response.content


def test_a_callback_error_from_hydra_is_a_page_not_an_exception(client: Client) -> None:
    response = client.get("/auth/callback", {"error": "invalid_scope", "error_description": "<script>alert(1)</script>"})
    assert response.status_code == 400
    assert b"Sign-in could not be completed" in response.content
    assert b"<script>" not in response.content  # escaped
    assert "_auth_user_id" not in client.session


def test_starting_while_hydra_is_down_shows_the_retry_page(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(service: str, path: str) -> None:
        raise OryUnavailable(service, "connection refused (is the server running?)")

    forget_cached_metadata()
    monkeypatch.setattr(ory, "get_json", unreachable)
    response = client.get("/auth/login", {"next": "/protected/"})
    assert response.status_code == 503
    assert b"Try again" in response.content


def test_logout_needs_post_to_sign_out(client: Client) -> None:
    assert client.get("/auth/logout").status_code == 200
    assert client.put("/auth/logout").status_code == 405


def test_logout_of_a_site_only_user_goes_to_the_post_logout_page(client: Client, django_user_model) -> None:  # noqa: ANN001
    client.force_login(django_user_model.objects.create(username="local"))
    response = client.post("/auth/logout")
    assert response.status_code == 302 and response["Location"] == "http://127.0.0.1:8000/auth/logged-out"
    assert "_auth_user_id" not in client.session


def test_the_post_logout_page_treats_a_non_ascii_state_as_foreign(client: Client) -> None:
    session = client.session
    session["oryauth_client_logout_state"] = "sent-by-this-site"
    session.save()
    response = client.get("/auth/logged-out", {"state": "é"})
    assert response.status_code == 302
    assert "oryauth_client_logout_state" not in client.session


def relying_party_check_ids(**oryauth: object) -> list[str]:
    with override_settings(ORYAUTH=oryauth):
        return sorted(m.id for m in checks.run_checks() if m.id and m.id.startswith("oryauth.E01"))


@pytest.mark.parametrize(
    ("oryauth", "expected"),
    [
        ({"CLIENT_AUTH_METHOD": "private_key_jwt"}, ["oryauth.E010"]),
        ({"CLIENT_ID": "site", "CLIENT_AUTH_METHOD": "client_secret_post", "CLIENT_SECRET": ""}, ["oryauth.E011"]),
        ({"CLIENT_ID_TOKEN_ALGORITHMS": ["RS256", "HS256"]}, ["oryauth.E012"]),
        ({"CLIENT_ID_TOKEN_ALGORITHMS": ["none"]}, ["oryauth.E012"]),
        ({"CLIENT_AUTH_METHOD": "none", "CLIENT_USE_PKCE": False}, ["oryauth.E013"]),
        ({"CLIENT_REDIRECT_URI": "127.0.0.1:8000/auth/callback"}, ["oryauth.E014"]),
        ({"CLIENT_ID": "site", "CLIENT_SECRET": "s", "CLIENT_REDIRECT_URI": "http://127.0.0.1:8000/auth/callback"}, []),
    ],
)
def test_relying_party_settings_are_checked(oryauth: dict, expected: list[str]) -> None:
    assert relying_party_check_ids(**oryauth) == expected


def test_hydra_down_at_the_code_exchange_keeps_the_sign_in_for_a_retry(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    discovery_document = {
        "issuer": "http://127.0.0.1:4444/",
        "authorization_endpoint": "http://127.0.0.1:4444/oauth2/auth",
        "token_endpoint": "http://127.0.0.1:4444/oauth2/token",
        "jwks_uri": "http://127.0.0.1:4444/.well-known/jwks.json",
    }

    def token_endpoint_down(service: str, method: str, path: str, **kwargs: object) -> None:
        raise OryUnavailable(service, "no answer within the timeout")

    forget_cached_metadata()
    monkeypatch.setattr(ory, "get_json", lambda service, path: discovery_document)
    monkeypatch.setattr(ory, "call_oauth2_endpoint", token_endpoint_down)
    state = parse_qs(urlsplit(client.get("/auth/login")["Location"]).query)["state"][0]

    response = client.get("/auth/callback", {"code": "ory_ac_x", "state": state})

    assert response.status_code == 503
    assert f"/auth/callback?code=ory_ac_x&amp;state={state}".encode() in response.content  # "Try again"
    assert state in client.session["oryauth_client_pending"]
    forget_cached_metadata()
