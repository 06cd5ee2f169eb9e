"""Back-channel logout with the real Hydra: a person signs in to the demo
site as a relying party (the portal played through Hydra's admin API), their
Hydra login session ends, Hydra posts a logout token to
`live_server`'s /auth/backchannel-logout (127.0.0.1:8000), and the relying
party's Django session is gone.

What makes Hydra v2.3.0 post it (consent/strategy_default.go): completing
its own logout flow (end-session endpoint -> logout challenge accepted ->
the browser follows the logout verifier), and the admin API's
DELETE /admin/oauth2/auth/sessions/login?sid=… . A revocation by *subject*
(what the portal's /signout does) sends none. Hydra posts from a goroutine
after answering, so the tests wait for the session to go, with a deadline,
and print how long it took (measured, not asserted).
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from oryauth import hydra_clients, ory
from oryauth.client.models import RelyingPartyTokens
from tests.support.relying_party import AdminApiPortal, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

HYDRA_PUBLIC = "http://127.0.0.1:4444"
DEADLINE_SECONDS = 15.0


@pytest.fixture(autouse=True)
def site_client_with_backchannel_logout(live_server) -> None:  # noqa: ANN001 (pytest-django's LiveServer)
    """Hydra can reach this site (live_server on 127.0.0.1:8000) and the
    site's client has the back-channel logout URI registered."""
    assert live_server.url == "http://127.0.0.1:8000", f"live_server is on {live_server.url}: is port 8000 taken?"
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    ensured = hydra_clients.ensure_site_client()
    assert ensured.client.backchannel_logout_uri == "http://127.0.0.1:8000/auth/backchannel-logout"
    assert ensured.client.backchannel_logout_session_required is True


def signed_in_relying_party() -> tuple[Client, requests.Session, AdminApiPortal, RelyingPartyTokens]:
    """A Django test client signed in through Hydra, the browser that holds
    Hydra's remembered-login cookie, the portal stand-in, the stored tokens."""
    client, browser = Client(), requests.Session()
    portal = AdminApiPortal(subject=str(uuid.uuid4()), remember=True)
    _, response = sign_in(client, browser, portal, start="/auth/login?next=/protected/")
    assert response.status_code == 302 and response["Location"] == "/protected/"
    assert client.get("/protected/").status_code == 200
    tokens = RelyingPartyTokens.objects.get(subject=portal.subject)
    return client, browser, portal, tokens


def seconds_until_session_is_gone(session_key: str, started: float) -> float:
    """Poll until the session and its stored tokens are deleted (deadline).
    Both: the sessions are ended first, inside the transaction that deletes
    the tokens, and a cache-backed session store shows that before the
    transaction commits."""
    while SessionStore().exists(session_key) or RelyingPartyTokens.objects.filter(session_key=session_key).exists():
        assert time.monotonic() - started < DEADLINE_SECONDS, "Hydra's back-channel logout did not end the session"
        time.sleep(0.005)  # polling interval, bounded by the deadline
    return time.monotonic() - started


def assert_next_request_is_anonymous(client: Client) -> None:
    response = client.get("/protected/")
    assert response.status_code == 302 and urlsplit(response["Location"]).path == "/auth/login"
    assert not response.wsgi_request.user.is_authenticated


def logout_at_hydra(browser: requests.Session, portal: AdminApiPortal) -> str:
    """The browser goes to Hydra's end-session endpoint (no id_token_hint:
    Hydra finds the login session by its cookie), the portal accepts the
    logout challenge, the browser follows the logout verifier; returns where
    Hydra sent it at the end."""
    url = f"{HYDRA_PUBLIC}/oauth2/sessions/logout"
    for _ in range(10):
        answered = portal.answer(url)
        if answered is not None:
            url = answered
            continue
        if not url.startswith(HYDRA_PUBLIC + "/"):
            return url
        response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code in (302, 303), f"Hydra answered {response.status_code} on {url}: {response.text[:300]}"
        url = response.headers["Location"]
    raise AssertionError("too many redirects through Hydra's logout")


def test_signing_in_stores_the_hydra_session_and_the_django_session_key() -> None:
    client, _, _, tokens = signed_in_relying_party()

    assert tokens.sid and tokens.session_key == client.session.session_key


def _measure(name: str, sign_out: Callable[[RelyingPartyTokens, requests.Session, AdminApiPortal], None]) -> None:
    client, browser, portal, tokens = signed_in_relying_party()
    other_client, _, _, other_tokens = signed_in_relying_party()  # someone else, who stays signed in

    started = time.monotonic()
    sign_out(tokens, browser, portal)
    answered = time.monotonic() - started
    gone = seconds_until_session_is_gone(tokens.session_key, started)

    assert_next_request_is_anonymous(client)
    assert not RelyingPartyTokens.objects.filter(pk=tokens.pk).exists()
    assert other_client.get("/protected/").status_code == 200
    assert RelyingPartyTokens.objects.filter(pk=other_tokens.pk).exists()
    print(
        f"\n[back-channel logout] {name}: Hydra answered after {answered * 1000:.0f} ms, "
        f"the relying party's Django session was gone after {gone * 1000:.0f} ms"
    )


def test_logout_through_hydras_logout_flow_ends_the_relying_partys_session() -> None:
    def through_end_session(tokens: RelyingPartyTokens, browser: requests.Session, portal: AdminApiPortal) -> None:
        assert logout_at_hydra(browser, portal) == "http://127.0.0.1:8000/"

    _measure("Hydra's logout flow (end-session, challenge accepted)", through_end_session)


def test_revoking_the_hydra_login_session_by_sid_ends_the_relying_partys_session() -> None:
    def by_sid(tokens: RelyingPartyTokens, browser: requests.Session, portal: AdminApiPortal) -> None:
        ory.hydra_admin().revoke_o_auth2_login_sessions(sid=tokens.sid)

    _measure("admin revocation by sid", by_sid)


def test_the_doctor_checks_the_registered_back_channel_logout_uri_and_ensure_site_client_fixes_it() -> None:
    from django.test import override_settings

    from tests.integration.test_doctor import findings

    conf = {**settings.ORYAUTH, "CLIENT_ID": f"bcl-doctor-{uuid.uuid4().hex[:8]}", "CLIENT_SECRET": "bcl-doctor-secret-0123456789abcdef"}
    with override_settings(ORYAUTH=conf):
        hydra_clients.create_or_replace_client(hydra_clients.site_client_definition())
    try:
        assert findings(conf)["Back-channel logout"].level == "ok"

        hydra_clients.update_client(conf["CLIENT_ID"], {"backchannel_logout_uri": "http://127.0.0.1:8000/elsewhere"})
        wrong = findings(conf)["Back-channel logout"]
        assert wrong.level == "error" and "'http://127.0.0.1:8000/elsewhere'" in wrong.detail and "ensure-site-client" in wrong.fix

        with override_settings(ORYAUTH=conf):
            ensured = hydra_clients.ensure_site_client()
        assert "backchannel_logout_uri" in ensured.changed
        assert findings(conf)["Back-channel logout"].level == "ok"
    finally:
        hydra_clients.delete_client(conf["CLIENT_ID"])
