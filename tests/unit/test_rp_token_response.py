"""The token endpoint's answer is read defensively: whatever `expires_in`
a broken or hostile provider sends, parsing ends in a usable lifetime or a
typed `TokenEndpointError` (the callback's clear error page), never an
OverflowError or a 500."""
from __future__ import annotations

import json
from typing import Any

import pytest

from oryauth.client.tokens import MAX_EXPIRES_IN, MISSING_EXPIRES_IN, TokenEndpointError, TokenResponse


def answer(**fields: Any) -> dict[str, Any]:
    return {"access_token": "at", "token_type": "bearer", **fields}


@pytest.mark.parametrize(
    ("sent", "lifetime"),
    [
        (3600, 3600),
        (3600.9, 3600),
        ("3600", 3600),
        (10**30, MAX_EXPIRES_IN),
        (1e300, MAX_EXPIRES_IN),
        (0, 0),
    ],
)
def test_a_usable_expires_in_is_kept_and_a_huge_one_clamped(sent: object, lifetime: int) -> None:
    assert TokenResponse.from_json(answer(expires_in=sent)).expires_in == lifetime


def test_a_missing_expires_in_means_a_short_assumed_lifetime() -> None:
    assert TokenResponse.from_json(answer()).expires_in == MISSING_EXPIRES_IN
    assert TokenResponse.from_json(answer(expires_in=None)).expires_in == MISSING_EXPIRES_IN


@pytest.mark.parametrize(
    "sent",
    [-1, -1e400, "soon", "", "1e400", "²", "9" * 5000, [], {}, True, float("nan")],
    ids=repr,
)
def test_an_absurd_expires_in_is_a_typed_refusal(sent: object) -> None:
    with pytest.raises(TokenEndpointError) as caught:
        TokenResponse.from_json(answer(expires_in=sent))
    assert caught.value.error == "invalid_token_response" and not caught.value.misconfigured


def test_json_infinity_from_1e400_is_a_typed_refusal_not_an_overflow() -> None:
    """`"expires_in": 1e400` decodes to float('inf'); int(inf) raised OverflowError (a 500)."""
    with pytest.raises(TokenEndpointError):
        TokenResponse.from_json(json.loads('{"access_token": "at", "expires_in": 1e400}'))


@pytest.mark.parametrize(
    "sent",
    [
        None, [], "text", {"access_token": 5}, {"access_token": ""}, answer(refresh_token=7), answer(id_token=["x"]), answer(scope={}),
        {"access_token": "ät"}, {"access_token": "a\nb"}, {"access_token": "a" * (16 * 1024 + 1)}, answer(refresh_token="r\x00"),
    ],
    ids=repr,
)
def test_an_answer_of_the_wrong_shape_is_a_typed_refusal(sent: object) -> None:
    with pytest.raises(TokenEndpointError):
        TokenResponse.from_json(sent)
