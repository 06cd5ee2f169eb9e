"""Hydra's consent challenge (`/consent?consent_challenge=...`).

The consent is skipped (accepted without a page) when Hydra remembers an
earlier decision (`skip`), when the client has `skip_consent`, or when the
client is listed in `PROVIDER_TRUSTED_CLIENT_IDS`. Every accepted consent,
skipped or not, carries the claims of the granted scopes (`claims.py`): a
remembered consent must not yield an ID token without claims.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ory_client.models.accept_o_auth2_consent_request import AcceptOAuth2ConsentRequest
from ory_client.models.accept_o_auth2_consent_request_session import AcceptOAuth2ConsentRequestSession
from ory_client.models.o_auth2_consent_request import OAuth2ConsentRequest
from ory_client.models.reject_o_auth2_request import RejectOAuth2Request

from .. import ory
from ..conf import oryauth_settings
from .challenges import ask_hydra
from .claims import claims_for_consent
from .login_sessions import note_login_session

CHALLENGE = "consent_challenge"

# What each scope lets the client do, in words a person understands.
SCOPE_DESCRIPTIONS = {
    "openid": gettext_lazy("Sign you in with your account"),
    "offline": gettext_lazy("Keep access while you are not using it (stay signed in)"),
    "offline_access": gettext_lazy("Keep access while you are not using it (stay signed in)"),
    "profile": gettext_lazy("See your name"),
    "email": gettext_lazy("See your email address and whether it is verified"),
    "phone": gettext_lazy("See your phone number and whether it is verified"),
    "address": gettext_lazy("See your postal address"),
}
# Scopes the sign-in itself needs: shown, always granted, not optional.
REQUIRED_SCOPES = {"openid"}


@dataclass(frozen=True)
class ScopeChoice:
    name: str
    description: str
    required: bool


def scope_choices(consent_request: OAuth2ConsentRequest) -> list[ScopeChoice]:
    """One choice per requested scope, with a human description."""
    return [
        ScopeChoice(
            name=scope,
            description=str(SCOPE_DESCRIPTIONS.get(scope, _("Use “%(scope)s”") % {"scope": scope})),
            required=scope in REQUIRED_SCOPES,
        )
        for scope in consent_request.requested_scope or []
    ]


def granted_scopes(consent_request: OAuth2ConsentRequest, chosen: list[str]) -> list[str]:
    """The scopes to grant: the chosen ones that were requested (a form can
    never add a scope), plus the required ones, in the requested order."""
    wanted = set(chosen) | REQUIRED_SCOPES
    return [scope for scope in consent_request.requested_scope or [] if scope in wanted]


def consent_can_be_skipped(consent_request: OAuth2ConsentRequest) -> bool:
    """Hydra remembers a decision, or the client needs no consent; never when
    the client asks for the question (OIDC `prompt=consent`)."""
    query = parse_qs(urlsplit(consent_request.request_url or "").query)
    if "consent" in " ".join(query.get("prompt", [])).split():
        return False
    client = consent_request.client
    return bool(
        consent_request.skip
        or (client is not None and client.skip_consent)
        or (client is not None and client.client_id in oryauth_settings().PROVIDER_TRUSTED_CLIENT_IDS)
    )


def accept_consent(
    consent_request: OAuth2ConsentRequest, scopes: list[str], audience: list[str], *, remember: bool
) -> str:
    """Grant `scopes` and `audience` (subsets of what was requested) with the
    claims they allow; Hydra's `redirect_to`."""
    requested_audience = consent_request.requested_access_token_audience or []
    claims = claims_for_consent(str(consent_request.subject), scopes)
    # The ID token carries the login's amr/acr (Hydra copies them); an API
    # reading the access token through introspection sees them in `ext`.
    claims.access_token.update(login_assurance_ext(consent_request))
    # Every authorization passes here, whoever accepted its login: note its
    # login session so a sign-out elsewhere can end it by sid (back-channel logout).
    note_login_session(str(consent_request.subject or ""), consent_request.login_session_id)
    accepted = ask_hydra(
        CHALLENGE,
        ory.hydra_admin().accept_o_auth2_consent_request,
        consent_request.challenge,
        AcceptOAuth2ConsentRequest(
            grant_scope=scopes,
            grant_access_token_audience=[item for item in audience if item in requested_audience],
            remember=remember,
            remember_for=oryauth_settings().PROVIDER_CONSENT_REMEMBER_FOR if remember else None,
            session=AcceptOAuth2ConsentRequestSession(id_token=claims.id_token, access_token=claims.access_token),
        ),
    )
    return accepted.redirect_to


def login_assurance_ext(consent_request: OAuth2ConsentRequest) -> dict[str, Any]:
    """The login's `acr` and `amr` (assurance.py) for the access token's `ext`."""
    ext: dict[str, Any] = {}
    if consent_request.acr:
        ext["acr"] = consent_request.acr
    if consent_request.amr:
        ext["amr"] = list(consent_request.amr)
    return ext


def accept_skipped_consent(consent_request: OAuth2ConsentRequest) -> str:
    """Accept without asking: everything requested, with claims. Remembered,
    so a later `prompt=none` request (silent sign-in) finds the consent Hydra
    requires for it; claims are still computed at every consent."""
    return accept_consent(
        consent_request,
        list(consent_request.requested_scope or []),
        list(consent_request.requested_access_token_audience or []),
        remember=True,
    )


def reject_consent(consent_request: OAuth2ConsentRequest) -> str:
    """The person said no: the client receives `error=access_denied`."""
    rejected = ask_hydra(
        CHALLENGE,
        ory.hydra_admin().reject_o_auth2_consent_request,
        consent_request.challenge,
        RejectOAuth2Request(
            error="access_denied",
            error_description="The resource owner denied the request.",
            status_code=403,
        ),
    )
    return rejected.redirect_to


def get_consent_request(challenge: str) -> OAuth2ConsentRequest:
    return ask_hydra(CHALLENGE, ory.hydra_admin().get_o_auth2_consent_request, challenge)
