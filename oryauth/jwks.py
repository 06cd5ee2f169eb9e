"""Signed JWTs checked against a JSON Web Key Set: the keys (cached in
oryauth's cache, fetched again at most once per interval when a token names
an unknown key) and the signature, with one algorithm allow-list.

Used for every JWT oryauth verifies: ID and logout tokens (`oryauth.client`),
and the Bearer JWTs the resource server checks without calling Ory
(`oryauth.local_tokens`: Hydra's JWT access tokens, Kratos's tokenized
sessions). Claims are not checked here; each caller checks its own.

Only asymmetric algorithms from ORYAUTH["CLIENT_ID_TOKEN_ALGORITHMS"] are
accepted: `none` and HS* never are, so a token "signed" with a public key as
an HMAC secret cannot pass.
"""
from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeGuard

from django.core.cache import caches
from jose import jwk, jws
from jose.exceptions import JOSEError

from . import caller_cache
from .conf import oryauth_settings
from .errors import OryProtocolError

logger = logging.getLogger(__name__)

# Algorithms python-jose verifies with a public key; anything else is refused
# whatever the settings say.
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})
# Seconds between two forced fetches of one key set: made-up key ids must
# not make the site hammer Hydra (or re-read a file) on every request.
REFETCH_INTERVAL = 10


class TokenRefused(Exception):
    """A JWT failed a check. `reason` is a stable code (tests, logs),
    `message` says in words what was wrong (never the token itself)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


@dataclass(frozen=True)
class KeySet:
    """A JWKS from one source: `name` says whose keys they are (logs,
    refusals), `cache_key` where CACHE_ALIAS keeps them; `fetch` returns the
    JWKS document (and raises a typed Ory error, or OSError for a file, when
    it cannot)."""

    name: str
    cache_key: str
    fetch: Callable[[], Any]

    def keys(self, *, refresh: bool = False) -> list[dict[str, Any]]:
        """The keys (cached for DISCOVERY_CACHE_TTL seconds in CACHE_ALIAS;
        `refresh=True` fetches anew). Concurrent requests of this process share
        one fetch."""
        cache = caches[oryauth_settings().CACHE_ALIAS]
        document = None if refresh else _cache_read(cache, self.cache_key)
        if document is None:
            document = caller_cache.single_flight(self.cache_key, self._fetch_and_store, wait=2 * float(oryauth_settings().HTTP_TIMEOUT) + 1)
        return [k for k in document["keys"] if isinstance(k, dict)]

    def _fetch_and_store(self) -> dict[str, Any]:
        document = self.fetch()
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise OryProtocolError(self.name, "the JWKS has no 'keys' list")
        cache = caches[oryauth_settings().CACHE_ALIAS]
        try:
            cache.set(self.cache_key, document, oryauth_settings().DISCOVERY_CACHE_TTL)
        except Exception as exc:  # noqa: BLE001 (any backend): the keys still work for this request
            logger.warning("Could not cache the %s JWKS: %s: %s", self.name, type(exc).__name__, exc)
        return document

    def refetched(self) -> list[dict[str, Any]] | None:
        """The keys fetched anew because a token names a key the cache lacks
        (the issuer rotated its keys). None when that already happened in the
        last REFETCH_INTERVAL seconds, in any process sharing the cache."""
        cache = caches[oryauth_settings().CACHE_ALIAS]
        try:
            first = cache.add(self.cache_key + ":refetched", True, REFETCH_INTERVAL)
        except Exception:  # noqa: BLE001 (without the shared guard, do not refetch at all)
            return None
        return self.keys(refresh=True) if first else None

    def forget(self) -> None:
        """Drop the cached keys (tests, key rotation by hand)."""
        caches[oryauth_settings().CACHE_ALIAS].delete_many([self.cache_key, self.cache_key + ":refetched"])


def _cache_read(cache: Any, key: str) -> Any:
    try:
        document = cache.get(key)
    except Exception:  # noqa: BLE001 (a failing cache means fetching again, never a 500)
        return None
    return document if isinstance(document, dict) and isinstance(document.get("keys"), list) else None


def verify_signature(token: str, key_set: KeySet) -> tuple[dict[str, Any], str]:
    """The payload of `token`, signed by a key of `key_set`, and the
    algorithm it was signed with; `TokenRefused` otherwise. No claim is checked."""
    header = unverified_header(token)
    algorithm = allowed_algorithm(header)
    key = _verification_key(key_set, header.get("kid"), algorithm)
    try:
        payload = jws.verify(token, key, algorithms=[algorithm])
    except (JOSEError, ValueError, TypeError):
        raise TokenRefused("bad_signature", f"the signature does not match {key_set.name}'s key") from None
    try:
        claims = json.loads(payload)
    except ValueError:
        claims = None
    if not isinstance(claims, dict):
        raise TokenRefused("malformed", "the payload is not a JSON object")
    return claims, algorithm


def unverified_header(token: str) -> dict[str, Any]:
    """The JOSE header of a compact JWS, not yet trusted."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenRefused("malformed", "not a compact JWS (three dot-separated parts)")
    try:
        header = jws.get_unverified_header(token)
    except JOSEError:
        raise TokenRefused("malformed", "the header cannot be decoded") from None
    if not isinstance(header, dict):
        raise TokenRefused("malformed", "the header is not a JSON object")
    return header


