"""ID-token verification against real Hydra-signed tokens, and the same tokens
altered or re-signed by the test with keys it generates. Every forgery is
refused with its own reason."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import cache
from django.test import Client
from jose import jwk, jws
from jose.utils import base64url_encode

from oryauth import jwks, ory
from oryauth.client import discovery
from oryauth.client.idtoken import IdTokenInvalid, access_token_hash, verify_id_token
from oryauth.client.models import RelyingPartyTokens
from tests.support.relying_party import AdminApiPortal, sign_in

pytestmark = pytest.mark.django_db

TEST_KID = "oryauth-test-key"


@dataclass(frozen=True)
class RealTokens:
    id_token: str
    access_token: str
    claims: dict[str, Any]
    header: dict[str, Any]

    @property
    def nonce(self) -> str:
        return self.claims["nonce"]


@pytest.fixture(autouse=True)
def _fresh_discovery() -> Iterator[None]:
    discovery.forget_cached_metadata()
    yield
    discovery.forget_cached_metadata()


@pytest.fixture
def real(client: Client) -> RealTokens:
    """A real ID token and access token Hydra issued to this site just now."""
    sign_in(client, requests.Session(), AdminApiPortal())
    stored = RelyingPartyTokens.objects.latest("pk")
    header_b64, payload_b64, _ = stored.id_token.split(".")
    return RealTokens(stored.id_token, stored.access_token, _b64json(payload_b64), _b64json(header_b64))


@pytest.fixture(scope="module")
def test_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def trust_test_key(test_key: rsa.RSAPrivateKey) -> None:
    """Hydra's real JWKS plus the test's public key, as the cached JWKS: the
    claim checks behind a valid signature can then be exercised."""
    public = jwk.construct(test_key.public_key(), "RS256").to_dict()
    plant_cached_jwks(discovery.signing_keys() + [{**public, "kid": TEST_KID, "use": "sig", "alg": "RS256"}])


def plant_cached_jwks(keys: list[dict[str, Any]]) -> None:
    """`keys` as the cached JWKS, in the shared cache and (none held) in this process."""
    cache.set(discovery.cache_key("jwks"), {"keys": keys}, 3600)
    jwks.forget_local_copies()


def _b64json(segment: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def resign(key: rsa.RSAPrivateKey, claims: dict[str, Any], *, kid: str = TEST_KID) -> str:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return jws.sign(json.dumps(claims).encode(), pem, headers={"kid": kid, "typ": "JWT"}, algorithm="RS256")


def refusal(token: str, *, nonce: str, access_token: str | None = None) -> str:
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(token, nonce=nonce, access_token=access_token)
    return caught.value.reason


def test_a_real_hydra_id_token_verifies(real: RealTokens) -> None:
    claims = verify_id_token(real.id_token, nonce=real.nonce, access_token=real.access_token)
    assert claims["iss"] == "http://127.0.0.1:4444/"
    assert claims["aud"] == ["oryauth-demo"]
    assert claims["at_hash"] == access_token_hash(real.access_token, "RS256")


def test_a_token_re_signed_with_a_trusted_key_verifies(real: RealTokens, test_key: rsa.RSAPrivateKey, trust_test_key: None) -> None:
    """Control case: the re-signing below is sound, so each refusal is for its own reason."""
    assert verify_id_token(resign(test_key, real.claims), nonce=real.nonce, access_token=real.access_token)["sub"] == real.claims["sub"]


def test_a_broken_signature_is_refused(real: RealTokens) -> None:
    header, payload, signature = real.id_token.split(".")
    middle = len(signature) // 2
    flipped = signature[:middle] + ("A" if signature[middle] != "A" else "B") + signature[middle + 1:]
    assert refusal(f"{header}.{payload}.{flipped}", nonce=real.nonce) == "bad_signature"


def test_a_changed_payload_under_the_real_signature_is_refused(real: RealTokens) -> None:
    header, _, signature = real.id_token.split(".")
    payload = base64url_encode(json.dumps({**real.claims, "sub": "someone-else"}).encode()).decode()
    assert refusal(f"{header}.{payload}.{signature}", nonce=real.nonce) == "bad_signature"


def test_an_unsigned_token_alg_none_is_refused(real: RealTokens) -> None:
    header = base64url_encode(json.dumps({"alg": "none", "kid": real.header["kid"]}).encode()).decode()
    payload = base64url_encode(json.dumps(real.claims).encode()).decode()
    assert refusal(f"{header}.{payload}.", nonce=real.nonce) == "unsigned"


def test_hs256_signed_with_hydras_public_key_is_refused(real: RealTokens) -> None:
    hydra_key = next(k for k in discovery.signing_keys() if k["kid"] == real.header["kid"])
    public_pem = jwk.construct(hydra_key, "RS256").to_pem()
    signing_input = (
        base64url_encode(json.dumps({"alg": "HS256", "kid": real.header["kid"]}).encode())
        + b"."
        + base64url_encode(json.dumps(real.claims).encode())
    )
    signature = base64url_encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    assert refusal((signing_input + b"." + signature).decode(), nonce=real.nonce) == "algorithm_not_allowed"


def test_an_unknown_kid_refetches_the_jwks_once_then_is_refused(
    real: RealTokens, test_key: rsa.RSAPrivateKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    discovery.signing_keys()  # cached
    fetched = count_calls(monkeypatch, ory, "get_json")
    forged = resign(test_key, real.claims, kid="not-a-hydra-key")

    assert refusal(forged, nonce=real.nonce) == "unknown_key"
    assert fetched() == 1
    # A second made-up kid right after does not make the site ask Hydra again.
    assert refusal(resign(test_key, real.claims, kid="another-made-up-key"), nonce=real.nonce) == "unknown_key"
    assert fetched() == 1


def test_a_rotated_key_is_found_by_refetching_the_jwks(real: RealTokens, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cached JWKS predates Hydra's current key (Hydra rotated): one refetch finds it."""
    discovery.provider_metadata()
    plant_cached_jwks([])
    fetched = count_calls(monkeypatch, ory, "get_json")

    assert verify_id_token(real.id_token, nonce=real.nonce)["sub"] == real.claims["sub"]
    assert fetched() == 1


