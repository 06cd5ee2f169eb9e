"""oryauth.ory turns a dead or hung Kratos into OryUnavailable within its timeout.

The tests run their own Kratos process on spare ports so the shared stack
keeps serving the other tests.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import override_settings

from oryauth import ory
from oryauth.errors import OryUnavailable
from tests.support.throwaway import ThrowawayServer, spare_port

TIMEOUT = 1.0


@pytest.fixture
def kratos(tmp_path: Path) -> Iterator[ThrowawayServer]:
    server = ThrowawayServer("kratos", spare_port(), spare_port(), tmp_path / "kratos.log")
    server.start()
    with override_settings(ORYAUTH={"KRATOS_PUBLIC_URL": server.public_url, "HTTP_TIMEOUT": TIMEOUT}):
        yield server
    server.stop()


def timed_whoami() -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        ory.whoami(session_token="ory_st_unknown")
    except OryUnavailable as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_a_stopped_kratos_is_reported_unavailable_and_recovery_is_seen(kratos: ThrowawayServer) -> None:
    assert timed_whoami()[1] is None  # up: Kratos answers "no session"

    kratos.stop()
    elapsed, error = timed_whoami()
    assert isinstance(error, OryUnavailable)
    assert error.service == "Kratos public"
    assert "refused" in error.reason
    assert elapsed < TIMEOUT + 0.5

    kratos.start()
    assert timed_whoami()[1] is None


def test_a_hung_kratos_is_reported_unavailable_after_the_timeout(kratos: ThrowawayServer) -> None:
    kratos.freeze()  # accepts connections, never answers
    try:
        elapsed, error = timed_whoami()
    finally:
        kratos.thaw()

    assert isinstance(error, OryUnavailable)
    assert "timeout" in error.reason
    assert TIMEOUT - 0.1 <= elapsed < TIMEOUT * 2 + 0.5
