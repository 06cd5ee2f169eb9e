"""Signing out anywhere ends the relying party's session too: a person signs
in to the demo site through Hydra and the portal's real pages (login form,
consent), then signs out at the portal, or staff end their sessions in the
identity admin; the provider ends their Hydra login sessions *by sid*, Hydra
posts a logout token to /auth/backchannel-logout, and the relying party's
very next request is anonymous. How long that took is printed (measured,
not asserted)."""
from __future__ import annotations

import time

import pytest
from django.contrib.auth.models import Permission
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from oryauth import hydra_clients
from oryauth.client.models import RelyingPartyTokens
from tests.factories import UserFactory
from tests.support.kratos import TestIdentity, create_identity
from tests.support.site_browser import SiteBrowser

pytestmark = pytest.mark.django_db(transaction=True)

DEADLINE_SECONDS = 15.0


@pytest.fixture(autouse=True)
def site_client_with_backchannel_logout(live_server) -> None:  # noqa: ANN001 (pytest-django's LiveServer)
    assert live_server.url == "http://127.0.0.1:8000", f"live_server is on {live_server.url}: is port 8000 taken?"
    assert hydra_clients.ensure_site_client().client.backchannel_logout_uri


def signed_in(identity: TestIdentity) -> tuple[SiteBrowser, str]:
    """A browser signed in to the relying party through the portal; its Django session key."""
    browser = SiteBrowser()
    attempt = browser.sign_in(identity.email, identity.password)
    assert attempt.signed_in, (attempt.problem, "\n".join(f"{s} {u}" for s, u in attempt.steps))
    tokens = RelyingPartyTokens.objects.get(subject=identity.id)
    assert tokens.sid and tokens.session_key
    return browser, tokens.session_key


def wait_until_gone(session_key: str, started: float, what: str) -> None:
    while SessionStore().exists(session_key):
        assert time.monotonic() - started < DEADLINE_SECONDS, f"{what}: the relying party's session is still there"
        time.sleep(0.02)
    print(f"\n{what}: relying party signed out {1000 * (time.monotonic() - started):.0f} ms after the sign-out")


def assert_anonymous_at_the_relying_party(browser: SiteBrowser) -> None:
    protected = browser.get("/protected/", allow_redirects=False)
    assert protected.status_code == 302 and protected.headers["Location"].startswith("/auth/login")


def test_signing_out_at_the_portal_signs_the_person_out_of_the_relying_party() -> None:
    identity = create_identity()
    browser, session_key = signed_in(identity)
    started = time.monotonic()

    browser.csrf_post("/signout")

    wait_until_gone(session_key, started, "portal sign-out")
    assert_anonymous_at_the_relying_party(browser)


def test_staff_ending_a_persons_sessions_signs_them_out_of_the_relying_party() -> None:
    identity = create_identity()
    browser, session_key = signed_in(identity)
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="oryauth_identity_admin"))
    admin = Client()
    admin.force_login(staff)
    started = time.monotonic()

    admin.post(reverse("admin:oryauth_identity_admin_kratosidentity_end_sessions", args=[identity.id]))

    wait_until_gone(session_key, started, "identity admin, end all sessions")
    assert_anonymous_at_the_relying_party(browser)
