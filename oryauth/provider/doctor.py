"""What the doctor asks about the provider: that Hydra sends browsers to this
site's login, error, consent and logout pages."""
from __future__ import annotations

import secrets
from collections.abc import Iterator

from django.db import DatabaseError
from ory_client.models.accept_o_auth2_login_request import AcceptOAuth2LoginRequest
from ory_client.models.reject_o_auth2_request import RejectOAuth2Request

from .. import ory
from ..conf import OryAuthSettings
from ..doctor import DoctorVisit, Finding, expected_page, page_finding, query_value
from ..errors import OryError
from .advertised import differences, granted_by_mappings


def findings(visit: DoctorVisit) -> Iterator[Finding]:
    if "Hydra public" in visit.reachable:
        yield from _hydra_ui_urls(visit.conf, visit.site_url, visit.probe_sign_in)
        yield from _advertised_lists()


def _advertised_lists() -> Iterator[Finding]:
    """Discovery's scopes_supported / claims_supported against the mappings."""
    try:
        discovery = ory.get_json(ory.HYDRA_PUBLIC, ory.DISCOVERY_PATH)
    except OryError as exc:
        yield Finding("error", "Advertised scopes and claims", f"Hydra's discovery document could not be read: {exc}")
        return
    try:
        wanted = granted_by_mappings()
    except DatabaseError as exc:
        yield Finding("error", "Advertised scopes and claims", f"the scope claim mappings could not be read: {exc}",
                      "Run `manage.py migrate`.")
        return
    problems = differences(discovery, wanted)
    if not problems:
        yield Finding("ok", "Advertised scopes and claims", "discovery lists exactly what the scope claim mappings grant")
        return
    yield Finding(
        "warning",
        "Advertised scopes and claims",
        "; ".join(problems) + " (strict relying parties read these lists).",
        "Put this in Hydra's config and restart Hydra:\n" + wanted.hydra_yaml(),
    )


def _hydra_ui_urls(conf: OryAuthSettings, site_url: str, probe_sign_in: bool) -> Iterator[Finding]:
    login, served = expected_page(site_url, "oryauth_portal:login", "/login")
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
            error = query_value(location, "error")
            if error:
                yield Finding(
                    "error",
                    "Hydra login URL",
                    f"starting a sign-in with the site's client fails: {error} ({query_value(location, 'error_description')}).",
                    "Fix the site client findings above first.",
                )
            else:
                finding = page_finding("Hydra login URL", location, login, served, f"Set urls.login in Hydra's config to {login}.")
                yield finding
                if location and query_value(location, "login_challenge"):
                    login_started = (location, cookies)
    else:
        yield Finding("unverified", "Hydra login URL", f"no site client to start a sign-in with; it should be {login}.")

    error_page, served = expected_page(site_url, "oryauth_portal:error", "/error")
    # An unknown client cannot be sent back to itself, so Hydra shows its error page.
    unknown_client = {"client_id": "oryauth-doctor-" + secrets.token_hex(8), "response_type": "code", "state": secrets.token_urlsafe(16)}
    try:
        location = ory.redirect_location(ory.HYDRA_PUBLIC, "/oauth2/auth", unknown_client)
    except OryError as exc:
        yield Finding("error", "Hydra error URL", f"Hydra could not be asked: {exc}")
    else:
        yield page_finding("Hydra error URL", location, error_page, served, f"Set urls.error in Hydra's config to {error_page}.")

    consent, consent_served = expected_page(site_url, "oryauth_provider:consent", "/consent")
    logout, logout_served = expected_page(site_url, "oryauth_provider:logout", "/logout")
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
            query_value(login_location, "login_challenge"),
            AcceptOAuth2LoginRequest(subject=PROBE_SUBJECT, remember=True, remember_for=60),
        )
        consent_location, cookies = ory.browser_step(ory.HYDRA_PUBLIC, accepted.redirect_to, cookies=cookies)
        yield page_finding(
            "Hydra consent URL", consent_location, *consent, f"Set urls.consent in Hydra's config to {consent[0]}."
        )
        if query_value(consent_location, "consent_challenge"):
            admin.reject_o_auth2_consent_request(
                query_value(consent_location, "consent_challenge"),
                RejectOAuth2Request(error="access_denied", error_description="oryauth doctor probe"),
            )
        logout_location, _ = ory.browser_step(ory.HYDRA_PUBLIC, "/oauth2/sessions/logout", cookies=cookies)
        yield page_finding("Hydra logout URL", logout_location, *logout, f"Set urls.logout in Hydra's config to {logout[0]}.")
        if query_value(logout_location, "logout_challenge"):
            admin.reject_o_auth2_logout_request(query_value(logout_location, "logout_challenge"))
    except OryError as exc:
        yield Finding("error", "Sign-in probe", f"the probe sign-in failed half-way: {exc}", "Run the doctor again.")
    finally:
        try:
            admin.revoke_o_auth2_login_sessions(subject=PROBE_SUBJECT)
        except OryError:
            pass  # the remembered session expires after 60 seconds anyway


