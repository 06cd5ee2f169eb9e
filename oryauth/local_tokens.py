"""Bearer JWTs verified here, without a call to Ory (the zero-round-trip
mode for APIs; off unless a setting turns it on):

- Hydra's JWT access tokens (`JWT_ACCESS_TOKENS`; a client with
  `access_token_strategy: jwt`, or Hydra's `strategies.access_token: jwt`),
  checked against Hydra's JWKS;
- Kratos's tokenized sessions (`SESSION_JWT_JWKS_FILE`; a session token
  exchanged at `/sessions/whoami?tokenize_as=<template>`), checked against the
  public half of the tokenizer template's keys.

Each check fails with its own reason, logged (never the token): signature
and algorithm (`oryauth.jwks`: the ID tokens' allow-list, no `none`, no HS*),
`iss`, `exp`, `nbf`, `iat`, a lifetime of at most `JWT_MAX_LIFETIME`,
`ACCESS_TOKEN_AUDIENCE`, `sub`, and for access tokens `client_id` and the
scopes (`scp`). A refused token is an anonymous caller ("invalid"); keys that
cannot be had (Hydra down, the file unreadable) make it "unavailable".

The trade-off: Ory is not asked, so a token revoked at Hydra, or a session
ended at Kratos, is accepted until the JWT expires (bounded by
JWT_MAX_LIFETIME). Views that must see revocations introspect anyway
(`INTROSPECT_SCOPES`, `scope_required(..., introspect=True)`). A Django user
deactivated by staff is refused on the next request, as with every credential.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from . import ory
from .callers import Credential, OryCaller
from .conf import OryAuthSettings, oryauth_settings
from .errors import OryError, OryProtocolError
from .jwks import KeySet, TokenRefused, check_time_claims, is_timestamp, unverified_issuer, verify_signature
from .ory_answers import person_behind, with_person_behind

logger = logging.getLogger(__name__)

# Where Hydra publishes the keys it signs ID tokens and JWT access tokens with.
HYDRA_JWKS_PATH = "/.well-known/jwks.json"

# JWK members only a private (or symmetric) key has (RFC 7518 section 6).
PRIVATE_KEY_PARAMETERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})

Verifier = Callable[[str, OryAuthSettings], OryCaller]


def local_verifier(credential: Credential, conf: OryAuthSettings) -> Verifier | None:
    """How to check `credential` here, or None when Ory must be asked (the
    mode is off for its kind, or it is not a JWT: `ory_at_…`, `ory_st_…`)."""
    if credential.value.count(".") != 2:
        return None
    if credential.kind == "access_token" and conf.JWT_ACCESS_TOKENS:
        return caller_from_access_token_jwt
    if credential.kind == "session_token" and conf.SESSION_JWT_JWKS_FILE:
        return caller_from_session_jwt
    return None


# --- Keys ---------------------------------------------------------------------------


def _fetch_hydra_jwks() -> Any:
    return ory.get_json(ory.HYDRA_PUBLIC, HYDRA_JWKS_PATH)


def hydra_keys(conf: OryAuthSettings | None = None) -> KeySet:
    """Hydra's public keys (its JWKS endpoint), cached in CACHE_ALIAS."""
    conf = conf or oryauth_settings()
    return KeySet("Hydra", f"oryauth:jwks:hydra:{conf.HYDRA_PUBLIC_URL}", _fetch_hydra_jwks)


def read_public_jwks(path: str) -> dict[str, Any]:
    """The public keys in the JWKS file at `path` (private parameters dropped:
    Django only verifies). `OryProtocolError` when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as file:
            document = json.load(file)
    except (OSError, ValueError) as exc:
        raise OryProtocolError("Kratos's session tokenizer", f"the JWKS file {path!r} cannot be read: {type(exc).__name__}") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise OryProtocolError("Kratos's session tokenizer", f"the JWKS file {path!r} has no 'keys' list")
    keys = [{n: v for n, v in k.items() if n not in PRIVATE_KEY_PARAMETERS} for k in document["keys"] if isinstance(k, dict)]
    return {"keys": keys}


def session_keys(conf: OryAuthSettings | None = None) -> KeySet:
    """The public keys of Kratos's session tokenizer (SESSION_JWT_JWKS_FILE)."""
    conf = conf or oryauth_settings()
    path = conf.SESSION_JWT_JWKS_FILE
    return KeySet("Kratos's session tokenizer", f"oryauth:jwks:kratos-sessions:{path}", lambda: read_public_jwks(path))


# --- Verifying ----------------------------------------------------------------------


