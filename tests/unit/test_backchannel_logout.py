"""POST /auth/backchannel-logout without network: Hydra's discovery
document and JWKS are stubbed at the `oryauth.ory` boundary (FakeHydra of
test_idtoken) with keys these tests generate. A refused token ends nothing
and gets a 400 with an OAuth2 error body; a good one ends the Django
sessions of its Hydra session and deletes their tokens."""
from __future__ import annotations

import time
import uuid
from datetime import timedelta
from importlib import import_module
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.checks import run_checks
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from jose import jws

from oryauth.client import backchannel
from oryauth.client.backchannel import BACKCHANNEL_LOGOUT_EVENT, LOGOUT_TOKEN_MAX_AGE
from oryauth.client.models import RelyingPartyTokens
from oryauth.hydra_clients import site_client_definition
from tests.support.fake_hydra import ISSUER, FakeHydra, hydra, sign  # noqa: F401 (hydra: fixture)

pytestmark = pytest.mark.django_db

URL = "/auth/backchannel-logout"


def logout_claims(**changes: Any) -> dict[str, Any]:
    claims = {
        "iss": ISSUER, "aud": ["site"], "iat": int(time.time()), "jti": str(uuid.uuid4()),
        "events": {BACKCHANNEL_LOGOUT_EVENT: {}}, "sid": "hydra-session-1",
    }
    claims.update(changes)
    return {name: value for name, value in claims.items() if value is not None}


def signed_in(sid: str = "hydra-session-1", subject: str = "person-1") -> tuple[str, RelyingPartyTokens]:
    """A Django session and its tokens row, as a sign-in through Hydra leaves them."""
    user, _ = get_user_model().objects.get_or_create(username=subject)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    tokens = RelyingPartyTokens.objects.create(
        user=user, issuer=ISSUER, subject=subject, sid=sid, session_key=store.session_key,
        access_token="at", expires_at=timezone.now() + timedelta(hours=1),
    )
    return store.session_key, tokens


def session_exists(session_key: str) -> bool:
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(session_key)


def post(token: Any) -> Any:
    return Client(enforce_csrf_checks=True).post(URL, {"logout_token": token} if token is not None else {})


def assert_refused(response: Any, reason: str) -> None:
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request" and body["error_description"].startswith(reason), body
    assert "no-store" in response["Cache-Control"]


def test_a_valid_logout_token_ends_the_sessions_of_its_hydra_session_only(hydra: FakeHydra) -> None:
    ended_key, ended = signed_in(sid="hydra-session-1")
    kept_key, kept = signed_in(sid="hydra-session-2")

    response = post(sign(logout_claims()))

    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert not session_exists(ended_key) and not RelyingPartyTokens.objects.filter(pk=ended.pk).exists()
    assert session_exists(kept_key) and RelyingPartyTokens.objects.filter(pk=kept.pk).exists()


def test_a_token_naming_only_the_person_ends_all_their_sessions(hydra: FakeHydra) -> None:
    first, _ = signed_in(sid="a", subject="person-1")
    second, _ = signed_in(sid="b", subject="person-1")
    someone_else, _ = signed_in(sid="c", subject="person-2")

    assert post(sign(logout_claims(sid=None, sub="person-1"))).status_code == 200

    assert not session_exists(first) and not session_exists(second) and session_exists(someone_else)


def test_a_token_for_a_session_this_site_does_not_know_is_answered_200(hydra: FakeHydra) -> None:
    assert post(sign(logout_claims(sid="never-signed-in-here"))).status_code == 200


