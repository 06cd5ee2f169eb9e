"""ID-token checks without network: Hydra's discovery document and JWKS are
stubbed at the `oryauth.ory` boundary with keys this test generates."""
from __future__ import annotations

import json
import time
from typing import Any

import pytest
from jose import jws

from oryauth.client import discovery
from oryauth.client.idtoken import IdTokenInvalid, access_token_hash, verify_id_token
from oryauth.errors import OryProtocolError
from tests.support.fake_hydra import EC_KEY, ISSUER, RSA_KEY, FakeHydra, hydra, pem_of, public_jwk, sign  # noqa: F401 (hydra: fixture)


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": ISSUER, "sub": "person-1", "aud": ["site"], "iat": now, "exp": now + 3600, "nonce": "n-1", **changes}


def test_at_hash_matches_the_openid_connect_example() -> None:
    assert access_token_hash("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y", "RS256") == "77QmUPtjPfzWtF2AnpK9RQ"


def test_rs256_and_es256_tokens_verify(hydra: FakeHydra) -> None:
    assert verify_id_token(sign(claims()), nonce="n-1")["sub"] == "person-1"
    assert verify_id_token(sign(claims(), key=EC_KEY, alg="ES256", kid="ec-1"), nonce="n-1")["sub"] == "person-1"


def test_an_algorithm_left_out_of_the_settings_is_refused(hydra: FakeHydra, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_ID_TOKEN_ALGORITHMS": ["RS256"]}
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(sign(claims(), key=EC_KEY, alg="ES256", kid="ec-1"), nonce="n-1")
    assert caught.value.reason == "algorithm_not_allowed"


def test_hs256_is_refused_even_when_listed_in_the_settings(hydra: FakeHydra, settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_ID_TOKEN_ALGORITHMS": ["RS256", "HS256"]}
    token = jws.sign(json.dumps(claims()).encode(), "a-shared-secret", algorithm="HS256")
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(token, nonce="n-1")
    assert caught.value.reason == "algorithm_not_allowed"


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b", "!!!.@@@.###", ["a", "list"], {"a": "dict"}, None, 42])
def test_garbage_is_refused_as_malformed(hydra: FakeHydra, garbage: Any) -> None:
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(garbage, nonce="n-1")
    assert caught.value.reason == "malformed"


def test_a_single_audience_with_a_foreign_azp_is_refused(hydra: FakeHydra) -> None:
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(sign(claims(aud="site", azp="other")), nonce="n-1")
    assert caught.value.reason == "wrong_azp"


def test_a_non_ascii_nonce_is_refused_as_wrong_not_a_crash(hydra: FakeHydra) -> None:
    # Whoever starts the authorization request chooses the nonce Hydra signs.
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(sign(claims(nonce="é-n-1")), nonce="n-1")
    assert caught.value.reason == "wrong_nonce"


def test_a_refreshed_id_token_must_name_the_same_person(hydra: FakeHydra) -> None:
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(sign(claims(sub="person-2")), nonce=None, expected_subject="person-1")
    assert caught.value.reason == "wrong_subject"


def test_a_kid_less_token_uses_the_only_key_of_its_type(hydra: FakeHydra) -> None:
    token = jws.sign(json.dumps(claims()).encode(), pem_of(RSA_KEY), algorithm="RS256")
    assert verify_id_token(token, nonce="n-1")["sub"] == "person-1"


def test_an_issuer_other_than_the_configured_one_is_reported_with_the_setting(hydra: FakeHydra) -> None:
    hydra.issuer = "http://hydra.internal:4444/"
    with pytest.raises(OryProtocolError) as caught:
        discovery.provider_metadata()
    assert "ORYAUTH['HYDRA_ISSUER']" in str(caught.value)


def test_the_jwks_is_fetched_once_and_cached(hydra: FakeHydra) -> None:
    for _ in range(3):
        verify_id_token(sign(claims()), nonce="n-1")
    assert hydra.jwks_fetches == 1


@pytest.mark.parametrize(
    "damage",
    [
        {"n": 12345},
        {"e": None},
        {"n": ""},
        {"kty": "RSA", "n": ["a"], "e": {"x": 1}},
    ],
    ids=repr,
)
def test_a_key_with_the_right_kid_but_malformed_parameters_is_refused_not_a_crash(hydra: FakeHydra, damage: dict[str, Any]) -> None:
    """jwk.construct raised ValueError/TypeError here, and only JOSEError was caught: a 500."""
    hydra.keys = [{**hydra.keys[0], **damage}, hydra.keys[1]]
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(sign(claims()), nonce="n-1")
    assert caught.value.reason == "unusable_key"


@pytest.mark.parametrize(
    "value", [float("inf"), float("nan"), 10**400, 1e300, "123", True], ids=["inf", "nan", "10**400", "1e300", "text", "bool"]
)
@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_a_non_finite_huge_or_non_numeric_exp_or_iat_is_refused(hydra: FakeHydra, claim: str, value: object) -> None:
    """`int(issued - now)` overflowed on 10**400, and an infinite exp never expired."""
    payload = json.dumps(claims(**{claim: 0})).replace(f'"{claim}": 0', f'"{claim}": {_json_number(value)}')
    token = jws.sign(payload.encode(), pem_of(RSA_KEY), headers={"kid": "rsa-1"}, algorithm="RS256")
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(token, nonce="n-1")
    assert caught.value.reason == "missing_claim"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"exp": int(time.time()) - 600}, "expired"),
        ({"iat": int(time.time()) + 600}, "issued_in_future"),
        ({"nbf": int(time.time()) + 600}, "not_yet_valid"),
        ({"nbf": "soon"}, "malformed"),
    ],
    ids=["expired", "issued-in-the-future", "not-yet-valid", "nbf-not-a-timestamp"],
)
def test_an_id_token_outside_its_time_claims_is_refused(hydra: FakeHydra, changes: dict[str, Any], reason: str) -> None:
    """The same time checks as every JWT oryauth verifies (jwks.check_time_claims)."""
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(sign(claims(**changes)), nonce="n-1")
    assert caught.value.reason == reason


def _json_number(value: object) -> str:
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "1e400"
    return json.dumps(value)


def test_auth_time_within_the_requested_max_age_passes(hydra: FakeHydra) -> None:
    assert verify_id_token(sign(claims(auth_time=int(time.time()) - 50)), nonce="n-1", max_age=60)["sub"] == "person-1"


def test_auth_time_is_not_checked_when_no_max_age_was_asked(hydra: FakeHydra) -> None:
    assert verify_id_token(sign(claims(auth_time=0)), nonce="n-1")["sub"] == "person-1"


@pytest.mark.parametrize(
    ("auth_time", "reason"),
    [
        (lambda now: now - 60 - 30 - 5, "auth_too_old"),  # max_age 60 + leeway 30 exceeded
        (lambda now: None, "missing_auth_time"),
        (lambda now: "yesterday", "missing_auth_time"),
        (lambda now: now + 3600, "auth_time_in_future"),
    ],
    ids=["too-old", "missing", "text", "future"],
)
def test_when_max_age_was_asked_auth_time_must_be_recent_enough(hydra: FakeHydra, auth_time: Any, reason: str) -> None:
    sent = auth_time(int(time.time()))
    token = sign(claims(**({} if sent is None else {"auth_time": sent})))
    with pytest.raises(IdTokenInvalid) as caught:
        verify_id_token(token, nonce="n-1", max_age=60)
    assert caught.value.reason == reason
