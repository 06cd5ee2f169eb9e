"""The browser's side of an interop test: the relying party's origin, a
tiny HTTP server on a loopback port that answers the browser coming back
(Playwright's page.route does not see the targets of redirects), and the
person's steps on the portal's login and consent pages."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot
from tests.support.kratos import TestIdentity

SITE = "http://127.0.0.1:8000"


@dataclass
class RelyingPartyOrigin:
    """http://127.0.0.1:<port>: where Hydra sends the browser back to the
    relying party (callback, post-logout page); once `serve`d, a small
    page answers every URL there."""

    port: int

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def callback(self) -> str:
        return f"{self.origin}/callback"

    @property
    def signed_out(self) -> str:
        return f"{self.origin}/signed-out"

    def serve(self) -> ThreadingHTTPServer:
        """Start answering on the port; the caller shuts the server down."""
        class Answer(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                body = b"<!doctype html><title>Relying party</title><p>Back at the relying party."
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (http.server's name)
                """Quiet: the URLs carry codes; the test reads the browser's URL."""

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Answer)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def open_until_back(self, page: Page, url: str, path: str) -> str:
        """Open `url` and follow it until the browser is back at `path` on
        this origin, with no page of ours in between; the URL it arrived at."""
        page.goto(url)
        return self.wait_until_back(page, path)

    def wait_until_back(self, page: Page, path: str) -> str:
        page.wait_for_url(f"{self.origin}{path}*")
        return page.url


def sign_in_and_consent(page: Page, rp: RelyingPartyOrigin, authorization_url: str, person: TestIdentity, *, shot: str | None) -> str:
    """A person opens the relying party's authorization URL, signs in on the
    portal with their password, allows the consent page; the callback URL
    the browser brought back to the relying party. With `shot`, screenshots
    of the login and consent pages go to the test artifacts."""
    page.goto(authorization_url)
    page.wait_for_url(f"{SITE}/login?*")
    identifier = page.locator('input[name="identifier"]:not([type="hidden"])')
    expect(identifier).to_be_visible()
    if shot:
        screenshot(page, f"{shot}-portal-login")
    identifier.fill(person.email)
    page.fill('input[name="password"]', person.password)
    page.click('button[name="method"][value="password"]')
    page.wait_for_url(f"{SITE}/consent?consent_challenge=*")
    expect(page.get_by_test_id("consent/scope/email")).to_be_checked()
    if shot:
        screenshot(page, f"{shot}-consent")
    page.get_by_test_id("consent/allow").click()
    return rp.wait_until_back(page, "/callback")


def sign_out_through_end_session(page: Page, rp: RelyingPartyOrigin, end_session_url: str, *, shot: str) -> str:
    """The person follows the relying party's end-session URL; the portal's
    logout page is skipped (the URL carries an id_token_hint) or confirmed.
    Returns the URL the browser arrived at on the relying party."""
    page.goto(end_session_url)
    page.wait_for_url(lambda url: url.startswith(rp.signed_out) or url.startswith(f"{SITE}/logout?"))
    if page.url.startswith(f"{SITE}/logout?"):
        screenshot(page, f"{shot}-portal-logout")
        page.get_by_test_id("logout/yes").click()
    return rp.wait_until_back(page, "/signed-out")
