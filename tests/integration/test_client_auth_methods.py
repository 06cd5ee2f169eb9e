"""Each token-endpoint auth method against a Hydra client registered with it,
and the explanations a misconfigured site gets instead of a bare error."""
from __future__ import annotations


import pytest
import requests
from django.test import Client

from oryauth import hydra_clients
from oryauth.client.models import RelyingPartyTokens
from tests.support.relying_party import (
    REDIRECT_URI,
    AdminApiPortal,
    client_settings,
    follow_through_hydra,
    local_path,
    registered_client,
    sign_in,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post", "none"])
def test_sign_in_works_with_each_token_endpoint_auth_method(client: Client, settings, method: str) -> None:  # noqa: ANN001
    # The secret has a space, a colon, a slash and a percent sign: client_secret_basic
    # must form-encode it before base64 (RFC 6749 2.3.1) or Hydra would refuse it.
    with registered_client(method) as hydra_client:
        settings.ORYAUTH = client_settings(hydra_client, secret="" if method == "none" else None)

        _, response = sign_in(client, requests.Session(), AdminApiPortal(), start="/auth/login?next=/protected/")

    assert response.status_code == 302, response.content.decode()[:500]
    assert response["Location"] == "/protected/"
    assert RelyingPartyTokens.objects.get().access_token


@pytest.mark.parametrize(
    ("registered", "sent"),
    [
        ("client_secret_basic", "client_secret_post"),
        ("client_secret_post", "client_secret_basic"),
        ("none", "client_secret_basic"),
    ],
)
def test_a_mismatched_auth_method_explains_which_setting_to_change(
    client: Client, settings, registered: str, sent: str  # noqa: ANN001
) -> None:
    with registered_client(registered) as hydra_client:
        settings.ORYAUTH = client_settings(hydra_client, auth_method=sent, secret="a-test-secret with spaces:colons/and%percent")

        _, response = sign_in(client, requests.Session(), AdminApiPortal())

    assert response.status_code == 502
    body = response.content.decode()
    assert "This site&#x27;s sign-in is misconfigured" in body
    assert f"registered in Hydra for {registered} but this site sends {sent}" in body
    assert f"set ORYAUTH[&#x27;CLIENT_AUTH_METHOD&#x27;] = &#x27;{registered}&#x27;" in body
    assert "_auth_user_id" not in client.session


def test_a_wrong_client_secret_points_at_the_secret_setting(client: Client, settings) -> None:  # noqa: ANN001
    with registered_client("client_secret_basic") as hydra_client:
        settings.ORYAUTH = client_settings(hydra_client, secret="not-the-secret")

        _, response = sign_in(client, requests.Session(), AdminApiPortal())

    assert response.status_code == 502
    assert "ORYAUTH[&#x27;CLIENT_SECRET&#x27;]" in response.content.decode()


def test_a_redirect_uri_changed_mid_sign_in_points_at_the_redirect_setting(client: Client, settings) -> None:  # noqa: ANN001
    """The code was issued for one redirect URI; the site redeems it with another."""
    with registered_client("client_secret_basic") as hydra_client:
        hydra_client.redirect_uris = [*hydra_client.redirect_uris, "http://127.0.0.1:8000/auth/callback/"]
        hydra_clients.create_or_replace_client(hydra_client)
        settings.ORYAUTH = client_settings(hydra_client)
        started = client.get("/auth/login")
        settings.ORYAUTH = client_settings(hydra_client, CLIENT_REDIRECT_URI="http://127.0.0.1:8000/auth/callback/")
        callback_url = follow_through_hydra(requests.Session(), started["Location"], AdminApiPortal(), stop_at=REDIRECT_URI)
        response = client.get(local_path(callback_url))

    assert response.status_code == 502
    assert "ORYAUTH[&#x27;CLIENT_REDIRECT_URI&#x27;]" in response.content.decode()
