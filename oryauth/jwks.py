"""Signed JWTs checked against a JSON Web Key Set: the keys (cached in
oryauth's cache and copied into each process, fetched again at most once per
interval when a token names an unknown key) and the signature, with one
algorithm allow-list.

Used for every JWT oryauth verifies: ID and logout tokens (`oryauth.client`),
and the Bearer JWTs the resource server checks without calling Ory
(`oryauth.local_tokens`: Hydra's JWT access tokens, Kratos's tokenized
sessions). Claims are not checked here; each caller checks its own.

Only asymmetric algorithms from ORYAUTH["CLIENT_ID_TOKEN_ALGORITHMS"] are
accepted: `none` and HS* never are, so a token "signed" with a public key as
an HMAC secret cannot pass.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any, TypeGuard

from django.core.cache import caches
from jose import jwk
from jose.exceptions import JOSEError
from jose.utils import base64url_decode

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
# Seconds a process uses its copy of a key set without looking at the shared
# cache: a key the issuer withdrew is trusted at most this long after the
# shared cache dropped it (DISCOVERY_CACHE_TTL).
LOCAL_COPY_SECONDS = 60


class TokenRefused(Exception):
    """A JWT failed a check. `reason` is a stable code (tests, logs),
    `message` says in words what was wrong (never the token itself)."""

    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(f"{reason}: {message}")


@dataclass
class _LocalCopy:
    """A key set as this process holds it: the JWKS entries, until when, and
    the key objects built from them so far (by algorithm and position)."""

    keys: list[dict[str, Any]]
    until: float
    built: dict[tuple[str, int], Any] = field(default_factory=dict)


# cache key -> this process's copy. A new token is checked without reading the
# shared cache (with Redis, a round trip per request); a token naming a key the
# copy lacks makes the process look at the shared cache, then at the issuer.
_local_copies: dict[str, _LocalCopy] = {}


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
        """The keys: this process's copy (for at most LOCAL_COPY_SECONDS),
        else the shared cache's (DISCOVERY_CACHE_TTL seconds in CACHE_ALIAS),
        else fetched; `refresh=True` fetches anew. Concurrent requests of this
        process share one fetch."""
        return self.local_copy(refresh=refresh).keys

    def local_copy(self, *, refresh: bool = False) -> _LocalCopy:
        """This process's copy of the keys, taken again from the shared cache
        once it is LOCAL_COPY_SECONDS old (`refresh=True`: fetched anew)."""
        local = _local_copies.get(self.cache_key)
        if local is not None and not refresh and local.until > time.monotonic():
            return local
        document = None if refresh else _cache_read(caches[oryauth_settings().CACHE_ALIAS], self.cache_key)
        if document is None:
            document = caller_cache.single_flight(self.cache_key, self._fetch_and_store, wait=2 * float(oryauth_settings().HTTP_TIMEOUT) + 1)
        return self._held(document)

    def _held(self, document: dict[str, Any]) -> _LocalCopy:
        """`document` as this process's copy: the copy it holds (with the key
        objects built from it) when the keys are the same."""
        keys = [k for k in document["keys"] if isinstance(k, dict)]
        until = time.monotonic() + min(LOCAL_COPY_SECONDS, oryauth_settings().DISCOVERY_CACHE_TTL)
        local = _local_copies.get(self.cache_key)
        if local is not None and keys == local.keys:
            local.until = until
            return local
        local = _local_copies[self.cache_key] = _LocalCopy(keys, until)
        return local

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

    def refetched(self) -> _LocalCopy | None:
        """Newer keys, because a token names a key this process's copy lacks:
        the shared cache's when another process already took them, else
        fetched anew (the issuer rotated its keys). None when neither has
        newer keys to give: the fetch already happened in the last
        REFETCH_INTERVAL seconds in a process sharing the cache, or the cache
        fails (then nothing is fetched at all: a flood of made-up key ids must
        not reach the issuer)."""
        held = _local_copies.get(self.cache_key)
        cache = caches[oryauth_settings().CACHE_ALIAS]
        document = _cache_read(cache, self.cache_key)
        if document is not None:
            shared = self._held(document)
            if shared is not held:
                return shared
        try:
            first = cache.add(self.cache_key + ":refetched", True, REFETCH_INTERVAL)
        except Exception:  # noqa: BLE001 (without the shared guard, do not refetch at all)
            return None
        return self.local_copy(refresh=True) if first else None

    def forget(self) -> None:
        """Drop the cached keys, shared and this process's (tests, key rotation by hand)."""
        _local_copies.pop(self.cache_key, None)
        caches[oryauth_settings().CACHE_ALIAS].delete_many([self.cache_key, self.cache_key + ":refetched"])


