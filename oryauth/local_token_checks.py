"""System checks of the zero-round-trip mode (`oryauth.local_tokens`):
E038 settings of the wrong type, E039 a session JWKS file Django cannot use,
W032 a JWT lifetime that makes revocation slow, W033 private keys handed to
Django. Registered by `oryauth.apps`; no network.
"""
from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .conf import oryauth_settings, raw_settings
from .errors import OryProtocolError
from .local_tokens import PRIVATE_KEY_PARAMETERS, read_public_jwks

# Above this, a revoked token or an ended session stays usable "for a while"
# rather than "for a moment": Hydra's and Kratos's own defaults are 1 h and 1 min.
LONG_LIFETIME = 3600
_TYPES: dict[str, tuple[type, str]] = {
    "JWT_ACCESS_TOKENS": (bool, "True or False"),
    "SESSION_JWT_JWKS_FILE": (str, "a file path (or empty)"),
    "SESSION_JWT_ISSUER": (str, "Kratos's serve.public.base_url (or empty)"),
}


@register(Tags.security, "oryauth")
def check_local_token_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not isinstance(getattr(settings, "ORYAUTH", {}), dict):
        return []  # oryauth.E000 says so
    given = raw_settings()
    messages: list[CheckMessage] = []
    for name, (kind, expected) in _TYPES.items():
        if name in given and not isinstance(given[name], kind):
            messages.append(Error(f"ORYAUTH['{name}'] = {given[name]!r} must be {expected}.", id="oryauth.E038"))
    lifetime = given.get("JWT_MAX_LIFETIME", LONG_LIFETIME)
    if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime <= 0:
        messages.append(Error(f"ORYAUTH['JWT_MAX_LIFETIME'] = {lifetime!r} must be a positive whole number of seconds.", id="oryauth.E038"))
    if messages:
        return messages
    conf = oryauth_settings()
    local = conf.JWT_ACCESS_TOKENS or bool(conf.SESSION_JWT_JWKS_FILE)
    if local and lifetime > LONG_LIFETIME:
        messages.append(
            Warning(
                f"ORYAUTH['JWT_MAX_LIFETIME'] = {lifetime}: a JWT verified here stays usable up to {lifetime // 60} minutes "
                "after its grant is revoked at Hydra or its session ended at Kratos.",
                hint="Keep JWT lifetimes short (Hydra's ttl.access_token, the tokenizer template's ttl) and this "
                f"setting at most {LONG_LIFETIME}; list sensitive scopes in INTROSPECT_SCOPES.",
                id="oryauth.W032",
            )
        )
    if conf.SESSION_JWT_JWKS_FILE:
        messages.extend(_session_jwks_problems(conf.SESSION_JWT_JWKS_FILE))
    return messages


def _session_jwks_problems(path: str) -> list[CheckMessage]:
    try:
        public = read_public_jwks(path)
    except OryProtocolError as exc:
        hint = "Point it at the public JWKS of Kratos's tokenizer template."
        return [Error(f"ORYAUTH['SESSION_JWT_JWKS_FILE']: {exc.reason}.", hint=hint, id="oryauth.E039")]
    if not any(key.get("kty") in ("RSA", "EC") for key in public["keys"]):
        return [Error(f"ORYAUTH['SESSION_JWT_JWKS_FILE'] = {path!r} holds no RSA or EC key.", id="oryauth.E039")]
    with open(path, encoding="utf-8") as file:
        raw = json.load(file)
    if any(isinstance(k, dict) and PRIVATE_KEY_PARAMETERS & k.keys() for k in raw.get("keys", [])):
        return [
            Warning(
                f"ORYAUTH['SESSION_JWT_JWKS_FILE'] = {path!r} holds private key material.",
                hint="Django only verifies: give it the public keys (tools/ory/session-jwks.py writes both halves), "
                "so a leak of the web servers cannot mint sessions.",
                id="oryauth.W033",
            )
        ]
    return []
