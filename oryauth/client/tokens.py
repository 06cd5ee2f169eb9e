"""This site at Hydra's token, userinfo and revocation endpoints.

Client authentication follows ORYAUTH["CLIENT_AUTH_METHOD"]:
`client_secret_basic` (RFC 6749 2.3.1: id and secret form-encoded, then
base64), `client_secret_post` (both in the form) or `none` (a public client:
only `client_id`, PKCE carries the proof). When Hydra refuses, the error says
which setting to change.
"""
from __future__ import annotations

import base64
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from .. import ory
from ..conf import OryAuthSettings, oryauth_settings
from ..errors import OryProtocolError, OryRejected
from .discovery import provider_metadata

logger = logging.getLogger(__name__)

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "none")


# A provider's `expires_in` is clamped to this (one year): longer lifetimes are
# no more useful to a relying party, and a huge value (10**30) would overflow
# the datetime arithmetic of `expires_at`.
MAX_EXPIRES_IN = 365 * 24 * 3600
# RFC 6749 5.1 lets the provider leave `expires_in` out; assume a short
# lifetime so the token is refreshed soon rather than trusted for long.
MISSING_EXPIRES_IN = 300
# Hydra's tokens are well under 2 KB (a JWT access token with many claims a
# few KB): a larger one is not a token this site will store or send.
MAX_TOKEN_LENGTH = 16 * 1024
_VSCHARS = re.compile(r"[\x20-\x7e]*")


@dataclass(frozen=True)
class TokenResponse:
    """A successful answer of the token endpoint."""

    access_token: str
    expires_in: int
    token_type: str = "bearer"
    refresh_token: str = ""
    id_token: str = ""
    scope: str = ""

    @classmethod
    def from_json(cls, data: Any) -> TokenResponse:
        """Read an answer whatever its shape; raises `TokenEndpointError`
        ("invalid_token_response") when it cannot be used."""
        if not isinstance(data, dict) or not isinstance(data.get("access_token"), str) or not data["access_token"]:
            raise _invalid_answer("it has no access_token")
        text = {name: "" if data.get(name) is None else data[name] for name in ("token_type", "refresh_token", "id_token", "scope")}
        wrong = sorted(name for name, value in text.items() if not isinstance(value, str))
        if wrong:
            raise _invalid_answer(f"{', '.join(wrong)} is not a string")
        # RFC 6749 A.12/A.17: tokens are printable ASCII. Anything else (or a
        # token larger than any real one) is refused before it is hashed for
        # at_hash, sent in a header or stored.
        unusable = sorted(
            name for name, value in (("access_token", data["access_token"]), ("refresh_token", text["refresh_token"]),
                                     ("id_token", text["id_token"]))
            if len(value) > MAX_TOKEN_LENGTH or not _VSCHARS.fullmatch(value)
        )
        if unusable:
            raise _invalid_answer(f"{', '.join(unusable)} is not printable ASCII of at most {MAX_TOKEN_LENGTH} characters")
        return cls(
            access_token=data["access_token"],
            expires_in=_lifetime(data.get("expires_in")),
            token_type=text["token_type"] or "bearer",
            refresh_token=text["refresh_token"],
            id_token=text["id_token"],
            scope=text["scope"],
        )

    def __repr__(self) -> str:
        # Tokens must never end up in a log line or a traceback.
        return f"TokenResponse(expires_in={self.expires_in}, scope={self.scope!r}, refresh={'yes' if self.refresh_token else 'no'})"


class TokenEndpointError(Exception):
    """Hydra refused a token request. `error` is the OAuth2 error code,
    `explanation` says what to do about it, `misconfigured` is True when the
    fault is in this site's settings rather than in the user's request."""

    def __init__(self, error: str, explanation: str, *, misconfigured: bool, detail: str = "") -> None:
        self.error = error
        self.explanation = explanation
        self.misconfigured = misconfigured
        self.detail = detail
        super().__init__(f"{error}: {explanation}")


def _lifetime(value: Any) -> int:
    """`expires_in` as whole seconds in [0, MAX_EXPIRES_IN]. Numbers and digit
    strings are accepted; anything else (negative, non-finite, bool, text)
    is refused rather than guessed."""
    if value is None:
        return MISSING_EXPIRES_IN
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,12}", value):
        value = int(value)  # ASCII digits only: int("²") and 5000-digit strings raise
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _invalid_answer("expires_in is not a number")
    if value != value or value < 0 or value == float("inf"):  # NaN, negative, inf (JSON's 1e400)
        raise _invalid_answer(f"expires_in is {value!r}")
    return int(min(value, MAX_EXPIRES_IN))


def _invalid_answer(problem: str) -> TokenEndpointError:
    return TokenEndpointError(
        "invalid_token_response",
        "The sign-in service sent an answer this site cannot use, so nobody was signed in. Please try again.",
        misconfigured=False,
        detail=f"unusable token endpoint answer: {problem}",
    )