def forget_local_copies() -> None:
    """Drop this process's copies of every key set: the next token is checked
    against the shared cache's keys (tests; a site never needs this)."""
    _local_copies.clear()


def _cache_read(cache: Any, key: str) -> Any:
    try:
        document = cache.get(key)
    except Exception:  # noqa: BLE001 (a failing cache means fetching again, never a 500)
        return None
    return document if isinstance(document, dict) and isinstance(document.get("keys"), list) else None


@dataclass(frozen=True)
class CompactJWS:
    """A JWT in compact serialization taken apart. Nothing in it is trusted
    before `verify_signature` checked it; `claims` is None when the payload
    is not a JSON object."""

    header: Mapping[str, Any]
    claims: Mapping[str, Any] | None
    signing_input: bytes
    signature: bytes

    @property
    def issuer(self) -> str:
        """The `iss` the token claims ("" when it names none)."""
        issuer = (self.claims or {}).get("iss")
        return issuer if isinstance(issuer, str) else ""


def parsed(token: Any) -> CompactJWS:
    """`token` taken apart, or `TokenRefused` ("malformed"). The last few are
    kept: a request's token is read more than once (whose it is, then its
    signature), and parsing costs more than the rest of a check."""
    if not isinstance(token, str):  # e.g. a JSON list where a peer owed a token
        raise TokenRefused("malformed", "not a compact JWS (not a string)")
    return _parsed(token)


@lru_cache(maxsize=32)
def _parsed(token: str) -> CompactJWS:
    try:
        signing_input = token.encode("ascii")
        header_part, payload_part, signature_part = signing_input.split(b".")
        header = json.loads(base64url_decode(header_part))
        payload = base64url_decode(payload_part)
        signature = base64url_decode(signature_part)
    except (ValueError, TypeError, AttributeError, RecursionError):  # not ASCII, not three parts, bad base64, not JSON
        raise TokenRefused("malformed", "not a compact JWS (three base64url parts, a JSON header)") from None
    if not isinstance(header, dict):
        raise TokenRefused("malformed", "the header is not a JSON object")
    try:
        claims = json.loads(payload)
    except (ValueError, RecursionError):
        claims = None
    return CompactJWS(
        header=MappingProxyType(header),
        claims=MappingProxyType(claims) if isinstance(claims, dict) else None,
        signing_input=signing_input.rpartition(b".")[0],
        signature=signature,
    )


def verify_signature(token: str, key_set: KeySet) -> tuple[dict[str, Any], str]:
    """The payload of `token`, signed by a key of `key_set`, and the
    algorithm it was signed with; `TokenRefused` otherwise. No claim is checked."""
    jws = parsed(token)
    algorithm = allowed_algorithm(jws.header)
    key = _verification_key(key_set, jws.header.get("kid"), algorithm)
    try:
        valid = key.verify(jws.signing_input, jws.signature)
    except (JOSEError, ValueError, TypeError):
        valid = False
    if not valid:
        raise TokenRefused("bad_signature", f"the signature does not match {key_set.name}'s key")
    if jws.claims is None:
        raise TokenRefused("malformed", "the payload is not a JSON object")
    return dict(jws.claims), algorithm


