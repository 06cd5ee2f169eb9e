"""`manage.py oryauth_doctor`: asks the running Kratos and Hydra whether they
and this site's settings fit together, and says how to fix what does not.

Unlike the system checks (oryauth/checks.py) this talks to the servers. It
only reads, except for what a browser visit would leave behind: a login
request in Hydra and self-service flows in Kratos, which expire on their own.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from django.urls import NoReverseMatch, reverse
from ory_client.models.accept_o_auth2_login_request import AcceptOAuth2LoginRequest
from ory_client.models.reject_o_auth2_request import RejectOAuth2Request

from . import ory
from .client.discovery import DISCOVERY_PATH
from .client.tokens import client_credentials
from .conf import OryAuthSettings, oryauth_settings
from .errors import OryError, OryRejected
from .hydra_clients import closest, get_client

Level = Literal["ok", "warning", "error", "unverified"]


@dataclass(frozen=True)
class Finding:
    """One thing the doctor looked at. `fix` says what to change when it is not ok."""

    level: Level
    subject: str
    detail: str
    fix: str = ""


def site_url_default(conf: OryAuthSettings | None = None) -> str:
    """This site's origin as browsers reach it: the redirect URI's origin, or
    the local demo address."""
    conf = conf or oryauth_settings()
    if conf.CLIENT_REDIRECT_URI:
        parts = urlsplit(conf.CLIENT_REDIRECT_URI)
        return f"{parts.scheme}://{parts.netloc}"
    return "http://127.0.0.1:8000"


def diagnose(site_url: str, conf: OryAuthSettings | None = None, *, probe_sign_in: bool = False) -> list[Finding]:
    """Every finding, in the order a person would fix them.

    With `probe_sign_in`, the doctor also signs in the made-up subject
    `oryauth-doctor-probe` at Hydra (no Kratos identity, no tokens: the consent
    is rejected and the session revoked) to see where Hydra sends the consent
    and logout steps, which it shows only to a signed-in browser."""
    conf = conf or oryauth_settings()
    site_url = site_url.rstrip("/")
    findings = list(_servers(conf))
    reachable = {f.subject for f in findings if f.level == "ok"}
    if "Hydra public" in reachable:
        findings.extend(_issuer(conf))
    if "Hydra admin" in reachable:
        findings.extend(_site_client(conf))
    if "Hydra public" in reachable:
        findings.extend(_hydra_ui_urls(conf, site_url, probe_sign_in))
    if "Kratos public" in reachable:
        findings.extend(_kratos_ui_urls(site_url))
    return findings


# --- servers ---------------------------------------------------------------------

_HEALTH = {
    ory.KRATOS_PUBLIC: ("KRATOS_PUBLIC_URL", "/health/ready", None),
    ory.KRATOS_ADMIN: ("KRATOS_ADMIN_URL", "/admin/health/ready", "/admin/version"),
    ory.HYDRA_PUBLIC: ("HYDRA_PUBLIC_URL", "/health/ready", None),
    ory.HYDRA_ADMIN: ("HYDRA_ADMIN_URL", "/health/ready", "/version"),
}


def _servers(conf: OryAuthSettings) -> Iterator[Finding]:
    for service, (setting, health, version_path) in _HEALTH.items():
        url = getattr(conf, setting)
        try:
            ory.get_json(service, health)
            version = ory.get_json(service, version_path).get("version", "?") if version_path else ""
        except OryError as exc:
            yield Finding(
                "error",
                service,
                f"{url} is not ready: {exc}",
                f"Start {service.split()[0]}, or correct ORYAUTH['{setting}'] (now {url!r}).",
            )
            continue
        yield Finding("ok", service, f"{url} is ready" + (f" (version {version})" if version else ""))


def _issuer(conf: OryAuthSettings) -> Iterator[Finding]:
    try:
        discovered = ory.get_json(ory.HYDRA_PUBLIC, DISCOVERY_PATH).get("issuer", "")
    except OryError as exc:
        yield Finding("error", "Issuer", f"Hydra's discovery document could not be read: {exc}", "Check HYDRA_PUBLIC_URL.")
        return
    if discovered == conf.hydra_issuer:
        yield Finding("ok", "Issuer", f"discovery says {discovered!r}, as configured")
        return
    yield Finding(
        "error",
        "Issuer",
        f"discovery says {discovered!r} but this site expects {conf.hydra_issuer!r}; every ID token would be refused.",
        f"Set ORYAUTH['HYDRA_ISSUER'] = {discovered!r} (character for character, trailing slash included), "
        "or change urls.self.issuer in Hydra's config.",
    )


# --- this site's own client ----------------------------------------------------------


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


# --- where Hydra and Kratos send browsers ---------------------------------------------


def _expected(site_url: str, url_name: str, fallback_path: str) -> tuple[str, bool]:
    """The URL of one of this site's portal pages, and whether this site
    serves it (False: the portal lives elsewhere, the path is a guess)."""
    try:
        return site_url + reverse(url_name), True
    except NoReverseMatch:
        return site_url + fallback_path, False


def _same_page(location: str, expected: str) -> bool:
    got, want = urlsplit(location), urlsplit(expected)
    return (got.scheme, got.netloc, got.path.rstrip("/")) == (want.scheme, want.netloc, want.path.rstrip("/"))


def _page_finding(subject: str, location: str | None, expected: str, served: bool, fix: str) -> Finding:
    shown = (location or "no redirect").split("?")[0]
    if location and _same_page(location, expected):
        return Finding("ok", subject, f"{shown} is this site's page")
    level: Level = "error" if served else "warning"
    why = "" if served else " (this site does not serve that page itself: fine if the portal is another site)"
    return Finding(level, subject, f"sends browsers to {shown}, expected {expected}{why}.", fix)


def _hydra_ui_urls(conf: OryAuthSettings, site_url: str, probe_sign_in: bool) -> Iterator[Finding]:
    login, served = _expected(site_url, "oryauth_selfservice:login", "/login")
    login_started: tuple[str, dict[str, str]] | None = None
    if conf.CLIENT_ID and conf.CLIENT_REDIRECT_URI:
        params = {
            "client_id": conf.CLIENT_ID,
            "response_type": "code",
            "redirect_uri": conf.CLIENT_REDIRECT_URI,
            "scope": " ".join(conf.CLIENT_SCOPES),
            "state": secrets.token_urlsafe(16),
            "nonce": secrets.token_urlsafe(16),
        }
        try:
            location, cookies = ory.browser_step(ory.HYDRA_PUBLIC, "/oauth2/auth", params)
        except OryError as exc:
            yield Finding("error", "Hydra login URL", f"a sign-in could not be started: {exc}")
        else:
            error = _query_value(location, "error")
            if error:
                yield Finding(
                    "error",
                    "Hydra login URL",
                    f"starting a sign-in with the site's client fails: {error} ({_query_value(location, 'error_description')}).",
                    "Fix the site client findings above first.",
                )
            else:
                finding = _page_finding("Hydra login URL", location, login, served, f"Set urls.login in Hydra's config to {login}.")
                yield finding
                if location and _query_value(location, "login_challenge"):
                    login_started = (location, cookies)
    else:
        yield Finding("unverified", "Hydra login URL", f"no site client to start a sign-in with; it should be {login}.")

    error_page, served = _expected(site_url, "oryauth_selfservice:error", "/error")
    # An unknown client cannot be sent back to itself, so Hydra shows its error page.
    unknown_client = {"client_id": "oryauth-doctor-" + secrets.token_hex(8), "response_type": "code", "state": secrets.token_urlsafe(16)}
    try:
        location = ory.redirect_location(ory.HYDRA_PUBLIC, "/oauth2/auth", unknown_client)
    except OryError as exc:
        yield Finding("error", "Hydra error URL", f"Hydra could not be asked: {exc}")
    else:
        yield _page_finding("Hydra error URL", location, error_page, served, f"Set urls.error in Hydra's config to {error_page}.")

    consent, consent_served = _expected(site_url, "oryauth_provider:consent", "/consent")
    logout, logout_served = _expected(site_url, "oryauth_provider:logout", "/logout")
    if probe_sign_in and login_started:
        yield from _probe_consent_and_logout(*login_started, (consent, consent_served), (logout, logout_served))
        return
    why = "" if login_started else " (and the sign-in could not be started)"
    yield Finding(
        "unverified",
        "Hydra consent URL",
        f"Hydra shows it only to a signed-in browser{why}; it should be {consent}.",
        f"Run with --probe-sign-in to check it, or check urls.consent in Hydra's config: {consent}",
    )
    yield Finding(
        "unverified",
        "Hydra logout URL",
        f"Hydra uses it only for a browser with a Hydra session{why}; it should be {logout}.",
        f"Run with --probe-sign-in to check it, or check urls.logout in Hydra's config: {logout}",
    )


PROBE_SUBJECT = "oryauth-doctor-probe"


def _probe_consent_and_logout(
    login_location: str, cookies: dict[str, str], consent: tuple[str, bool], logout: tuple[str, bool]
) -> Iterator[Finding]:
    """Accept the started sign-in for PROBE_SUBJECT, follow Hydra to the
    consent step and to a logout, then reject both and revoke the session."""
    admin = ory.hydra_admin()
    try:
        accepted = admin.accept_o_auth2_login_request(
            _query_value(login_location, "login_challenge"),
            AcceptOAuth2LoginRequest(subject=PROBE_SUBJECT, remember=True, remember_for=60),
        )
        consent_location, cookies = ory.browser_step(ory.HYDRA_PUBLIC, accepted.redirect_to, cookies=cookies)
        yield _page_finding(
            "Hydra consent URL", consent_location, *consent, f"Set urls.consent in Hydra's config to {consent[0]}."
        )
        if _query_value(consent_location, "consent_challenge"):
            admin.reject_o_auth2_consent_request(
                _query_value(consent_location, "consent_challenge"),
                RejectOAuth2Request(error="access_denied", error_description="oryauth doctor probe"),
            )
        logout_location, _ = ory.browser_step(ory.HYDRA_PUBLIC, "/oauth2/sessions/logout", cookies=cookies)
        yield _page_finding("Hydra logout URL", logout_location, *logout, f"Set urls.logout in Hydra's config to {logout[0]}.")
        if _query_value(logout_location, "logout_challenge"):
            admin.reject_o_auth2_logout_request(_query_value(logout_location, "logout_challenge"))
    except OryError as exc:
        yield Finding("error", "Sign-in probe", f"the probe sign-in failed half-way: {exc}", "Run the doctor again.")
    finally:
        try:
            admin.revoke_o_auth2_login_sessions(subject=PROBE_SUBJECT)
        except OryError:
            pass  # the remembered session expires after 60 seconds anyway


def _query_value(url: str | None, name: str) -> str:
    return parse_qs(urlsplit(url or "").query).get(name, [""])[0]


def _kratos_ui_urls(site_url: str) -> Iterator[Finding]:
    for flow in ("login", "registration", "recovery", "verification"):
        expected, served = _expected(site_url, f"oryauth_selfservice:{flow}", f"/{flow}")
        try:
            location = ory.redirect_location(ory.KRATOS_PUBLIC, f"/self-service/{flow}/browser")
        except OryError as exc:
            yield Finding("error", f"Kratos {flow} UI URL", f"the flow could not be created: {exc}")
            continue
        yield _page_finding(
            f"Kratos {flow} UI URL",
            location,
            expected,
            served,
            f"Set selfservice.flows.{flow}.ui_url in Kratos's config to {expected} (and enable the flow).",
        )
    error_page, served = _expected(site_url, "oryauth_selfservice:error", "/error")
    # A return_to outside Kratos's allow list makes Kratos show its error page.
    try:
        location = ory.redirect_location(
            ory.KRATOS_PUBLIC, "/self-service/login/browser", {"return_to": "https://oryauth-doctor.invalid/"}
        )
    except OryError as exc:
        yield Finding("error", "Kratos error UI URL", f"Kratos could not be asked: {exc}")
    else:
        yield _page_finding(
            "Kratos error UI URL", location, error_page, served, f"Set selfservice.flows.error.ui_url in Kratos's config to {error_page}."
        )
    settings_page, _ = _expected(site_url, "oryauth_selfservice:settings", "/settings")
    yield Finding(
        "unverified",
        "Kratos settings UI URL",
        f"Kratos shows it only with a session; it should be {settings_page}.",
        f"Check selfservice.flows.settings.ui_url: {settings_page}",
    )
