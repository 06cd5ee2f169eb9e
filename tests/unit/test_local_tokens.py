"""The zero-round-trip mode: Hydra's JWT access tokens and Kratos's
tokenized sessions verified in the Django process, with keys generated here
and Ory stubbed at the `oryauth.ory` boundary (every call counted, no network)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory

from oryauth import caller_cache, jwks, local_tokens, ory
from oryauth.decorators import scope_required
from oryauth.errors import OryUnavailable
from oryauth.local_token_checks import check_local_token_settings
from oryauth.models import IdentityLink
from oryauth.resolution import forget_user_everywhere
from tests.factories import UserFactory
from tests.support.fake_hydra import ISSUER, RSA_KEY, FakeHydra, hydra, pem_of, public_jwk, sign  # noqa: F401 (hydra: fixture)

pytestmark = pytest.mark.django_db

API = "http://127.0.0.1:8000/api/"
KRATOS_ISSUER = "http://127.0.0.1:4433/"
SESSION_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Upstream:
    """Every call the resolution could make to Hydra or Kratos besides the
    JWKS: introspection, whoami, identity lookups."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.introspection: dict[str, Any] = {"active": True}

    def introspect_o_auth2_token(self, token: str) -> Any:
        from ory_client.models import IntrospectedOAuth2Token

        self.calls.append("introspect")
        return IntrospectedOAuth2Token(**self.introspection)

    def whoami(self, **kwargs: Any) -> Any:
        self.calls.append("whoami")
        return None

    def get_identity(self, identity_id: str) -> Any:
        self.calls.append("get_identity")
        from oryauth.errors import OryRejected

        raise OryRejected(ory.KRATOS_ADMIN, 404)


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> Upstream:
    calls = Upstream()
    monkeypatch.setattr(ory, "hydra_admin", lambda: calls)
    monkeypatch.setattr(ory, "kratos_identities", lambda: calls)
    monkeypatch.setattr(ory, "whoami", calls.whoami)
    return calls


@pytest.fixture
def session_jwks(tmp_path: Path) -> Path:
    path = tmp_path / "session.public.jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(SESSION_KEY, "RS256", "session-1")]}))
    return path


@pytest.fixture(autouse=True)
def local_mode(settings, hydra: FakeHydra, session_jwks: Path) -> Iterator[None]:  # noqa: ANN001, F811
    settings.ORYAUTH = {
        **settings.ORYAUTH, "JWT_ACCESS_TOKENS": True, "SESSION_JWT_JWKS_FILE": str(session_jwks),
        "ACCESS_TOKEN_AUDIENCE": [API], "CREDENTIALS": ["session_token", "access_token"],
    }
    caches["default"].clear()
    caller_cache._own_answers.clear()
    yield
    caches["default"].clear()
    caller_cache._own_answers.clear()


def access_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER, "sub": "machine-1", "client_id": "machine-1", "aud": [API], "scp": ["read"],
        "iat": now, "nbf": now, "exp": now + 600, "jti": uuid.uuid4().hex, "ext": {},
    }
    return {k: v for k, v in (claims | changes).items() if v is not None}


def session_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": KRATOS_ISSUER, "sub": "identity-1", "sid": "session-1", "aud": [API], "aal": "aal1",
        "iat": now, "nbf": now, "exp": now + 300, "jti": uuid.uuid4().hex,
    }
    return {k: v for k, v in (claims | changes).items() if v is not None}


def session_jwt(**changes: Any) -> str:
    return sign(session_claims(**changes), key=SESSION_KEY, kid="session-1")


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hs256_with_public_key(claims: dict[str, Any]) -> str:
    """The HS/RS confusion attack: HMAC 'signed' with Hydra's public key as the secret."""
    secret = RSA_KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode()) + "." + b64(json.dumps(claims).encode())
    return signing_input + "." + b64(hmac.new(secret, signing_input.encode(), hashlib.sha256).digest())


def unsigned(claims: dict[str, Any]) -> str:
    return b64(json.dumps({"alg": "none", "kid": "rsa-1"}).encode()) + "." + b64(json.dumps(claims).encode()) + "."


def me(token: str, header: str = "HTTP_AUTHORIZATION") -> Any:
    return Client().get("/api/me/", **{header: f"Bearer {token}" if header == "HTTP_AUTHORIZATION" else token})


def linked_person(subject: str = "identity-1", **fields: Any) -> Any:
    user = UserFactory(**fields)
    IdentityLink.objects.create(user=user, issuer=ISSUER, subject=subject)
    return user