def unverified_issuer(token: str) -> str:
    """The `iss` a JWT claims, not yet trusted ("" when it names none): says
    which key set to check it against, and nothing more."""
    try:
        return parsed(token).issuer
    except TokenRefused:
        return ""


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


def _verification_key(key_set: KeySet, kid: Any, algorithm: str) -> Any:
    """The key for `kid`, looking again once when this process's copy of the
    key set does not have it (the issuer rotated its keys). Built once per
    copy: building a key costs more than checking a signature with it."""
    copy = key_set.local_copy()
    found = _matching_key(copy.keys, kid, algorithm)
    if found is None:
        logger.info("A token names key %r which the cached %s JWKS lacks: fetching it again", str(kid)[:80], key_set.name)
        fresh = key_set.refetched()
        if fresh is not None:
            copy, found = fresh, _matching_key(fresh.keys, kid, algorithm)
    if found is None:
        raise TokenRefused("unknown_key", f"{key_set.name}'s JWKS has no key {str(kid)[:80]!r} for {algorithm}")
    key = copy.built.get((algorithm, found))
    if key is None:
        try:
            key = copy.built[(algorithm, found)] = jwk.construct(copy.keys[found], algorithm)
        except (JOSEError, ValueError, TypeError, KeyError, AttributeError):
            # A key with the right kid but malformed parameters (bad base64, a
            # number where a string belongs) makes jwk.construct raise more than
            # JOSEError: a broken or hostile JWKS is a refusal, not a crash.
            raise TokenRefused("unusable_key", f"key {str(kid)[:80]!r} in {key_set.name}'s JWKS is malformed or unusable for {algorithm}") from None
    return key


def _matching_key(keys: list[dict[str, Any]], kid: Any, algorithm: str) -> int | None:
    """The position of the key for `kid` and `algorithm` in `keys`."""
    key_type = "RSA" if algorithm.startswith("RS") else "EC"
    candidates = [
        n for n, k in enumerate(keys)
        if k.get("kty") == key_type and k.get("use", "sig") == "sig" and k.get("alg", algorithm) == algorithm
    ]
    if kid is not None:
        candidates = [n for n in candidates if keys[n].get("kid") == kid]
    # Without a kid the choice must be unambiguous.
    return candidates[0] if len(candidates) == 1 or (kid is not None and candidates) else None


def check_time_claims(claims: Mapping[str, Any], *, required: Collection[str], leeway: float, now: float) -> None:
    """The time claims of a signature-checked JWT (RFC 7519, 4.1.4-6): `exp`
    not passed, `nbf` reached, `iat` not in the future, each give or take
    `leeway` seconds. Those in `required` must be there; any that is there
    must be a timestamp. `TokenRefused` otherwise."""
    for name in ("exp", "nbf", "iat"):
        value = claims.get(name)
        if name in required and not is_timestamp(value):
            raise TokenRefused("missing_claim", f"the token lacks a usable {name!r} (a timestamp before year 10000)")
        if value is not None and not is_timestamp(value):
            raise TokenRefused("malformed", f"{name!r} is not a timestamp")
    expires, not_before, issued = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if expires is not None and now > expires + leeway:
        raise TokenRefused("expired", f"expired {int(now - expires)} seconds ago")
    if not_before is not None and not_before > now + leeway:
        raise TokenRefused("not_yet_valid", f"'nbf' is {int(not_before - now)} seconds in the future")
    if issued is not None and issued > now + leeway:
        raise TokenRefused("issued_in_future", f"issued {int(issued - now)} seconds in the future (clock skew?)")


# 9999-12-31: a larger "timestamp" is nonsense, and 10**400 would overflow
# the float arithmetic of the checks.
_LATEST_TIMESTAMP = 253402300799


def is_timestamp(value: Any) -> TypeGuard[float]:
    """A finite number of seconds since the epoch (NaN and inf fail both bounds)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= _LATEST_TIMESTAMP