FORGED_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize(
    ("reason", "token"),
    [
        ("bad_signature", lambda: sign(logout_claims(), key=FORGED_KEY)),
        ("unknown_key", lambda: sign(logout_claims(), key=FORGED_KEY, kid="made-up")),
        ("algorithm_not_allowed", lambda: jws.sign(logout_claims(), "x" * 32, headers={"kid": "rsa-1"}, algorithm="HS256")),
        ("malformed", lambda: "not-a-jwt"),
        ("malformed", lambda: None),
        ("wrong_issuer", lambda: sign(logout_claims(iss="http://evil.example/"))),
        ("wrong_audience", lambda: sign(logout_claims(aud=["another-client"]))),
        ("too_old", lambda: sign(logout_claims(iat=int(time.time()) - LOGOUT_TOKEN_MAX_AGE - 60))),
        ("issued_in_future", lambda: sign(logout_claims(iat=int(time.time()) + 3600))),
        ("missing_claim", lambda: sign(logout_claims(iat=None))),
        ("expired", lambda: sign(logout_claims(exp=int(time.time()) - 3600))),
        ("not_a_logout_token", lambda: sign(logout_claims(events=None))),
        ("not_a_logout_token", lambda: sign(logout_claims(events={"http://example.org/other": {}}))),
        ("has_nonce", lambda: sign(logout_claims(nonce="n-1"))),
        ("missing_claim", lambda: sign(logout_claims(sid=None))),
        ("missing_claim", lambda: sign(logout_claims(jti=None))),
        ("malformed", lambda: sign(logout_claims(sid=["a"]))),
    ],
)
def test_a_refused_logout_token_ends_nothing_and_gets_a_400(hydra: FakeHydra, reason: str, token: Any) -> None:
    session_key, tokens = signed_in()

    assert_refused(post(token()), reason)

    assert session_exists(session_key) and RelyingPartyTokens.objects.filter(pk=tokens.pk).exists()


def test_a_replayed_logout_token_is_refused(hydra: FakeHydra) -> None:
    token = sign(logout_claims(sid=None, sub="person-1"))
    assert post(token).status_code == 200
    session_key, _ = signed_in(subject="person-1")  # signed in again afterwards

    assert_refused(post(token), "replayed")

    assert session_exists(session_key)


def test_a_cache_failure_does_not_crash_and_the_logout_still_happens(hydra: FakeHydra, monkeypatch: pytest.MonkeyPatch) -> None:
    class BrokenCache:
        def add(self, *args: Any, **kwargs: Any) -> bool:
            raise ConnectionError("cache down")

    monkeypatch.setattr(backchannel, "caches", {settings.ORYAUTH.get("CACHE_ALIAS", "default"): BrokenCache()})
    session_key, _ = signed_in()

    assert post(sign(logout_claims())).status_code == 200
    assert not session_exists(session_key)


def test_a_failure_while_ending_sessions_is_a_400_not_a_500(hydra: FakeHydra, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken_store() -> Any:
        raise ImproperlyConfigured("no session store")

    monkeypatch.setattr(backchannel, "session_store_class", broken_store)

    assert_refused(post(sign(logout_claims())), "the logout could not be processed")


def test_only_post_is_answered(hydra: FakeHydra) -> None:
    assert Client().get(URL).status_code == 405


def test_signed_cookie_sessions_cannot_be_ended_and_a_check_says_so(settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_BACKCHANNEL_LOGOUT_URI": "http://127.0.0.1:8000/auth/backchannel-logout"}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    assert "oryauth.W025" in [m.id for m in run_checks()]

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    assert "oryauth.W025" not in [m.id for m in run_checks()]


def test_the_site_client_registers_back_channel_logout_only_when_configured(settings) -> None:  # noqa: ANN001
    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_BACKCHANNEL_LOGOUT_URI": ""}
    assert site_client_definition().backchannel_logout_uri is None

    settings.ORYAUTH = {**settings.ORYAUTH, "CLIENT_BACKCHANNEL_LOGOUT_URI": "http://127.0.0.1:8000/auth/backchannel-logout"}
    client = site_client_definition()
    assert client.backchannel_logout_uri == "http://127.0.0.1:8000/auth/backchannel-logout"
    assert client.backchannel_logout_session_required is True