# --- Hydra's JWT access tokens ---------------------------------------------------------


def test_a_jwt_access_token_of_a_machine_is_verified_without_asking_hydra(upstream: Upstream) -> None:
    response = me(sign(access_claims()))

    assert response.status_code == 200
    assert response.json() | {"expires_at": None} == {
        "authenticated_via": "access_token", "user": None, "identity_id": None,
        "client_id": "machine-1", "scopes": ["read"], "aal": None, "expires_at": None,
    }
    assert upstream.calls == []


def test_a_jwt_access_token_of_a_known_person_is_their_django_user_without_any_call(upstream: Upstream) -> None:
    user = linked_person(email="grace@example.org")

    body = me(sign(access_claims(sub="identity-1", client_id="app-1"))).json()

    assert body["user"]["email"] == "grace@example.org"
    assert body["identity_id"] == "identity-1"
    assert body["client_id"] == "app-1"
    assert upstream.calls == []
    assert IdentityLink.objects.get(subject="identity-1").user == user


def test_hydras_keys_are_fetched_once_for_many_new_tokens(upstream: Upstream, hydra: FakeHydra) -> None:  # noqa: F811
    for _ in range(5):
        assert me(sign(access_claims())).status_code == 200

    assert hydra.jwks_fetches == 1
    assert upstream.calls == []


def test_a_process_checks_new_tokens_against_its_own_copy_of_hydras_keys(upstream: Upstream, hydra: FakeHydra) -> None:  # noqa: F811
    me(sign(access_claims()))
    caches["default"].delete(local_tokens.hydra_keys().cache_key)  # the shared cache let them go

    assert me(sign(access_claims())).status_code == 200
    assert hydra.jwks_fetches == 1


