"""A stand-in for Hydra's discovery document and JWKS, stubbed at the
`oryauth.ory` boundary with keys generated here, and a signer for tokens
those keys vouch for (ID tokens, logout tokens). No network."""
from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jose import jwk, jws

from oryauth import ory
from oryauth.client import discovery

ISSUER = "http://127.0.0.1:4444/"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


def pem_of(key: Any) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def public_jwk(key: Any, alg: str, kid: str) -> dict[str, Any]:
    return {**jwk.construct(key.public_key(), alg).to_dict(), "kid": kid, "use": "sig", "alg": alg}


class FakeHydra:
    """Answers `ory.get_json` for the discovery document and the JWKS."""

    def __init__(self) -> None:
        self.keys = [public_jwk(RSA_KEY, "RS256", "rsa-1"), public_jwk(EC_KEY, "ES256", "ec-1")]
        self.issuer = ISSUER
        self.jwks_fetches = 0

    def get_json(self, service: str, path: str) -> Any:
        if path == ory.DISCOVERY_PATH:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{ISSUER}oauth2/auth",
                "token_endpoint": f"{ISSUER}oauth2/token",
                "jwks_uri": f"{ISSUER}.well-known/jwks.json",
            }
        assert path == "/.well-known/jwks.json"
        self.jwks_fetches += 1
        return {"keys": self.keys}


@pytest.fixture
def hydra(monkeypatch: pytest.MonkeyPatch, settings) -> Iterator[FakeHydra]:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_ID": "site"}
    fake = FakeHydra()
    monkeypatch.setattr(ory, "get_json", fake.get_json)
    discovery.forget_cached_metadata()
    yield fake
    discovery.forget_cached_metadata()


def sign(payload: dict[str, Any], *, key: Any = RSA_KEY, alg: str = "RS256", kid: str = "rsa-1") -> str:
    return jws.sign(json.dumps(payload).encode(), pem_of(key), headers={"kid": kid}, algorithm=alg)
