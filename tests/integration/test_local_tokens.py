"""The zero-round-trip mode against the real stack: a JWT access token
Hydra issued to a client with `access_token_strategy: jwt`, and a session
Kratos tokenized with the `api` template of deploy/ory/kratos.yml, are
resolved without a single call to Hydra or Kratos once the keys are cached
(every call through `oryauth.ory` is counted)."""
from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from oryauth import caller_cache, ory
from oryauth.decorators import scope_required
from oryauth.local_tokens import hydra_keys
from tests.integration.test_middleware import (
    API_AUDIENCE,
    api_session_token,
    authorization_code_tokens,
    bearer,
    client_credentials_token,
    me,
)
from tests.support.kratos import TestIdentity as KratosIdentity
from tests.support.kratos import create_identity
from tests.support.stack import HYDRA_PUBLIC, KRATOS_PUBLIC

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
# The public half of the dev-only pair kratos.yml's `api` template signs with.
SESSION_JWKS = REPO / "deploy" / "ory" / "dev-only-keys" / "session-tokenizer.public.jwks.json"
LOCAL_MODE = {
    "JWT_ACCESS_TOKENS": True,
    "SESSION_JWT_JWKS_FILE": str(SESSION_JWKS),
    "ACCESS_TOKEN_AUDIENCE": [API_AUDIENCE],
}


def tokenized_session(session_token: str, template: str = "api") -> str:
    """Kratos's short-lived JWT for a session (`/sessions/whoami?tokenize_as=`)."""
    answer = requests.get(
        f"{KRATOS_PUBLIC}/sessions/whoami", params={"tokenize_as": template}, headers={"X-Session-Token": session_token}, timeout=5
    )
    answer.raise_for_status()
    return str(answer.json()["tokenized"])


class OryCalls(Counter[str]):
    """Every call oryauth makes through its Ory boundary, by function."""

    def install(self, monkeypatch: pytest.MonkeyPatch) -> OryCalls:
        for name in ("get_json", "whoami", "hydra_admin", "hydra_public", "kratos_identities", "kratos_frontend"):
            monkeypatch.setattr(ory, name, self._counted(name, getattr(ory, name)))
        return self

    def _counted(self, name: str, real: Any) -> Any:
        @functools.wraps(real)
        def counted(*args: Any, **kwargs: Any) -> Any:
            self[name] += 1
            return real(*args, **kwargs)

        return counted


@pytest.fixture
def ory_calls(monkeypatch: pytest.MonkeyPatch) -> OryCalls:
    return OryCalls().install(monkeypatch)


@pytest.fixture(autouse=True)
def local_mode() -> Iterator[None]:
    caches["default"].clear()
    caller_cache._own_answers.clear()
    with override_settings(ORYAUTH=LOCAL_MODE):
        yield
    caches["default"].clear()


@pytest.fixture
def identity() -> KratosIdentity:
    return create_identity(first_name="Katherine", last_name="Johnson")


def test_hydra_issues_a_jwt_to_a_client_with_the_jwt_strategy() -> None:
    _, token = client_credentials_token(scope="read", access_token_strategy="jwt")
    assert token.startswith("eyJ") and token.count(".") == 2


def test_a_real_jwt_access_token_of_a_machine_costs_no_call_once_hydras_keys_are_cached(ory_calls: OryCalls) -> None:
    client, first = client_credentials_token(scope="read", access_token_strategy="jwt")
    fresh = [client_credentials_token(scope="read", access_token_strategy="jwt")[1] for _ in range(5)]
    ory_calls.clear()  # the test's own calls (creating clients at Hydra's admin API)
    assert me(**bearer(first)).status_code == 200
    assert ory_calls == {"get_json": 1}  # Hydra's JWKS, once
    ory_calls.clear()

    for token in fresh:  # new tokens: new credentials
        body = me(**bearer(token)).json()
        assert body["authenticated_via"] == "access_token" and body["scopes"] == ["read"]

    assert ory_calls == {}
    assert body["client_id"] != client.client_id  # each token its own client


def test_a_real_jwt_access_token_of_a_person_is_their_user_with_no_call(identity: KratosIdentity, ory_calls: OryCalls) -> None:
    first = authorization_code_tokens(identity, access_token_strategy="jwt")
    response = me(**bearer(first["access_token"]))
    assert response.status_code == 200, response.content
    assert response.json()["user"]["email"] == identity.email  # provisions the person
    ory_calls.clear()

    tokens = authorization_code_tokens(identity, access_token_strategy="jwt")
    ory_calls.clear()  # the test's own calls (the client, the challenges)
    body = me(**bearer(tokens["access_token"])).json()

    assert body["identity_id"] == identity.id
    assert body["user"]["email"] == identity.email
    assert body["scopes"] == ["offline_access", "openid", "read"]
    assert body["client_id"] == tokens["client"].client_id
    assert ory_calls == {}


def test_a_real_tokenized_session_is_the_person_with_no_call_to_kratos(identity: KratosIdentity, ory_calls: OryCalls) -> None:
    session_token = api_session_token(identity)
    assert me(**bearer(tokenized_session(session_token))).json()["user"]["email"] == identity.email  # provisions
    ory_calls.clear()

    token = tokenized_session(session_token)
    body = me(**bearer(token)).json()
    by_header = me(HTTP_X_SESSION_TOKEN=tokenized_session(session_token)).json()

    assert body["authenticated_via"] == by_header["authenticated_via"] == "session_token"
    assert body["identity_id"] == by_header["identity_id"] == identity.id
    assert body["aal"] == "aal1"  # from the template's claims mapper
    assert ory_calls == {}


def test_a_jwt_access_token_revoked_at_hydra_is_still_accepted_locally_but_not_where_hydra_is_asked(identity: KratosIdentity) -> None:
    client, token = client_credentials_token(scope="read", access_token_strategy="jwt")
    requests.post(f"{HYDRA_PUBLIC}/oauth2/revoke", data={"token": token}, auth=(client.client_id, client.client_secret), timeout=5).raise_for_status()

    def sensitive(request: HttpRequest) -> HttpResponse:
        return HttpResponse("ok")

    # The trade-off, documented: the signature is still good until the token expires...
    assert me(**bearer(token)).status_code == 200
    # ...so views that must see revocations introspect.
    answer = scope_required("read", introspect=True)(sensitive)(RequestFactory().get("/", **bearer(token)))
    assert answer.status_code == 401


def test_with_the_mode_off_a_jwt_access_token_is_introspected(ory_calls: OryCalls) -> None:
    _, token = client_credentials_token(scope="read", access_token_strategy="jwt")
    ory_calls.clear()
    with override_settings(ORYAUTH={**LOCAL_MODE, "JWT_ACCESS_TOKENS": False}):
        assert me(**bearer(token)).status_code == 200
    assert ory_calls == {"hydra_admin": 1}


def test_hydras_real_keys_are_cached_in_the_configured_cache() -> None:
    _, token = client_credentials_token(scope="read", access_token_strategy="jwt")
    me(**bearer(token))

    cached = caches["default"].get(hydra_keys().cache_key)
    assert {key["kid"] for key in cached["keys"]} == {
        key["kid"] for key in requests.get(f"{HYDRA_PUBLIC}/.well-known/jwks.json", timeout=5).json()["keys"]
    }
