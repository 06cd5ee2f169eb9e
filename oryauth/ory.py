"""The only module that talks to Ory.

It builds the ory-client API objects (Kratos public and admin, Hydra public and
admin), each bound to its own base URL with a timeout on every call, and turns
every failure into a typed error from `oryauth.errors`:

- no connection, a timeout, or a 5xx answer -> `OryUnavailable`
- a 4xx answer -> `OryRejected` (with Ory's error id and message)
- an answer the ory-client models cannot read -> `OryProtocolError`

Everything else in oryauth calls Ory through the functions here.
"""
from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import ory_client
import pydantic
import requests
import urllib3
from ory_client.api.frontend_api import FrontendApi
from ory_client.api.identity_api import IdentityApi
from ory_client.api.o_auth2_api import OAuth2Api
from ory_client.exceptions import ApiException
from ory_client.models.session import Session

from .conf import OryAuthSettings, oryauth_settings
from .errors import OryProtocolError, OryRejected, OryUnavailable

logger = logging.getLogger(__name__)

KRATOS_PUBLIC = "Kratos public"
KRATOS_ADMIN = "Kratos admin"
HYDRA_PUBLIC = "Hydra public"
HYDRA_ADMIN = "Hydra admin"
# Hydra's discovery document (OpenID Connect Discovery 1.0).
DISCOVERY_PATH = "/.well-known/openid-configuration"


class _OryApiClient(ory_client.ApiClient):
    """An ory-client ApiClient that applies oryauth's timeout and error mapping
    to every call made through it."""

    def __init__(self, service: str, base_url: str, timeout: float) -> None:
        configuration = ory_client.Configuration(host=base_url.rstrip("/"))
        # No silent retries: a dead server must fail within one timeout.
        configuration.retries = 0
        super().__init__(configuration)
        self.service = service
        self.timeout = timeout

    def call_api(
        self,
        method: str,
        url: str,
        header_params: dict[str, str] | None = None,
        body: Any = None,
        post_params: list[tuple[str, Any]] | None = None,
        _request_timeout: Any = None,
    ) -> Any:
        try:
            return super().call_api(
                method,
                url,
                header_params=header_params,
                body=body,
                post_params=post_params,
                _request_timeout=_request_timeout or (self.timeout, self.timeout),
            )
        except urllib3.exceptions.HTTPError as exc:
            raise OryUnavailable(self.service, _describe_transport_error(exc)) from None

    def response_deserialize(self, response_data: Any, response_types_map: dict[str, Any] | None = None) -> Any:
        try:
            return super().response_deserialize(response_data, response_types_map)
        except ApiException as exc:
            raise _error_from_status(self.service, exc.status or 0, exc.body) from None
        except (pydantic.ValidationError, ValueError) as exc:
            raise OryProtocolError(self.service, str(exc).splitlines()[0]) from None


def _describe_transport_error(exc: Exception) -> str:
    reason = getattr(exc, "reason", None) or exc
    text = str(reason)
    if "timed out" in text.lower():
        return "no answer within the timeout"
    if "refused" in text.lower():
        return "connection refused (is the server running?)"
    return text


def _error_from_status(service: str, status: int, body: str | bytes | None) -> OryUnavailable | OryRejected:
    """Map an HTTP error answer to a typed error, keeping Ory's own error id.

    Kratos answers `{"error": {"id", "message", "reason"}}`; Hydra answers
    `{"error": "...", "error_description": "..."}`.
    """
    parsed: Any = None
    if body:
        try:
            parsed = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, or nested past Python's limit
            parsed = None
    if status >= 500 or status == 0:
        return OryUnavailable(service, f"server error {status}")
    error_id, message = "", ""
    if isinstance(parsed, dict):
        error = parsed.get("error")
        if isinstance(error, dict):
            error_id, message = kratos_error_id_and_message(error)
        elif isinstance(error, str):
            error_id = error
            message = str(parsed.get("error_description") or "")
    return OryRejected(service, status, error_id=error_id, message=message, body=parsed)