def client_credentials(form: dict[str, str], conf: OryAuthSettings | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """`form` with this client's credentials added, and the headers to send,
    for the configured token-endpoint auth method."""
    conf = conf or oryauth_settings()
    method = conf.CLIENT_AUTH_METHOD
    if method == "client_secret_basic":
        # Form-encode first (RFC 6749 2.3.1): a secret with ':' or '%' stays intact.
        raw = f"{quote_plus(conf.CLIENT_ID)}:{quote_plus(conf.CLIENT_SECRET)}".encode()
        return form, {"Authorization": "Basic " + base64.b64encode(raw).decode("ascii")}
    if method == "client_secret_post":
        return {**form, "client_id": conf.CLIENT_ID, "client_secret": conf.CLIENT_SECRET}, {}
    if method == "none":
        return {**form, "client_id": conf.CLIENT_ID}, {}
    raise ValueError(f"ORYAUTH['CLIENT_AUTH_METHOD'] = {method!r} is not one of {', '.join(AUTH_METHODS)}")


def _token_request(form: dict[str, str]) -> TokenResponse:
    metadata = provider_metadata()
    form, headers = client_credentials(form)
    try:
        answer = ory.call_oauth2_endpoint(
            ory.HYDRA_PUBLIC, "POST", metadata.server_path(metadata.token_endpoint), form=form, headers=headers
        )
    except OryRejected as exc:
        raise explain_token_error(exc) from None
    except OryProtocolError as exc:
        raise _invalid_answer(exc.reason) from None  # not JSON: as unusable as a wrong field
    return TokenResponse.from_json(answer)


def exchange_code(code: str, *, code_verifier: str) -> TokenResponse:
    """Trade an authorization code for tokens (authorization_code grant)."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": oryauth_settings().CLIENT_REDIRECT_URI}
    if code_verifier:
        form["code_verifier"] = code_verifier
    return _token_request(form)


def refresh_tokens(refresh_token: str) -> TokenResponse:
    """New tokens for a refresh token (Hydra rotates the refresh token too)."""
    return _token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})


def revoke_token(token: str, *, hint: str) -> None:
    """Revoke a refresh or access token (RFC 7009); revoking a refresh token
    also revokes the access tokens issued with it."""
    metadata = provider_metadata()
    if not metadata.revocation_endpoint:
        return
    form, headers = client_credentials({"token": token, "token_type_hint": hint})
    ory.call_oauth2_endpoint(
        ory.HYDRA_PUBLIC, "POST", metadata.server_path(metadata.revocation_endpoint), form=form, headers=headers
    )


def fetch_userinfo(access_token: str) -> dict[str, Any]:
    """The userinfo endpoint's claims for this access token."""
    metadata = provider_metadata()
    if not metadata.userinfo_endpoint:
        raise OryProtocolError(ory.HYDRA_PUBLIC, "the discovery document has no userinfo_endpoint")
    answer = ory.call_oauth2_endpoint(
        ory.HYDRA_PUBLIC,
        "GET",
        metadata.server_path(metadata.userinfo_endpoint),
        headers={"Authorization": f"Bearer {access_token}"},
    )
    if not isinstance(answer, dict):
        raise OryProtocolError(ory.HYDRA_PUBLIC, "the userinfo endpoint did not answer a JSON object")
    return answer


_METHOD_MISMATCH = re.compile(r"supports client authentication method '([a-z_]+)', but method '([a-z_]+)' was requested")


def explain_token_error(exc: OryRejected) -> TokenEndpointError:
    """Turn Hydra's token-endpoint refusal into words that name the setting to change."""
    conf = oryauth_settings()
    error = exc.error_id or "error"
    description = exc.message
    if error in ("invalid_client", "unauthorized_client", "invalid_request") and (
        mismatch := _METHOD_MISMATCH.search(description)
    ):
        registered, sent = mismatch.groups()
        return TokenEndpointError(
            error,
            f"The client {conf.CLIENT_ID!r} is registered in Hydra for {registered} but this site sends {sent}: "
            f"set ORYAUTH['CLIENT_AUTH_METHOD'] = {registered!r}, or change the client's "
            f"token_endpoint_auth_method in Hydra to {sent!r}.",
            misconfigured=True,
            detail=description,
        )
    if error == "invalid_client" or (error == "invalid_request" and "credentials" in description.lower()):
        return TokenEndpointError(
            error,
            f"Hydra did not accept this site's client credentials: check that ORYAUTH['CLIENT_ID'] "
            f"({conf.CLIENT_ID!r}) names a client registered in Hydra, that ORYAUTH['CLIENT_SECRET'] is its secret, "
            f"and that ORYAUTH['CLIENT_AUTH_METHOD'] ({conf.CLIENT_AUTH_METHOD!r}) is the client's "
            "token_endpoint_auth_method.",
            misconfigured=True,
            detail=description,
        )
    if "redirect_uri" in description:
        return TokenEndpointError(
            error,
            f"Hydra refused the redirect URI: ORYAUTH['CLIENT_REDIRECT_URI'] ({conf.CLIENT_REDIRECT_URI!r}) must equal, "
            "character for character, a redirect URI registered on the client and the one the sign-in started with.",
            misconfigured=True,
            detail=description,
        )
    if error == "invalid_grant":
        return TokenEndpointError(
            error,
            "The sign-in code was already used, has expired, or does not belong to this sign-in. Please sign in again.",
            misconfigured=False,
            detail=description,
        )
    return TokenEndpointError(error, description or str(exc), misconfigured=error in ("unsupported_grant_type", "invalid_scope"), detail=description)