def unverified_issuer(token: str) -> str:
    """The `iss` a JWT claims, not yet trusted ("" when it names none): says
    which key set to check it against, and nothing more."""
    parts = token.split(".")
    if len(parts) != 3:
        return ""
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, TypeError, RecursionError):  # bad base64, not JSON (UnicodeDecodeError is a ValueError)
        return ""
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    return issuer if isinstance(issuer, str) else ""


def allowed_algorithm(header: Mapping[str, Any]) -> str:
    """The header's `alg` when the allow-list accepts it (never none or HS*)."""
    algorithm = str(header.get("alg") or "")
    if algorithm.lower() in ("", "none"):
        raise TokenRefused("unsigned", "the token is not signed (alg 'none')")
    allowed = ASYMMETRIC_ALGORITHMS.intersection(oryauth_settings().CLIENT_ID_TOKEN_ALGORITHMS)
    if algorithm not in allowed:
        raise TokenRefused(
            "algorithm_not_allowed", f"signed with {algorithm[:20]}, which is not among the accepted {', '.join(sorted(allowed))}"
        )
    return algorithm


# Keys built from JWKS entries, by their parameters: building one costs more than
# checking a signature with it, and a new token of a known key should not pay it.
_constructed: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}


def _verification_key(key_set: KeySet, kid: Any, algorithm: str) -> Any:
    """The key for `kid`, fetching the key set again once when the cached one
    does not have it (the issuer rotated its keys)."""
    found = _matching_key(key_set.keys(), kid, algorithm)
    if found is None:
        logger.info("A token names key %r which the cached %s JWKS lacks: fetching it again", str(kid)[:80], key_set.name)
        fresh = key_set.refetched()
        found = _matching_key(fresh, kid, algorithm) if fresh is not None else None
    if found is None:
        raise TokenRefused("unknown_key", f"{key_set.name}'s JWKS has no key {str(kid)[:80]!r} for {algorithm}")
    memo = (algorithm, tuple(sorted((name, str(value)) for name, value in found.items())))
    key = _constructed.get(memo)
    if key is not None:
        return key
    try:
        key = jwk.construct(found, algorithm)
    except (JOSEError, ValueError, TypeError, KeyError, AttributeError):
        # A key with the right kid but malformed parameters (bad base64, a
        # number where a string belongs) makes jwk.construct raise more than
        # JOSEError: a broken or hostile JWKS is a refusal, not a crash.
        raise TokenRefused("unusable_key", f"key {str(kid)[:80]!r} in {key_set.name}'s JWKS is malformed or unusable for {algorithm}") from None
    if len(_constructed) >= 64:
        _constructed.clear()
    _constructed[memo] = key
    return key


def _matching_key(keys: list[dict[str, Any]], kid: Any, algorithm: str) -> dict[str, Any] | None:
    key_type = "RSA" if algorithm.startswith("RS") else "EC"
    candidates = [
        k for k in keys
        if k.get("kty") == key_type and k.get("use", "sig") == "sig" and k.get("alg", algorithm) == algorithm
    ]
    if kid is not None:
        candidates = [k for k in candidates if k.get("kid") == kid]
    # Without a kid the choice must be unambiguous.
    return candidates[0] if len(candidates) == 1 or (kid is not None and candidates) else None


# 9999-12-31: a larger "timestamp" is nonsense, and 10**400 would overflow
# the float arithmetic of the checks.
_LATEST_TIMESTAMP = 253402300799


def is_timestamp(value: Any) -> TypeGuard[float]:
    """A finite number of seconds since the epoch (NaN and inf fail both bounds)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= _LATEST_TIMESTAMP