def kratos_error_id_and_message(error: Mapping[str, Any]) -> tuple[str, str]:
    """Kratos's machine-readable id and its most specific human text from one
    of its error objects (`{"id", "status", "reason", "message", ...}`), as
    found in API error answers and in self-service flow errors."""
    error_id = str(error.get("id") or error.get("status") or "")
    message = str(error.get("reason") or error.get("message") or "")
    return error_id, message


# --- API objects ---------------------------------------------------------------
# One ApiClient (and so one connection pool) per service and settings; the
# settings object is part of the cache key so an override in tests rebuilds.


@lru_cache(maxsize=16)
def _api_client(service: str, base_url: str, timeout: float) -> _OryApiClient:
    return _OryApiClient(service, base_url, timeout)


def next_page_token(headers: Mapping[str, str]) -> str | None:
    """Kratos and Hydra announce the next page of a list in a
    `Link: <...page_token=X...>; rel="next"` header; None on the last page."""
    link = next((value for key, value in headers.items() if key.lower() == "link"), "")
    for part in link.split(","):
        if 'rel="next"' in part:
            url = part.split(";")[0].strip().strip("<>")
            tokens = parse_qs(urlsplit(url).query).get("page_token")
            if tokens:
                return tokens[0]
    return None


def _client_for(service: str, conf: OryAuthSettings | None = None) -> _OryApiClient:
    conf = conf or oryauth_settings()
    base_url = {
        KRATOS_PUBLIC: conf.KRATOS_PUBLIC_URL,
        KRATOS_ADMIN: conf.KRATOS_ADMIN_URL,
        HYDRA_PUBLIC: conf.HYDRA_PUBLIC_URL,
        HYDRA_ADMIN: conf.HYDRA_ADMIN_URL,
    }[service]
    return _api_client(service, base_url, float(conf.HTTP_TIMEOUT))


def kratos_frontend() -> FrontendApi:
    """Kratos public API: self-service flows and sessions (whoami)."""
    return FrontendApi(_client_for(KRATOS_PUBLIC))


def kratos_identities() -> IdentityApi:
    """Kratos admin API: identities and their sessions. Server-side only."""
    return IdentityApi(_client_for(KRATOS_ADMIN))


def hydra_admin() -> OAuth2Api:
    """Hydra admin API: login / consent / logout challenges, clients,
    introspection. Server-side only."""
    return OAuth2Api(_client_for(HYDRA_ADMIN))


def hydra_public() -> OAuth2Api:
    """Hydra public API: the OAuth2 endpoints a client uses."""
    return OAuth2Api(_client_for(HYDRA_PUBLIC))


# --- Sessions -----------------------------------------------------------------


def whoami(*, cookie: str | None = None, session_token: str | None = None) -> Session | None:
    """The Kratos session for a browser's Cookie header or a session token.

    Returns None when Kratos says there is no valid session (401/403); raises
    `OryUnavailable` when Kratos cannot be asked.
    """
    try:
        return kratos_frontend().to_session(cookie=cookie, x_session_token=session_token)
    except OryRejected as exc:
        if exc.status in (401, 403):
            return None
        raise


# --- Plain HTTP (endpoints ory-client does not model) --------------------------


# An answer larger than this is not one Ory sends (a discovery document or a
# JWKS is a few KB): reading stops there instead of filling memory.
MAX_ANSWER_BYTES = 1_000_000


