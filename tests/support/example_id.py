"""Playing "Example ID", the outside OpenID provider of the localhost stack.

Example ID is a real Hydra (deploy/ory/hydra.upstream.yml, 127.0.0.1:4544,
admin 4545) whose sign-in and consent pages it expects on
http://127.0.0.1:4546. `ExampleIDPages` serves them from the test process: a
real loopback HTTP server that accepts (or refuses) each challenge through
that Hydra's admin API as the test's `person` and redirects the browser to
Hydra's `redirect_to` - what a real provider's pages do once the person has
signed in there. (Playwright's page.route cannot play this part: it is not
called for the targets of redirects, and Hydra reaches these pages only by
redirect.)
"""
from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from .localhost_stack import KRATOS_ADMIN, UPSTREAM_ADMIN, UPSTREAM_CONSENT_UI, UPSTREAM_LOGIN_UI

PROVIDER_ID = "upstream"  # the provider's id in deploy/ory/kratos.localhost.yml


@dataclass(frozen=True)
class UpstreamPerson:
    """Someone with an account at Example ID, and the claims it vouches for."""

    subject: str = field(default_factory=lambda: f"example-id-{uuid.uuid4().hex[:12]}")
    email: str | None = field(default_factory=lambda: f"social-{uuid.uuid4().hex[:12]}@example.org")
    email_verified: bool | None = True
    given_name: str | None = "Katherine"
    family_name: str | None = "Johnson"

    def id_token_claims(self) -> dict[str, Any]:
        claims = {"email": self.email, "email_verified": self.email_verified, "given_name": self.given_name,
                  "family_name": self.family_name}
        return {name: value for name, value in claims.items() if value is not None}


class ExampleIDPages:
    """Example ID's sign-in and consent pages on 127.0.0.1:4546.

    Whoever the test puts in `person` signs in there; with `refuse` set the
    person declines, and the login challenge is rejected (`access_denied`).
    `visits` records the pages browsers were sent to ("/login", "/consent").
    """

    def __init__(self) -> None:
        self.person: UpstreamPerson | None = None
        self.refuse = False
        self.visits: list[str] = []
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                pages._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet: the test output is the report."""

        address = urlsplit(UPSTREAM_LOGIN_UI)
        try:
            self._server = ThreadingHTTPServer((address.hostname or "", address.port or 0), Handler)
        except OSError as exc:
            raise RuntimeError(f"Cannot serve Example ID's pages on {address.netloc}: {exc}") from exc
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="example-id-pages", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        self.visits.append(url.path)
        try:
            if url.path == urlsplit(UPSTREAM_LOGIN_UI).path:
                redirect_to = self._login(query["login_challenge"])
            elif url.path == urlsplit(UPSTREAM_CONSENT_UI).path:
                redirect_to = self._consent(query["consent_challenge"])
            else:
                raise AssertionError(f"Example ID sent a browser to {handler.path}, a page the test does not serve")
        except (AssertionError, KeyError, requests.RequestException) as exc:
            # Visible in the browser (and its screenshot) instead of a hang.
            body = f"Example ID test pages: {exc!r}".encode()
            handler.send_response(500)
            handler.send_header("Content-Type", "text/plain; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
            return
        handler.send_response(302)
        handler.send_header("Location", redirect_to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def _signed_in_person(self) -> UpstreamPerson:
        assert self.person is not None, "the test did not say who signs in at Example ID"
        return self.person

    def _login(self, challenge: str) -> str:
        if self.refuse:
            return _put("login/reject", "login_challenge", challenge, {
                "error": "access_denied", "error_description": "The person declined to sign in with Example ID.",
            })
        subject = self._signed_in_person().subject
        return _put("login/accept", "login_challenge", challenge, {"subject": subject, "remember": False})

    def _consent(self, challenge: str) -> str:
        person = self._signed_in_person()
        asked = requests.get(f"{UPSTREAM_ADMIN}/admin/oauth2/auth/requests/consent",
                             params={"consent_challenge": challenge}, timeout=5)
        asked.raise_for_status()
        request = asked.json()
        assert request["subject"] == person.subject, "Example ID asked consent for someone else"
        return _put("consent/accept", "consent_challenge", challenge, {
            "grant_scope": request["requested_scope"],
            "grant_access_token_audience": request["requested_access_token_audience"],
            "remember": False,
            "session": {"id_token": person.id_token_claims()},
        })


def _put(action: str, parameter: str, challenge: str, body: dict[str, Any]) -> str:
    answer = requests.put(f"{UPSTREAM_ADMIN}/admin/oauth2/auth/requests/{action}", params={parameter: challenge},
                          json=body, timeout=5)
    answer.raise_for_status()
    return str(answer.json()["redirect_to"])


def identities_signing_in_with(person: UpstreamPerson) -> list[dict[str, Any]]:
    """The localhost Kratos's identities that have Example ID's `person` as
    an oidc credential (Kratos's identifier for it is `<provider>:<subject>`)."""
    answer = requests.get(f"{KRATOS_ADMIN}/admin/identities",
                          params={"credentials_identifier": f"{PROVIDER_ID}:{person.subject}"}, timeout=5)
    answer.raise_for_status()
    return list(answer.json())


def identities_with_email(email: str) -> list[dict[str, Any]]:
    """The localhost Kratos's identities whose email trait is `email`
    (it is their password and code identifier: deploy/ory/identity.schema.json)."""
    answer = requests.get(f"{KRATOS_ADMIN}/admin/identities", params={"credentials_identifier": email}, timeout=5)
    answer.raise_for_status()
    return list(answer.json())


def identity(identity_id: str) -> dict[str, Any]:
    """One identity with its credentials' identifiers, from the localhost Kratos's admin API."""
    answer = requests.get(f"{KRATOS_ADMIN}/admin/identities/{identity_id}", timeout=5)
    answer.raise_for_status()
    return dict(answer.json())