def test_a_key_hydra_withdrew_is_refused_once_the_process_copy_and_the_cache_let_it_go(
    upstream: Upstream, hydra: FakeHydra, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    monkeypatch.setattr(jwks, "LOCAL_COPY_SECONDS", 0)  # the copy's minute is over at once
    assert me(sign(access_claims())).status_code == 200
    hydra.keys = [public_jwk(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256", "rsa-2")]
    caches["default"].delete(local_tokens.hydra_keys().cache_key)  # DISCOVERY_CACHE_TTL is over

    assert me(sign(access_claims())).status_code == 401


def test_without_a_cache_period_every_request_checks_the_signature_again(settings, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "SESSION_CACHE_TTL": 0, "NEGATIVE_CACHE_TTL": 0}
    checked = []
    monkeypatch.setattr(local_tokens, "verify_signature", lambda *args: checked.append(1) or jwks.verify_signature(*args))
    token = sign(access_claims())

    assert [me(token).status_code for _ in range(3)] == [200, 200, 200]
    assert len(checked) == 3


def test_an_es256_token_is_accepted_like_an_rs256_one(upstream: Upstream) -> None:
    from tests.support.fake_hydra import EC_KEY

    assert me(sign(access_claims(), key=EC_KEY, alg="ES256", kid="ec-1")).status_code == 200


def test_an_opaque_token_is_still_introspected(upstream: Upstream) -> None:
    upstream.introspection = {"active": True, "sub": "machine-1", "client_id": "machine-1", "aud": [API], "scope": "read"}

    assert me("ory_at_" + "a" * 43 + "." + "b" * 43).status_code == 200
    assert upstream.calls == ["introspect"]


def test_with_the_mode_off_a_jwt_access_token_is_introspected(settings, upstream: Upstream) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "JWT_ACCESS_TOKENS": False}
    upstream.introspection = {"active": False}

    assert me(sign(access_claims())).status_code == 401
    assert upstream.calls == ["introspect"]


REFUSED_ACCESS_TOKENS = {
    "bad_signature": lambda: sign(access_claims(), key=rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    "expired": lambda: sign(access_claims(iat=int(time.time()) - 1200, nbf=int(time.time()) - 1200, exp=int(time.time()) - 600)),
    "not_yet_valid": lambda: sign(access_claims(nbf=int(time.time()) + 600, iat=None, exp=int(time.time()) + 1200)),
    "wrong_audience": lambda: sign(access_claims(aud=["https://other.example/api/"])),
    "wrong_issuer": lambda: sign(access_claims(iss="https://evil.example/")),
    "unsigned": lambda: unsigned(access_claims()),
    "algorithm_not_allowed": lambda: hs256_with_public_key(access_claims()),
    "lifetime_too_long": lambda: sign(access_claims(exp=int(time.time()) + 7 * 24 * 3600)),
    "missing_claim": lambda: sign(access_claims(client_id=None)),
    "bad_subject": lambda: sign(access_claims(sub=["not", "a", "string"])),
    "unknown_key": lambda: sign(access_claims(), kid="made-up"),
}


@pytest.mark.parametrize("reason", sorted(REFUSED_ACCESS_TOKENS))
def test_a_refused_jwt_access_token_is_anonymous_with_a_401_and_the_reason_in_the_log(
    reason: str, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    token = REFUSED_ACCESS_TOKENS[reason]()
    caplog.set_level(logging.INFO, logger="oryauth")

    response = me(token)

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert f"Refused a JWT access token: {reason}:" in caplog.text
    assert token not in caplog.text and token.split(".")[1] not in caplog.text
    assert upstream.calls == []


@pytest.mark.parametrize(
    "token",
    [
        "eyJ" + "a" * 5000 + ".e30.sig",  # oversized: refused before any parsing
        "eyJhbGciOiJSUzI1NiJ9.ÿþ€.sig",  # non-ASCII
        "eyJhbGciOiJSUzI1NiJ9.%%%.sig",  # not base64url
        "a.b.c",  # three parts of nothing
    ],
)
def test_a_malformed_jwt_is_anonymous_with_a_401_never_a_500(token: str, upstream: Upstream) -> None:
    response = me(token)

    assert response.status_code == 401
    assert upstream.calls == []


def test_a_made_up_key_id_fetches_hydras_keys_again_at_most_once_per_interval(upstream: Upstream, hydra: FakeHydra) -> None:  # noqa: F811
    me(sign(access_claims()))  # keys cached
    for n in range(20):
        assert me(sign(access_claims(), kid=f"made-up-{n}")).status_code == 401

    assert hydra.jwks_fetches == 2  # the first fetch, and one refetch for the whole flood


def test_made_up_key_ids_while_the_cache_fails_fetch_nothing(
    upstream: Upstream, hydra: FakeHydra, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    """Without the shared cache there is no once-per-interval guard, so no refetch at all."""
    me(sign(access_claims()))  # this process holds Hydra's keys

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("the cache is down")

    for method in ("get", "add", "set"):
        monkeypatch.setattr(LocMemCache, method, down)

    assert [me(sign(access_claims(), kid=f"made-up-{n}")).status_code for n in range(20)] == [401] * 20
    assert me(sign(access_claims())).status_code == 200  # the keys it holds still serve
    assert hydra.jwks_fetches == 1


def test_a_key_hydra_rotated_in_is_found_by_the_one_refetch(upstream: Upstream, hydra: FakeHydra) -> None:  # noqa: F811
    me(sign(access_claims()))
    new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hydra.keys = [*hydra.keys, public_jwk(new_key, "RS256", "rsa-2")]

    assert me(sign(access_claims(), key=new_key, kid="rsa-2")).status_code == 200
    assert hydra.jwks_fetches == 2


def test_hydra_unreachable_for_its_keys_is_a_503_not_a_stranger(monkeypatch: pytest.MonkeyPatch, upstream: Upstream) -> None:
    def down(service: str, path: str) -> Any:
        raise OryUnavailable(service, "connection refused")

    monkeypatch.setattr(ory, "get_json", down)

    assert me(sign(access_claims())).status_code == 503


def test_a_person_deactivated_by_staff_is_refused_on_the_next_request(upstream: Upstream) -> None:
    user = linked_person()
    token = sign(access_claims(sub="identity-1", client_id="app-1"))
    assert me(token).json()["user"] is not None

    user.is_active = False
    user.save()  # bumps the user's version in every process
    forget_user_everywhere(user.pk)

    assert me(token).status_code == 401


# --- Sensitive scopes still ask Hydra -----------------------------------------------------


def payments(request: HttpRequest) -> HttpResponse:
    return HttpResponse("paid")


@pytest.mark.parametrize("view", [scope_required("payments", introspect=True)(payments), scope_required("payments")(payments)])
def test_a_view_for_an_introspected_scope_asks_hydra_and_refuses_a_revoked_jwt(settings, view: Any, upstream: Upstream) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "INTROSPECT_SCOPES": ["payments"]}
    token = sign(access_claims(scp=["payments"]))
    upstream.introspection = {"active": False}  # revoked at Hydra

    response = view(RequestFactory().get("/pay", HTTP_AUTHORIZATION=f"Bearer {token}"))

    assert response.status_code == 401
    assert upstream.calls == ["introspect"]


def test_a_view_for_an_ordinary_scope_trusts_the_signature(upstream: Upstream) -> None:
    token = sign(access_claims(scp=["payments"]))

    response = scope_required("payments")(payments)(RequestFactory().get("/pay", HTTP_AUTHORIZATION=f"Bearer {token}"))

    assert response.status_code == 200
    assert upstream.calls == []


# --- Kratos's tokenized sessions ---------------------------------------------------------


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_SESSION_TOKEN"])
def test_a_tokenized_session_is_the_person_without_asking_kratos(header: str, upstream: Upstream) -> None:
    linked_person(email="ada@example.org")

    body = me(session_jwt(aal="aal2"), header).json()

    assert body["authenticated_via"] == "session_token"
    assert body["user"]["email"] == "ada@example.org"
    assert body["aal"] == "aal2"
    assert body["scopes"] == []
    assert upstream.calls == []


REFUSED_SESSIONS = {
    "bad_signature": lambda: sign(session_claims(), kid="session-1"),  # Hydra's key, Kratos's kid
    "expired": lambda: session_jwt(iat=int(time.time()) - 900, nbf=int(time.time()) - 900, exp=int(time.time()) - 600),
    "not_yet_valid": lambda: session_jwt(nbf=int(time.time()) + 600, iat=None, exp=int(time.time()) + 900),
    "wrong_audience": lambda: session_jwt(aud="https://other.example/"),
    "unknown_identity": lambda: session_jwt(sub="identity-nobody-knows"),
}


@pytest.mark.parametrize("reason", sorted(REFUSED_SESSIONS))
def test_a_refused_tokenized_session_is_anonymous_with_a_401_and_the_reason_in_the_log(
    reason: str, upstream: Upstream, caplog: pytest.LogCaptureFixture
) -> None:
    linked_person()
    token = REFUSED_SESSIONS[reason]()
    caplog.set_level(logging.INFO, logger="oryauth")

    response = me(token)

    assert response.status_code == 401
    assert f"Refused a tokenized session: {reason}:" in caplog.text
    assert token not in caplog.text
    assert upstream.calls == (["get_identity"] if reason == "unknown_identity" else [])


def test_a_jwt_naming_neither_issuer_is_refused_without_fetching_keys(
    upstream: Upstream, hydra: FakeHydra, caplog: pytest.LogCaptureFixture  # noqa: F811
) -> None:
    caplog.set_level(logging.INFO, logger="oryauth")

    assert me(session_jwt(iss="https://evil.example/")).status_code == 401
    assert "Refused a JWT access token: wrong_issuer:" in caplog.text
    assert upstream.calls == []
    assert hydra.jwks_fetches == 0  # a stranger's token costs no key lookup


# --- System checks -------------------------------------------------------------------------


def check_ids() -> list[str]:
    return [message.id for message in check_local_token_settings()]


def test_a_long_jwt_lifetime_is_warned_about(settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "JWT_MAX_LIFETIME": 24 * 3600}
    assert check_ids() == ["oryauth.W032"]


def test_the_default_settings_pass(settings) -> None:  # noqa: ANN001
    assert check_ids() == []


@pytest.mark.parametrize("changes", [{"JWT_ACCESS_TOKENS": "yes"}, {"JWT_MAX_LIFETIME": 0}, {"SESSION_JWT_JWKS_FILE": 3}])
def test_settings_of_the_wrong_type_are_errors(settings, changes: dict[str, Any]) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, **changes}
    assert check_ids() == ["oryauth.E038"]


def test_a_missing_session_jwks_file_is_an_error(settings, tmp_path: Path) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "SESSION_JWT_JWKS_FILE": str(tmp_path / "missing.json")}
    assert check_ids() == ["oryauth.E039"]


def test_a_session_jwks_file_with_the_private_key_is_warned_about(settings, tmp_path: Path) -> None:  # noqa: ANN001
    from jose import jwk

    path = tmp_path / "private.json"
    path.write_text(json.dumps({"keys": [jwk.construct(pem_of(SESSION_KEY), "RS256").to_dict()]}))
    settings.ORYAUTH = {**settings.ORYAUTH, "SESSION_JWT_JWKS_FILE": str(path)}

    assert check_ids() == ["oryauth.W033"]


def test_manage_py_check_fails_on_these_errors(settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "JWT_MAX_LIFETIME": -1}
    with pytest.raises(SystemCheckError, match="oryauth.E038"):
        call_command("check")