def _plain_request(service: str, method: str, path: str, *, follow_redirects: bool = False, **kwargs: Any) -> tuple[int, bytes]:
    """One plain HTTP call to an Ory API: the status and the whole body, read
    within HTTP_TIMEOUT after the headers (a peer dripping a byte at a time
    cannot hold a request longer) and at most MAX_ANSWER_BYTES."""
    client = _client_for(service)
    url = client.configuration.host + path
    try:
        response = requests.request(method, url, timeout=client.timeout, allow_redirects=follow_redirects, stream=True, **kwargs)
    except requests.RequestException as exc:
        raise OryUnavailable(service, _describe_transport_error(exc)) from None
    deadline = time.monotonic() + client.timeout
    body = bytearray()
    try:
        response.raw.decode_content = True
        while chunk := response.raw.read1(65536):  # what has arrived, without waiting to fill a buffer
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise OryProtocolError(service, f"{path} answered more than {MAX_ANSWER_BYTES} bytes")
            if time.monotonic() > deadline:
                raise OryUnavailable(service, f"{path} did not finish its answer within {client.timeout:g} s")
    except (urllib3.exceptions.HTTPError, OSError) as exc:  # truncated, reset, timed out mid-body
        raise OryUnavailable(service, _describe_transport_error(exc)) from None
    finally:
        response.close()
    return response.status_code, bytes(body)


def _decoded(service: str, path: str, body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, or nested past Python's limit
        raise OryProtocolError(service, f"{path} did not answer JSON") from None


def get_json(service: str, path: str) -> Any:
    """GET `path` on one of the four Ory APIs and return the decoded JSON,
    with the same timeout and error mapping as the ory-client calls."""
    # Kratos's admin API redirects some paths (/admin/schemas -> /schemas).
    status, body = _plain_request(service, "GET", path, follow_redirects=True, headers={"Accept": "application/json"})
    if status >= 400:
        raise _error_from_status(service, status, body)
    return _decoded(service, path, body)


def call_oauth2_endpoint(
    service: str,
    method: str,
    path: str,
    *,
    form: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """Call an OAuth2 endpoint ory-client does not model the way a relying
    party needs (token, userinfo, revocation): an optional form body, the
    caller's headers (client authentication, Bearer), same timeout and error
    mapping as everything else here. Returns the decoded JSON, or None for an
    empty answer (revocation answers 200 with no body)."""
    status, body = _plain_request(
        service, method, path,
        data=dict(form) if form is not None else None,
        headers={"Accept": "application/json", **(headers or {})},
    )
    if status >= 400:
        raise _error_from_status(service, status, body)
    if not body.strip():
        return None
    return _decoded(service, path, body)


def redirect_location(service: str, path: str, params: Mapping[str, str] | None = None) -> str | None:
    """GET a browser endpoint without following its redirect and return where
    it sends the browser (the Location header), or None when it does not
    redirect. The doctor uses it to see which UI URLs Kratos and Hydra use."""
    return browser_step(service, path, params)[0]


def browser_step(
    service: str, path_or_url: str, params: Mapping[str, str] | None = None, cookies: Mapping[str, str] | None = None
) -> tuple[str | None, dict[str, str]]:
    """One step of a browser visit to a public endpoint: GET with `cookies`,
    without following the redirect. Returns the Location (or None) and the
    cookies with what the server set merged in. `path_or_url` may be an
    absolute URL Ory sent back (a `redirect_to`), but only on this service."""
    client = _client_for(service)
    base = client.configuration.host
    if path_or_url.startswith(("http://", "https://")):
        if not path_or_url.startswith(base + "/"):
            raise OryProtocolError(service, f"refusing to follow a redirect away from {base}")
        url = path_or_url
    else:
        url = base + path_or_url
    try:
        response = requests.get(
            url, params=dict(params or {}), cookies=dict(cookies or {}), timeout=client.timeout, allow_redirects=False
        )
    except requests.RequestException as exc:
        raise OryUnavailable(service, _describe_transport_error(exc)) from None
    if response.status_code >= 500:
        raise _error_from_status(service, response.status_code, response.content)
    location = response.headers.get("Location") if response.is_redirect else None
    received = {name: value or "" for name, value in response.cookies.get_dict().items()}
    return location, {**dict(cookies or {}), **received}
