"""What the doctor asks about the relying party: this site's own client in
Hydra (exists, URIs registered character for character, auth method, scopes,
grants, secret)."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

from ory_client.models.o_auth2_client import OAuth2Client

from .. import ory
from ..conf import OryAuthSettings
from ..doctor import DoctorVisit, Finding
from ..errors import OryError, OryRejected
from ..hydra_clients import closest, get_client
from .tokens import client_credentials


def findings(visit: DoctorVisit) -> Iterator[Finding]:
    conf = visit.conf
    if "Hydra admin" in visit.reachable:
        yield from _site_client(conf)
        return
    yield Finding(
        "unverified",
        "Site client",
        "Hydra's admin API is not reachable from this site, so the client's registered URIs, scopes and grants "
        "cannot be read.",
        "Run the doctor where ORYAUTH['HYDRA_ADMIN_URL'] reaches Hydra's admin API, or compare the client by hand.",
    )
    # The public token endpoint still tells whether the client id and secret are right.
    if "Hydra public" in visit.reachable and conf.CLIENT_ID and conf.CLIENT_AUTH_METHOD in ("client_secret_basic", "client_secret_post"):
        yield _secret_accepted(conf)


def _site_client(conf: OryAuthSettings) -> Iterator[Finding]:
    if not conf.CLIENT_ID:
        yield Finding("unverified", "Site client", "ORYAUTH['CLIENT_ID'] is empty: this site is not a relying party.")
        return
    try:
        client = get_client(conf.CLIENT_ID)
    except OryError as exc:
        yield Finding("error", "Site client", f"Hydra could not be asked about {conf.CLIENT_ID!r}: {exc}")
        return
    if client is None:
        yield Finding(
            "error",
            "Site client",
            f"Hydra has no client {conf.CLIENT_ID!r}; sign-in fails with invalid_client.",
            "Run `manage.py oryauth_clients ensure-site-client`, or set ORYAUTH['CLIENT_ID'] to an existing client.",
        )
        return
    yield Finding("ok", "Site client", f"{conf.CLIENT_ID!r} exists in Hydra ({client.client_name or 'no name'})")
    yield from _registered_uri("Redirect URI", "CLIENT_REDIRECT_URI", conf.CLIENT_REDIRECT_URI, client.redirect_uris or [])
    if conf.CLIENT_POST_LOGOUT_REDIRECT_URI:
        yield from _registered_uri(
            "Post-logout redirect URI",
            "CLIENT_POST_LOGOUT_REDIRECT_URI",
            conf.CLIENT_POST_LOGOUT_REDIRECT_URI,
            client.post_logout_redirect_uris or [],
        )
    if conf.CLIENT_BACKCHANNEL_LOGOUT_URI:
        yield _backchannel_logout(conf, client)
    registered_method = client.token_endpoint_auth_method or "client_secret_basic"
    if registered_method == conf.CLIENT_AUTH_METHOD:
        yield Finding("ok", "Auth method", f"both use {registered_method}")
    else:
        yield Finding(
            "error",
            "Auth method",
            f"this site authenticates with {conf.CLIENT_AUTH_METHOD} but the client is registered with {registered_method}; "
            "the token endpoint answers invalid_client.",
            f"Set ORYAUTH['CLIENT_AUTH_METHOD'] = {registered_method!r}, or change the client in the Django admin.",
        )
    allowed = set((client.scope or "").split())
    refused = [scope for scope in conf.CLIENT_SCOPES if scope not in allowed]
    if refused:
        yield Finding(
            "error",
            "Scopes",
            f"the client may not request {', '.join(refused)} (allowed: {' '.join(sorted(allowed)) or 'none'}); "
            "Hydra answers invalid_scope.",
            "Add them to the client's scopes in the Django admin, or remove them from ORYAUTH['CLIENT_SCOPES'].",
        )
    else:
        yield Finding("ok", "Scopes", f"{' '.join(conf.CLIENT_SCOPES)} are allowed")
    grants = set(client.grant_types or [])
    if "authorization_code" not in grants or "code" not in (client.response_types or []):
        yield Finding(
            "error",
            "Grant types",
            f"the client has grants {sorted(grants)} and response types {client.response_types}; "
            "a relying party needs authorization_code with response type code.",
            "Tick authorization_code and code on the client in the Django admin.",
        )
    if registered_method == conf.CLIENT_AUTH_METHOD and registered_method in ("client_secret_basic", "client_secret_post"):
        yield _secret_accepted(conf)


def _registered_uri(subject: str, setting: str, configured: str, registered: list[str]) -> Iterator[Finding]:
    if configured in registered:
        yield Finding("ok", subject, f"{configured} is registered")
        return
    nearest = closest(configured, registered)
    yield Finding(
        "error",
        subject,
        f"{configured!r} is not registered on the client (Hydra compares character for character)"
        + (f"; the closest registered one is {nearest!r}" if nearest else "; none is registered")
        + ".",
        f"Add {configured} to the client's URIs in the Django admin"
        + (f", or set ORYAUTH['{setting}'] = {nearest!r}." if nearest else "."),
    )


def _backchannel_logout(conf: OryAuthSettings, client: OAuth2Client) -> Finding:
    registered = client.backchannel_logout_uri or ""
    fix = "Run `manage.py oryauth_clients ensure-site-client`, which registers it."
    if registered != conf.CLIENT_BACKCHANNEL_LOGOUT_URI:
        return Finding(
            "error",
            "Back-channel logout",
            f"the client's backchannel_logout_uri is {registered!r}, not {conf.CLIENT_BACKCHANNEL_LOGOUT_URI!r}: "
            "a sign-out at Hydra does not end this site's sessions.",
            fix,
        )
    if not client.backchannel_logout_session_required:
        return Finding(
            "warning",
            "Back-channel logout",
            "backchannel_logout_session_required is off: logout tokens may name only the person, ending all their "
            "sessions here instead of the one signed out.",
            fix,
        )
    return Finding("ok", "Back-channel logout", f"{registered} is registered, with the session (sid) required")


def _secret_accepted(conf: OryAuthSettings) -> Finding:
    """Ask the token endpoint with a refresh token that cannot exist: Hydra
    checks the client's credentials first, so invalid_client means a wrong
    secret and invalid_grant means the secret is right. No token is issued."""
    form, headers = client_credentials(
        {"grant_type": "refresh_token", "refresh_token": "oryauth-doctor-" + secrets.token_hex(8)}, conf
    )
    try:
        ory.call_oauth2_endpoint(ory.HYDRA_PUBLIC, "POST", "/oauth2/token", form=form, headers=headers)
    except OryRejected as exc:
        if exc.error_id == "invalid_client":
            return Finding(
                "error",
                "Client secret",
                "Hydra refuses ORYAUTH['CLIENT_SECRET'] for this client (invalid_client).",
                "Rotate the secret in the Django admin and set the new one, or run `manage.py oryauth_clients "
                "ensure-site-client` to register the configured secret.",
            )
        return Finding("ok", "Client secret", "Hydra accepts ORYAUTH['CLIENT_SECRET']")
    except OryError as exc:
        return Finding("error", "Client secret", f"the token endpoint could not be asked: {exc}")
    return Finding("warning", "Client secret", "the token endpoint accepted a made-up refresh token; this is unexpected.")


