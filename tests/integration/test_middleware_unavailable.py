"""When Kratos cannot be asked, the middleware follows UNAVAILABLE_POLICY and
recovers as soon as Kratos answers again. A private Kratos on spare ports is
stopped and frozen; the shared stack keeps serving the other tests."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, override_settings

from tests.integration.test_middleware import api_session_token, bearer, client_with_cookie, me
from tests.integration.test_middleware import empty_cache  # noqa: F401 (autouse: every test starts with an empty cache)
from tests.support.kratos import create_identity
from tests.support.throwaway import ThrowawayServer, spare_port

pytestmark = pytest.mark.django_db

TIMEOUT = 1.0


@pytest.fixture
def kratos(tmp_path: Path) -> Iterator[ThrowawayServer]:
    server = ThrowawayServer("kratos", spare_port(), spare_port(), tmp_path / "kratos.log")
    server.start()
    yield server
    server.stop()


def settings_for(server: ThrowawayServer, **extra: Any) -> dict[str, Any]:
    return {"KRATOS_PUBLIC_URL": server.public_url, "KRATOS_ADMIN_URL": server.admin_url, "HTTP_TIMEOUT": TIMEOUT, **extra}


def signed_in_token(server: ThrowawayServer) -> str:
    return api_session_token(create_identity(), kratos_public=server.public_url)


def test_stopped_kratos_makes_new_callers_anonymous_and_required_views_answer_503(kratos: ThrowawayServer) -> None:
    with override_settings(ORYAUTH=settings_for(kratos)):
        seen, unseen = signed_in_token(kratos), signed_in_token(kratos)
        assert me(**bearer(seen)).status_code == 200

        kratos.stop()
        api = me(**bearer(unseen))
        home = client_with_cookie("a-cookie-kratos-cannot-check").get("/")
        cached = me(**bearer(seen))

    assert api.status_code == 503
    assert api.json()["error"] == "temporarily_unavailable"
    assert api["Retry-After"] == "5"
    assert home.status_code == 200  # the home page does not require a sign-in
    assert b"cannot be reached" in home.content
    assert cached.status_code == 200  # already known: the cache rides out the outage


def test_fail_policy_answers_503_to_every_request_with_a_credential(kratos: ThrowawayServer) -> None:
    with override_settings(ORYAUTH=settings_for(kratos, UNAVAILABLE_POLICY="fail")):
        kratos.stop()
        home = client_with_cookie("a-cookie-kratos-cannot-check").get("/", HTTP_ACCEPT="text/html")
        without_credential = Client().get("/")

    assert home.status_code == 503
    assert home["Retry-After"] == "5"
    assert without_credential.status_code == 200


def test_hung_kratos_costs_one_timeout_not_a_hang(kratos: ThrowawayServer) -> None:
    with override_settings(ORYAUTH=settings_for(kratos)):
        token = signed_in_token(kratos)
        kratos.freeze()
        try:
            started = time.monotonic()
            response = me(**bearer(token))
            elapsed = time.monotonic() - started
        finally:
            kratos.thaw()

    assert response.status_code == 503
    assert elapsed < 2 * TIMEOUT + 0.5


def test_recovery_is_seen_on_the_first_request_after_kratos_is_back(kratos: ThrowawayServer) -> None:
    with override_settings(ORYAUTH=settings_for(kratos)):
        kratos.stop()
        assert me(**bearer("ory_st_" + "A" * 32)).status_code == 503

        kratos.start()
        # Unavailability is never cached: Kratos's own answer comes through at once.
        assert me(**bearer("ory_st_" + "A" * 32)).status_code == 401
        assert me(**bearer(signed_in_token(kratos))).status_code == 200