def caller_from_access_token_jwt(token: str, conf: OryAuthSettings) -> OryCaller:
    """The caller behind a JWT access token Hydra signed, checked here."""
    try:
        claims = verified_claims(token, hydra_keys(conf), conf.hydra_issuer, conf)
        client_id = claims.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            raise TokenRefused("missing_claim", "the token names no 'client_id'")
        caller = OryCaller(
            via="access_token",
            is_authenticated=True,
            client_id=client_id,
            subject=claims["sub"],
            scopes=_scopes(claims),
            expires_at=datetime.fromtimestamp(claims["exp"], tz=timezone.utc),
            verified_locally=True,
        )
        return with_person_behind(caller, conf)
    except TokenRefused as exc:
        logger.info("Refused a JWT access token: %s", exc)
        return OryCaller(via="access_token", problem="invalid")
    except OryError as exc:  # Hydra's JWKS (or Kratos, for a person seen the first time) out of reach
        logger.warning("Could not check a JWT access token: %s", exc)
        return OryCaller(via="access_token", problem="unavailable")


def caller_from_session_jwt(token: str, conf: OryAuthSettings) -> OryCaller:
    """The person behind a tokenized Kratos session, checked here."""
    try:
        claims = verified_claims(token, session_keys(conf), conf.session_jwt_issuer, conf)
        person = person_behind(claims["sub"], conf)
        if person is None:
            raise TokenRefused("unknown_identity", "the subject is not a Kratos identity")
    except TokenRefused as exc:
        logger.info("Refused a tokenized session: %s", exc)
        return OryCaller(via="session_token", problem="invalid")
    except OryError as exc:
        logger.warning("Could not check a tokenized session: %s", exc)
        return OryCaller(via="session_token", problem="unavailable")
    subject = claims["sub"]
    if not person.is_active:
        return OryCaller(via="session_token", problem="rejected", identity_id=subject)
    # The template's claims mapper decides what else the token says.
    session = _mapping(claims.get("session"))
    traits = _mapping(session.get("identity")).get("traits")
    aal = claims.get("aal") or session.get("authenticator_assurance_level")
    return OryCaller(
        via="session_token",
        is_authenticated=True,
        identity_id=subject,
        session_id=str(claims.get("sid") or "")[:64],
        subject=subject,
        aal=aal if aal in ("aal1", "aal2", "aal3") else "",
        expires_at=datetime.fromtimestamp(claims["exp"], tz=timezone.utc),
        traits=dict(traits) if isinstance(traits, Mapping) else {},
        user_id=person.user_id,
        user_version=person.version,
        verified_locally=True,
    )


def verified_claims(token: str, keys: KeySet, issuer: str, conf: OryAuthSettings) -> dict[str, Any]:
    """The claims of `token` once its signature and the claims every Bearer
    JWT must pass are checked; `TokenRefused` otherwise."""
    if unverified_issuer(token) != issuer:  # before any key is looked up: no refetch for strangers
        raise TokenRefused("wrong_issuer", f"not issued by {issuer!r}")
    claims, _algorithm = verify_signature(token, keys)
    now, leeway = time.time(), conf.CLIENT_CLOCK_LEEWAY
    if claims.get("iss") != issuer:
        raise TokenRefused("wrong_issuer", f"issued by {str(claims.get('iss'))[:200]!r}, expected {issuer!r}")
    check_time_claims(claims, required=("exp",), leeway=leeway, now=now)
    expires = claims["exp"]
    start = next((claims[n] for n in ("iat", "nbf") if is_timestamp(claims.get(n))), now)
    if expires - start > conf.JWT_MAX_LIFETIME + leeway:  # Hydra's 1 h tokens live 3601 s
        raise TokenRefused("lifetime_too_long", f"valid for {int(expires - start)} seconds, more than JWT_MAX_LIFETIME")
    if conf.ACCESS_TOKEN_AUDIENCE:
        audience = claims.get("aud")
        audiences = [audience] if isinstance(audience, str) else audience if isinstance(audience, list) else []
        if not set(conf.ACCESS_TOKEN_AUDIENCE) & {a for a in audiences if isinstance(a, str)}:
            raise TokenRefused("wrong_audience", f"issued for {str(audiences)[:200]}, not for {list(conf.ACCESS_TOKEN_AUDIENCE)}")
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise TokenRefused("bad_subject", "'sub' is not a string of 1 to 255 characters")
    return claims


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _scopes(claims: Mapping[str, Any]) -> frozenset[str]:
    """Hydra's `scp` list (or RFC 9068's space-separated `scope`)."""
    scp = claims.get("scp")
    if isinstance(scp, list) and all(isinstance(s, str) for s in scp):
        return frozenset(scp)
    scope = claims.get("scope")
    if isinstance(scope, str):
        return frozenset(scope.split())
    if scp is None and scope is None:
        return frozenset()
    raise TokenRefused("malformed", "'scp' is not a list of strings")