CLAIM_FORGERIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "wrong_issuer": lambda c: {**c, "iss": "http://127.0.0.1:4444"},  # no trailing slash: not the issuer
    "wrong_audience": lambda c: {**c, "aud": ["another-client"]},
    "wrong_azp": lambda c: {**c, "aud": [*c["aud"], "another-client"], "azp": "another-client"},
    "expired": lambda c: {**c, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
    "issued_in_future": lambda c: {**c, "iat": int(time.time()) + 3600},
    "wrong_nonce": lambda c: {**c, "nonce": "a-nonce-from-another-sign-in"},
    "bad_at_hash": lambda c: {**c, "at_hash": access_token_hash("ory_at_another-token", "RS256")},
    "missing_claim": lambda c: {k: v for k, v in c.items() if k != "sub"},
}


@pytest.mark.parametrize("reason", sorted(CLAIM_FORGERIES))
def test_a_forged_claim_is_refused_with_its_own_reason(
    real: RealTokens, test_key: rsa.RSAPrivateKey, trust_test_key: None, reason: str
) -> None:
    forged = resign(test_key, CLAIM_FORGERIES[reason](real.claims))
    assert refusal(forged, nonce=real.nonce, access_token=real.access_token) == reason


def test_every_refusal_has_a_distinct_reason() -> None:
    reasons = list(CLAIM_FORGERIES) + ["bad_signature", "unsigned", "algorithm_not_allowed", "unknown_key"]
    assert len(set(reasons)) == len(reasons)


def test_expiry_within_the_clock_leeway_is_accepted(real: RealTokens, test_key: rsa.RSAPrivateKey, trust_test_key: None) -> None:
    just_expired = {**real.claims, "exp": int(time.time()) - 5}
    assert verify_id_token(resign(test_key, just_expired), nonce=real.nonce)["sub"] == real.claims["sub"]


def test_a_forged_id_token_at_the_callback_signs_nobody_in(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """End to end through the view: the token endpoint's real answer with its
    ID token swapped for an unsigned copy is refused with a clear 400 page."""
    from oryauth.client import flow, tokens

    real_exchange = tokens.exchange_code

    def exchange_then_strip_signature(code: str, *, code_verifier: str) -> tokens.TokenResponse:
        answer = real_exchange(code, code_verifier=code_verifier)
        header, payload, _ = answer.id_token.split(".")
        unsigned = base64url_encode(json.dumps({"alg": "none"}).encode()).decode()
        return tokens.TokenResponse(**{**answer.__dict__, "id_token": f"{unsigned}.{payload}."})

    monkeypatch.setattr(flow, "exchange_code", exchange_then_strip_signature)
    _, response = sign_in(client, requests.Session(), AdminApiPortal())

    assert response.status_code == 400
    assert b"Sign-in could not be verified" in response.content
    assert b"unsigned" in response.content
    assert "_auth_user_id" not in client.session
    assert not RelyingPartyTokens.objects.exists()


def count_calls(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> Callable[[], int]:
    """Count calls to `module.name` while still making the real call."""
    real_function = getattr(module, name)
    calls: list[None] = []

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(None)
        return real_function(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return lambda: len(calls)
