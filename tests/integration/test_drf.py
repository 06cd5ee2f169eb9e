"""Django REST framework views protected by oryauth.drf, against the real stack."""
from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from oryauth.drf import HasScope, IsOryAuthenticated, OryAuthentication
from oryauth.resolution import OryCaller
from tests.integration.test_middleware import api_session_token, bearer, client_credentials_token, client_with_cookie, cookie_of
from tests.integration.test_middleware import empty_cache  # noqa: F401 (autouse: every test starts with an empty cache)
from tests.support.kratos import create_identity


class CallerView(APIView):
    authentication_classes = [OryAuthentication]
    permission_classes = [IsOryAuthenticated]
    renderer_classes = [JSONRenderer]

    def post(self, request: Request) -> Response:
        return self.get(request)

    def get(self, request: Request) -> Response:
        caller: OryCaller = request.auth
        user = request.user.get_username() if request.user.is_authenticated else None
        return Response({"user": user, "client_id": caller.client_id or None, "via": caller.via})


class PeopleOnlyView(CallerView):
    permission_classes = [IsAuthenticated]


class ReportsView(CallerView):
    permission_classes = [HasScope]
    required_scopes = ["reports:read"]


urlpatterns = [
    path("caller", CallerView.as_view()),
    path("people", PeopleOnlyView.as_view()),
    path("reports", ReportsView.as_view()),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def test_session_token_authenticates_the_person(client: Any) -> None:
    identity = create_identity()

    response = client.get("/caller", **bearer(api_session_token(identity)))

    assert response.status_code == 200
    # Usernames are the stable subject, never an address (no squatting).
    assert response.json() == {"user": identity.id, "client_id": None, "via": "session_token"}


def test_client_credentials_token_is_authenticated_but_not_a_person(client: Any) -> None:
    oauth_client, token = client_credentials_token(scope="read")

    assert client.get("/caller", **bearer(token)).json() == {"user": None, "client_id": oauth_client.client_id, "via": "access_token"}
    assert client.get("/people", **bearer(token)).status_code == 403


def test_no_credential_gets_a_401_with_a_bearer_challenge(client: Any) -> None:
    response = client.get("/caller")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_invalid_token_gets_a_401(client: Any) -> None:
    response = client.get("/caller", **bearer("ory_at_" + "A" * 43))

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")


def test_token_without_the_required_scope_gets_a_403_insufficient_scope(client: Any) -> None:
    _, token = client_credentials_token(scope="read")

    response = client.get("/reports", **bearer(token))

    assert response.status_code == 403
    assert response.json()["error"] == "insufficient_scope"
    assert response.json()["required_scopes"] == ["reports:read"]


def test_token_with_the_required_scope_is_let_in(client: Any) -> None:
    reporter, token = client_credentials_token(scope="reports:read", allowed="reports:read")

    response = client.get("/reports", **bearer(token))

    assert response.status_code == 200
    assert response.json()["client_id"] == reporter.client_id


def test_cookie_callers_need_a_csrf_token_for_unsafe_methods() -> None:
    identity = create_identity()
    browser = client_with_cookie(cookie_of(identity))
    browser.handler.enforce_csrf_checks = True

    assert browser.get("/caller").status_code == 200
    assert browser.post("/caller").status_code == 403
    api_client = Client(enforce_csrf_checks=True)
    assert api_client.post("/caller", **bearer(api_session_token(identity))).status_code == 200
