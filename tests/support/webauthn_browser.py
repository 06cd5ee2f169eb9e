"""A browser tab playing a person's device for passkey and security-key
tests on the localhost variant of the stack: Chromium's virtual
authenticator (DevTools protocol `WebAuthn` domain), portal pages served
under a strict Content-Security-Policy with violations recorded, Hydra's
login and consent pages pointed at the localhost site, and Kratos's admin
API for what was stored."""
from __future__ import annotations

import base64
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from playwright.sync_api import Browser, BrowserContext, CDPSession, Page

from tests.support.kratos import DEFAULT_PASSWORD
from tests.support.localhost_stack import KRATOS_ADMIN, KRATOS_PUBLIC, SITE
from tests.support.oauth_flows import CALLBACK

# What the CSP lane sends on portal pages: scripts only from this site and
# Kratos (webauthn.js), nothing inline. Added when the site sends no policy.
STRICT_CSP = (
    f"default-src 'self'; script-src 'self' {KRATOS_PUBLIC}; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

# A platform authenticator holding discoverable credentials (a passkey), and
# a roaming USB key holding none (a security key for the second factor).
PASSKEY_DEVICE = {"protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
                  "hasUserVerification": True, "isUserVerified": True, "automaticPresenceSimulation": True}
SECURITY_KEY = {"protocol": "ctap2", "transport": "usb", "hasResidentKey": False,
                "hasUserVerification": False, "automaticPresenceSimulation": True}


@dataclass
class Device:
    """A browser tab with a virtual authenticator, and the CSP violations seen."""

    page: Page
    cdp: CDPSession
    authenticator_id: str
    csp_violations: list[str]

    def credentials(self) -> list[dict[str, Any]]:
        return self.cdp.send("WebAuthn.getCredentials", {"authenticatorId": self.authenticator_id})["credentials"]


CSP_PATTERN = {"urlPattern": f"{SITE}/*", "resourceType": "Document", "requestStage": "Response"}


def serve_under_strict_csp(cdp: CDPSession) -> None:
    """Give every page of the site STRICT_CSP unless it sends a policy of its
    own. Through the DevTools `Fetch` domain: Playwright's routes miss the
    pages a redirect leads to, and Chromium enforces a policy only from a
    fulfilled response, not from headers changed on the way."""

    def fulfil_with_policy(event: dict[str, Any]) -> None:
        if "responseStatusCode" not in event:
            return  # paused before the request: another handler's pattern
        request_id, status = event["requestId"], event["responseStatusCode"]
        headers = event.get("responseHeaders", [])
        if 300 <= status < 400 or any(h["name"].lower() == "content-security-policy" for h in headers):
            cdp.send("Fetch.continueResponse", {"requestId": request_id})
            return
        body = cdp.send("Fetch.getResponseBody", {"requestId": request_id})
        encoded = body["body"] if body["base64Encoded"] else base64.b64encode(body["body"].encode()).decode()
        cdp.send("Fetch.fulfillRequest", {
            "requestId": request_id, "responseCode": status, "body": encoded,
            "responseHeaders": [*headers, {"name": "Content-Security-Policy", "value": STRICT_CSP}],
        })

    cdp.on("Fetch.requestPaused", fulfil_with_policy)
    cdp.send("Fetch.enable", {"patterns": [CSP_PATTERN]})


def open_device(browser: Browser, locale: str, authenticator: dict[str, Any]) -> tuple[BrowserContext, Device]:
    context = browser.new_context(base_url=SITE, locale=locale)
    context.set_default_timeout(15_000)
    violations: list[str] = []
    context.expose_binding("__reportCspViolation", lambda _source, text: violations.append(text))
    context.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.__reportCspViolation("
        "e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' on ' + location.pathname));"
    )
    # A response the test fulfils loses its loopback address space, so
    # Chromium would ask before the page loads webauthn.js from Kratos on
    # localhost: the person's answer, given in advance.
    context.grant_permissions(["local-network-access"], origin=SITE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    serve_under_strict_csp(cdp)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": authenticator})
    return context, Device(page, cdp, added["authenticatorId"], violations)

def poll_until(page: Page, condition: Callable[[], bool], seconds: float = 5.0) -> None:
    """Wait for `condition`, letting Playwright deliver the page's events meanwhile."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        page.wait_for_timeout(50)


def identity_with_password(email: str) -> str:
    """A person with a password in the localhost Kratos (admin API); their id."""
    answer = requests.post(f"{KRATOS_ADMIN}/admin/identities", timeout=10, json={
        "schema_id": "person",
        "traits": {"email": email, "name": {"first": "Grace", "last": "Hopper"}},
        "credentials": {"password": {"config": {"password": DEFAULT_PASSWORD}}},
        "verifiable_addresses": [{"value": email, "via": "email", "verified": True, "status": "completed"}],
    })
    answer.raise_for_status()
    return str(answer.json()["id"])


def kratos_identity(identity_id: str) -> dict[str, Any]:
    answer = requests.get(f"{KRATOS_ADMIN}/admin/identities/{identity_id}", timeout=10,
                          params=[("include_credential", "passkey"), ("include_credential", "webauthn")])
    answer.raise_for_status()
    return answer.json()


def active_sessions(identity_id: str) -> list[dict[str, Any]]:
    answer = requests.get(f"{KRATOS_ADMIN}/admin/identities/{identity_id}/sessions", timeout=10, params={"active": "true"})
    answer.raise_for_status()
    return answer.json()


def newest_session(identity_id: str) -> dict[str, Any]:
    return max(active_sessions(identity_id), key=lambda s: s["authenticated_at"])


# Hydra (the main stack's) sends browsers to the main site's login and consent
# pages; for a passkey they must reach this site's, on the WebAuthn host name.
MAIN_SITE = "http://127.0.0.1:8000"


def send_hydra_pages_here(device: Device) -> list[str]:
    """Point Hydra's login and consent URLs at the localhost site, and stop
    the browser at the OAuth2 client's callback (nothing listens there).
    Returns the callback URLs reached, in order."""
    callbacks: list[str] = []

    def redirect_or_stop(event: dict[str, Any]) -> None:
        if "responseStatusCode" in event:
            return  # the CSP handler's
        url, request_id = event["request"]["url"], event["requestId"]
        if url.startswith(CALLBACK):
            callbacks.append(url)
            body = base64.b64encode(b"the client's callback").decode()
            device.cdp.send("Fetch.fulfillRequest", {"requestId": request_id, "responseCode": 200, "body": body,
                                                     "responseHeaders": [{"name": "Content-Type", "value": "text/plain"}]})
        else:
            location = SITE + url.removeprefix(MAIN_SITE)
            device.cdp.send("Fetch.fulfillRequest", {"requestId": request_id, "responseCode": 303,
                                                     "responseHeaders": [{"name": "Location", "value": location}]})

    device.cdp.on("Fetch.requestPaused", redirect_or_stop)
    device.cdp.send("Fetch.enable", {"patterns": [
        CSP_PATTERN,
        {"urlPattern": f"{MAIN_SITE}/login?*", "requestStage": "Request"},
        {"urlPattern": f"{MAIN_SITE}/consent?*", "requestStage": "Request"},
        {"urlPattern": f"{CALLBACK}*", "requestStage": "Request"},
    ]})
    return callbacks
