"""Hydra's OpenID Connect discovery document, read once and cached.

The browser is sent to the endpoints exactly as Hydra announces them; Django
itself calls them through `HYDRA_PUBLIC_URL` (see `server_path`), which may be
an internal address when Hydra sits behind a proxy.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.core.cache import caches

from .. import ory
from ..conf import oryauth_settings
from ..errors import OryProtocolError
from ..jwks import KeySet


@dataclass(frozen=True)
class ProviderMetadata:
    """The parts of the discovery document a relying party uses."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str = ""
    end_session_endpoint: str = ""
    revocation_endpoint: str = ""

    @classmethod
    def from_document(cls, document: Any) -> ProviderMetadata:
        """Read the discovery document; `OryProtocolError` when a required
        endpoint is missing or any endpoint is not an http(s) URL (a broken
        or hostile document must not reach `urlsplit` or the browser)."""
        if not isinstance(document, dict):
            raise OryProtocolError(ory.HYDRA_PUBLIC, f"{ory.DISCOVERY_PATH} is not a JSON object")
        missing = [key for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri") if not document.get(key)]
        if missing:
            raise OryProtocolError(ory.HYDRA_PUBLIC, f"{ory.DISCOVERY_PATH} lacks {', '.join(missing)}")
        fields = {name: document.get(name) or "" for name in _ENDPOINT_FIELDS}
        unusable = sorted(name for name, value in fields.items() if value and not _is_http_url(value))
        if unusable:
            raise OryProtocolError(ory.HYDRA_PUBLIC, f"{ory.DISCOVERY_PATH} has unusable {', '.join(unusable)}")
        return cls(**fields)

    def server_path(self, endpoint: str) -> str:
        """The path to call on HYDRA_PUBLIC_URL for an announced endpoint
        (what follows the issuer, so an issuer with a path prefix works)."""
        issuer = self.issuer.rstrip("/")
        if endpoint.startswith(issuer + "/"):
            return endpoint[len(issuer):]
        parts = urlsplit(endpoint)
        return parts.path + (f"?{parts.query}" if parts.query else "")


_ENDPOINT_FIELDS = (
    "issuer", "authorization_endpoint", "token_endpoint", "jwks_uri",
    "userinfo_endpoint", "end_session_endpoint", "revocation_endpoint",
)


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str) or len(value) > 2048:
        return False
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:  # "http://[::1", "http://host:port"
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _cache() -> Any:
    """oryauth's cache (ORYAUTH['CACHE_ALIAS']), shared by every web process."""
    return caches[oryauth_settings().CACHE_ALIAS]


def cache_key(name: str) -> str:
    """The cache key of a cached provider document ("discovery", "jwks", ...)."""
    return f"oryauth:client:{name}:{oryauth_settings().HYDRA_PUBLIC_URL}"


def provider_metadata() -> ProviderMetadata:
    """Hydra's discovery document (cached for DISCOVERY_CACHE_TTL seconds).

    Raises `OryProtocolError` when Hydra's issuer is not the one this site
    expects: every ID token would then fail its `iss` check, so say it once,
    clearly, with the setting to change.
    """
    conf = oryauth_settings()
    key = cache_key("discovery")
    document = _cache().get(key)
    if document is None:
        document = ory.get_json(ory.HYDRA_PUBLIC, ory.DISCOVERY_PATH)
        metadata = ProviderMetadata.from_document(document)
        if metadata.issuer != conf.hydra_issuer:
            raise OryProtocolError(
                ory.HYDRA_PUBLIC,
                f"Hydra's issuer is {metadata.issuer!r} but this site expects {conf.hydra_issuer!r}: "
                "set ORYAUTH['HYDRA_ISSUER'] to Hydra's urls.self.issuer",
            )
        _cache().set(key, document, conf.DISCOVERY_CACHE_TTL)
    return ProviderMetadata.from_document(document)


def _fetch_jwks() -> Any:
    metadata = provider_metadata()
    return ory.get_json(ory.HYDRA_PUBLIC, metadata.server_path(metadata.jwks_uri))


def hydra_key_set() -> KeySet:
    """Hydra's JWKS as announced in discovery (`jwks_uri`), cached."""
    return KeySet("Hydra", cache_key("jwks"), _fetch_jwks)


def signing_keys(*, refresh: bool = False) -> list[dict[str, Any]]:
    """The public keys of Hydra's JWKS (cached; `refresh=True` fetches anew)."""
    return hydra_key_set().keys(refresh=refresh)


def forget_cached_metadata() -> None:
    """Drop the cached discovery document and JWKS (tests, key rotation by hand)."""
    _cache().delete(cache_key("discovery"))
    hydra_key_set().forget()
