"""ID-token verification: Hydra's signature (JWKS, cached) and the OpenID
Connect claim checks, each failure with its own reason.

Only asymmetric algorithms from ORYAUTH["CLIENT_ID_TOKEN_ALGORITHMS"] are
accepted: `none` and HS* never are, so a token "signed" with Hydra's public
key as an HMAC secret cannot pass.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import time
from collections.abc import Mapping
from typing import Any

from .. import jwks
from ..conf import oryauth_settings
from ..jwks import TokenRefused, check_time_claims, is_timestamp
from .discovery import hydra_key_set, provider_metadata

logger = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = jwks.ASYMMETRIC_ALGORITHMS
_HASH_FOR_BITS = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}


class IdTokenInvalid(Exception):
    """The ID token failed a check. `reason` is a stable code (tests, logs),
    `message` says in words what was wrong."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


def verify_id_token(
    token: str,
    *,
    nonce: str | None,
    access_token: str | None = None,
    expected_subject: str | None = None,
    max_age: int | None = None,
) -> dict[str, Any]:
    """The verified claims of `token`, or `IdTokenInvalid`.

    `nonce` is the one stored when the sign-in started (None only for ID tokens
    from a refresh, which carry none to compare); `access_token` is checked
    against `at_hash` when the token has one; `expected_subject` pins `sub`
    (a refreshed ID token must name the same person); `max_age` is the one
    the authorization request asked for (then `auth_time` must be recent).
    """
    claims, algorithm = verify_signature(token)
    check_claims(
        claims, nonce=nonce, access_token=access_token, algorithm=algorithm, expected_subject=expected_subject, max_age=max_age
    )
    return claims


def verify_signature(token: str) -> tuple[dict[str, Any], str]:
    """The payload of a JWT Hydra signed (ID token, logout token) and the
    algorithm it was signed with, or `IdTokenInvalid`; no claim is checked."""
    try:
        return jwks.verify_signature(token, hydra_key_set())
    except jwks.TokenRefused as exc:
        raise IdTokenInvalid(exc.reason, exc.message) from None


def check_claims(
    claims: Mapping[str, Any],
    *,
    nonce: str | None,
    access_token: str | None,
    algorithm: str,
    expected_subject: str | None = None,
    max_age: int | None = None,
) -> None:
    """The OpenID Connect Core 3.1.3.7 checks on already signature-checked claims."""
    conf = oryauth_settings()
    now = time.time()
    leeway = conf.CLIENT_CLOCK_LEEWAY

    subject = claims.get("sub")
    if not subject:
        raise IdTokenInvalid("missing_claim", "the token has no 'sub'")
    # A string that fits IdentityLink.subject: a longer one fails the insert
    # on databases that enforce the length, a number or object is no subject.
    if not isinstance(subject, str) or len(subject) > 255:
        raise IdTokenInvalid("bad_subject", "'sub' is not a string of at most 255 characters")
    if expected_subject is not None and claims["sub"] != expected_subject:
        raise IdTokenInvalid("wrong_subject", "the token names another person than the current sign-in")

    issuer = provider_metadata().issuer
    if claims.get("iss") != issuer:
        raise IdTokenInvalid("wrong_issuer", f"issued by {claims.get('iss')!r}, expected {issuer!r}")

    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience) if isinstance(audience, list) else []
    if conf.CLIENT_ID not in audiences:
        raise IdTokenInvalid("wrong_audience", f"issued for {audiences!r}, not for this site's client {conf.CLIENT_ID!r}")
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != conf.CLIENT_ID:
        raise IdTokenInvalid("wrong_azp", f"authorized party {claims.get('azp')!r} is not this site's client")

    try:
        check_time_claims(claims, required=("exp", "iat"), leeway=leeway, now=now)
    except TokenRefused as exc:
        raise IdTokenInvalid(exc.reason, exc.message) from None

    if max_age is not None:
        check_auth_time(claims.get("auth_time"), max_age=max_age, now=now, leeway=leeway)

    # Bytes: compare_digest raises TypeError on non-ASCII str, and the nonce
    # claim echoes whatever the authorization request carried.
    if nonce is not None and not hmac.compare_digest(str(claims.get("nonce") or "").encode(), nonce.encode()):
        raise IdTokenInvalid("wrong_nonce", "the nonce is not the one this sign-in started with")

    if (
        "at_hash" in claims
        and access_token is not None
        and not hmac.compare_digest(str(claims["at_hash"]), access_token_hash(access_token, algorithm))
    ):
        raise IdTokenInvalid("bad_at_hash", "'at_hash' does not match the access token")


def check_auth_time(auth_time: Any, *, max_age: int, now: float, leeway: int) -> None:
    """OpenID Connect Core 3.1.2.1 / 3.1.3.7 point 13: when the sign-in asked
    for `max_age`, the provider must say when the person last authenticated,
    and that must be no longer ago than max_age (with the clock leeway)."""
    if not is_timestamp(auth_time):
        raise IdTokenInvalid("missing_auth_time", "max_age was asked for but the token has no usable 'auth_time'")
    if auth_time > now + leeway:
        raise IdTokenInvalid("auth_time_in_future", f"'auth_time' is {int(auth_time - now)} seconds in the future (clock skew?)")
    if now - auth_time > max_age + leeway:
        raise IdTokenInvalid(
            "auth_too_old", f"the person authenticated {int(now - auth_time)} seconds ago, more than the max_age of {max_age}"
        )


def access_token_hash(access_token: str, algorithm: str) -> str:
    """`at_hash`: the left half of the access token's hash with the hash
    function of the signature algorithm, base64url without padding."""
    digest = _HASH_FOR_BITS[algorithm[-3:]](access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[: len(digest) // 2]).rstrip(b"=").decode("ascii")
