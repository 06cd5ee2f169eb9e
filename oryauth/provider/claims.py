"""The claims a consent puts into the tokens Hydra issues.

Staff map scopes to claims with `ScopeClaim` rows (Django admin). At consent
time `claims_for_consent` reads the identity from Kratos admin (server-side),
evaluates the mappings of the *granted* scopes only, lets the site's hook
(`ORYAUTH["PROVIDER_CLAIMS_HOOK"]`) add computed claims, and returns what goes
into Hydra's `session.id_token` and `session.access_token`.

Claim building itself (`build_claims`) is a pure function of an identity and
a list of rules, so it is tested without a database or network.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import caches
from django.utils.module_loading import import_string
from ory_client.models.identity import Identity

from .. import ory
from ..conf import oryauth_settings
from ..errors import OryError
from ..identities import address_is_verified
from .models import RESERVED_CLAIMS, ScopeClaim

logger = logging.getLogger(__name__)

Source = ScopeClaim.Source
Token = ScopeClaim.Token
_MISSING = object()


@dataclass(frozen=True)
class ClaimRule:
    """One mapping, detached from the database (a `ScopeClaim` row's values)."""

    scope: str
    claim: str
    source: str
    path: str = ""
    token: str = Token.ID_TOKEN

    @classmethod
    def from_model(cls, row: ScopeClaim) -> ClaimRule:
        return cls(scope=row.scope, claim=row.claim, source=row.source, path=row.path, token=row.token)

    @property
    def trait_paths(self) -> list[str]:
        """The trait paths this rule reads (none for public metadata)."""
        if self.source == Source.METADATA_PUBLIC:
            return []
        return self.path.split()


@dataclass
class TokenClaims:
    """Claims for Hydra's consent session: `id_token` goes into the ID token,
    `access_token` into the access token's introspection (`ext`)."""

    id_token: dict[str, Any] = field(default_factory=dict)
    access_token: dict[str, Any] = field(default_factory=dict)


def lookup_path(document: Any, path: str) -> Any:
    """The value at a dotted `path` in nested mappings, or `_MISSING`."""
    value = document
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def claim_value(identity: Identity, rule: ClaimRule) -> Any:
    """The value `rule` gives for `identity`, or `_MISSING` when the identity
    lacks what the rule reads (the claim is then left out, never sent empty)."""
    traits = identity.traits if isinstance(identity.traits, Mapping) else {}
    if rule.source == Source.TRAIT:
        value = lookup_path(traits, rule.path.strip())
        return _MISSING if value is None or value == "" else value
    if rule.source == Source.TRAITS_JOINED:
        parts = [lookup_path(traits, path) for path in rule.trait_paths]
        words = [str(part).strip() for part in parts if part is not _MISSING and part not in (None, "")]
        return " ".join(words) if words else _MISSING
    if rule.source == Source.VERIFIED:
        address = lookup_path(traits, rule.path.strip())
        if address is _MISSING or address in (None, ""):
            return _MISSING
        return address_is_verified(identity, address)
    if rule.source == Source.METADATA_PUBLIC:
        metadata = identity.metadata_public
        if not rule.path.strip():
            return metadata if metadata not in (None, {}) else _MISSING
        value = lookup_path(metadata, rule.path.strip())
        return _MISSING if value is None else value
    logger.warning("Scope claim %s -> %s has an unknown source %r; ignored.", rule.scope, rule.claim, rule.source)
    return _MISSING


def build_claims(identity: Identity, granted_scopes: Iterable[str], rules: Iterable[ClaimRule]) -> TokenClaims:
    """The claims of `identity` that the `granted_scopes` allow, per `rules`.

    Rules of scopes that were not granted are ignored; claims Hydra sets
    itself (`sub`, `iss`, ...) are never overridden.
    """
    granted = set(granted_scopes)
    claims = TokenClaims()
    for rule in rules:
        if rule.scope not in granted or rule.claim in RESERVED_CLAIMS:
            continue
        value = claim_value(identity, rule)
        if value is _MISSING:
            continue
        if rule.token in (Token.ID_TOKEN, Token.BOTH):
            claims.id_token[rule.claim] = value
        if rule.token in (Token.ACCESS_TOKEN, Token.BOTH):
            claims.access_token[rule.claim] = value
    return claims


def rules_for_scopes(scopes: Iterable[str]) -> list[ClaimRule]:
    """The enabled mappings of these scopes, from the database."""
    rows = ScopeClaim.objects.filter(scope__in=list(scopes), enabled=True).order_by("scope", "claim")
    return [ClaimRule.from_model(row) for row in rows]


def apply_claims_hook(identity: Identity, granted_scopes: list[str], claims: TokenClaims) -> TokenClaims:
    """Let the site's `PROVIDER_CLAIMS_HOOK` add computed claims."""
    hook_path = oryauth_settings().PROVIDER_CLAIMS_HOOK
    if not hook_path:
        return claims
    hook = import_string(hook_path)
    result = hook(identity, list(granted_scopes), claims)
    result = claims if result is None else result
    # The hook may not override what Hydra sets either.
    for reserved in RESERVED_CLAIMS:
        result.id_token.pop(reserved, None)
        result.access_token.pop(reserved, None)
    return result


def claims_for_consent(subject: str, granted_scopes: list[str]) -> TokenClaims:
    """The token claims for a consent given by `subject` (a Kratos identity
    id) for `granted_scopes`. Reads the identity through Kratos admin."""
    identity = ory.kratos_identities().get_identity(subject)
    claims = build_claims(identity, granted_scopes, rules_for_scopes(granted_scopes))
    return apply_claims_hook(identity, granted_scopes, claims)


# --- Checking mappings against the identity schema (admin) ---------------------

SCHEMA_CACHE_KEY = "oryauth:provider:trait-paths"
SCHEMA_CACHE_TTL = 60


def trait_paths_of_schema(schema: Mapping[str, Any]) -> set[str]:
    """Every dotted trait path an identity JSON schema declares
    (`email`, `name`, `name.first`, ...)."""
    traits = lookup_path(schema, "properties.traits")
    paths: set[str] = set()

    def walk(node: Any, prefix: str) -> None:
        properties = node.get("properties") if isinstance(node, Mapping) else None
        if not isinstance(properties, Mapping):
            return
        for name, child in properties.items():
            path = f"{prefix}{name}"
            paths.add(path)
            walk(child, f"{path}.")

    walk(traits, "")
    return paths


def _cache() -> Any:
    """oryauth's cache (ORYAUTH['CACHE_ALIAS']), shared by every web process."""
    return caches[oryauth_settings().CACHE_ALIAS]


def known_trait_paths() -> set[str] | None:
    """Trait paths of every identity schema Kratos serves (cached briefly), or
    None when Kratos cannot tell (the admin then says "unknown")."""
    cached = _cache().get(SCHEMA_CACHE_KEY)
    if cached is not None:
        return set(cached)
    try:
        schemas = ory.get_json(ory.KRATOS_ADMIN, "/admin/schemas")
    except OryError as exc:
        logger.warning("Could not read the identity schemas to check claim mappings: %s", exc)
        return None
    paths: set[str] = set()
    for entry in schemas if isinstance(schemas, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("schema"), Mapping):
            paths |= trait_paths_of_schema(entry["schema"])
    _cache().set(SCHEMA_CACHE_KEY, sorted(paths), SCHEMA_CACHE_TTL)
    return paths


def missing_trait_paths(rule: ClaimRule, schema_paths: set[str]) -> list[str]:
    """The trait paths `rule` reads that no identity schema declares."""
    return [path for path in rule.trait_paths if path not in schema_paths]
