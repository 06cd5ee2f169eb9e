"""A valid access token for the signed-in user: refreshed at the real Hydra
shortly before expiry, once under concurrent use, and a failed refresh logs
the user out of the site."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.utils import timezone

from oryauth import ory
from oryauth.client import flow
from oryauth.client.models import RelyingPartyTokens
from tests.support.relying_party import AdminApiPortal, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client: Client) -> HttpRequest:
    """A request of a browser that signed in through Hydra."""
    sign_in(client, requests.Session(), AdminApiPortal())
    request = RequestFactory().get("/protected/")
    request.session = client.session
    request.user = get_user_model().objects.get(pk=client.session["_auth_user_id"])
    return request


def expire_access_token(request: HttpRequest) -> RelyingPartyTokens:
    tokens = flow.stored_tokens(request)
    assert tokens is not None
    tokens.expires_at = timezone.now() - timedelta(seconds=1)
    tokens.save(update_fields=["expires_at"])
    return tokens


def test_a_fresh_access_token_is_returned_as_is(signed_in: HttpRequest) -> None:
    tokens = flow.stored_tokens(signed_in)
    assert flow.access_token_for(signed_in) == tokens.access_token


def test_an_expired_access_token_is_refreshed_at_hydra(signed_in: HttpRequest) -> None:
    before = expire_access_token(signed_in)

    fresh = flow.access_token_for(signed_in)

    after = RelyingPartyTokens.objects.get(pk=before.pk)
    assert fresh == after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # Hydra rotates refresh tokens
    assert after.expires_at > timezone.now() + timedelta(minutes=30)
    assert after.refreshed_at is not None
    assert ory.hydra_admin().introspect_o_auth2_token(fresh).active


def test_parallel_requests_with_an_expired_token_refresh_it_once(
    signed_in: HttpRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = expire_access_token(signed_in)
    refreshes: list[str] = []
    real_refresh = flow.refresh_tokens

    def counted_refresh(refresh_token: str) -> Any:
        refreshes.append(refresh_token)
        return real_refresh(refresh_token)

    monkeypatch.setattr(flow, "refresh_tokens", counted_refresh)
    workers = 8
    start_together = threading.Barrier(workers)
    # The test database lives inside this test's transaction: let the worker
    # threads use this thread's connection (as Django's live server does).
    connection = connections["default"]
    connection.inc_thread_sharing()

    def one_request(_: int) -> str:
        connections["default"] = connection
        start_together.wait(timeout=10)
        return flow.refresh_stored_tokens(before.pk).access_token

    try:
        with ThreadPoolExecutor(workers) as pool:
            results = list(pool.map(one_request, range(workers)))
    finally:
        connection.dec_thread_sharing()

    assert refreshes == [before.refresh_token]  # once, with the original refresh token
    assert len(set(results)) == 1 and results[0] != before.access_token
    # Had the refresh token been used twice, Hydra would have revoked the chain.
    assert ory.hydra_admin().introspect_o_auth2_token(results[0]).active


def test_a_failed_refresh_logs_the_user_out_of_the_site(signed_in: HttpRequest) -> None:
    tokens = expire_access_token(signed_in)
    tokens.refresh_token = "ory_rt_not-a-real-refresh-token"
    tokens.save(update_fields=["refresh_token"])

    assert flow.access_token_for(signed_in) is None

    assert isinstance(signed_in.user, AnonymousUser)
    assert "_auth_user_id" not in signed_in.session
    assert not RelyingPartyTokens.objects.filter(pk=tokens.pk).exists()


def test_a_user_who_did_not_sign_in_through_hydra_has_no_access_token(client: Client) -> None:
    user = get_user_model().objects.create(username="local@example.org")
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = user
    assert flow.access_token_for(request) is None


def test_the_protected_page_sends_a_user_whose_refresh_failed_to_sign_in_again(client: Client) -> None:
    sign_in(client, requests.Session(), AdminApiPortal())
    tokens = RelyingPartyTokens.objects.get()
    RelyingPartyTokens.objects.filter(pk=tokens.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1), refresh_token="ory_rt_revoked-or-unknown"
    )

    response = client.get("/protected/")

    assert response.status_code == 302 and response["Location"] == "/auth/login?next=/protected/"
    assert "_auth_user_id" not in client.session


def test_the_protected_page_refreshes_an_expiring_token_and_stays(client: Client) -> None:
    sign_in(client, requests.Session(), AdminApiPortal())
    tokens = RelyingPartyTokens.objects.get()
    RelyingPartyTokens.objects.filter(pk=tokens.pk).update(expires_at=timezone.now() + timedelta(seconds=10))

    assert client.get("/protected/").status_code == 200
    assert RelyingPartyTokens.objects.get().access_token != tokens.access_token
