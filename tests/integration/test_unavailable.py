"""oryauth.ory turns a dead or hung Kratos into OryUnavailable within its timeout.

The test runs its own Kratos process on spare ports so the shared stack keeps
serving the other tests.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from django.test import override_settings

from oryauth import ory
from oryauth.errors import OryUnavailable
from tests.support.stack import BIN_DIR, CONFIG_DIR

PUBLIC_PORT, ADMIN_PORT = 14433, 14434
TIMEOUT = 1.0


class ThrowawayKratos:
    def __init__(self, log: Path) -> None:
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {
            **os.environ,
            "DSN": "memory",
            "SERVE_PUBLIC_PORT": str(PUBLIC_PORT),
            "SERVE_PUBLIC_BASE_URL": f"http://127.0.0.1:{PUBLIC_PORT}/",
            "SERVE_ADMIN_PORT": str(ADMIN_PORT),
            "SERVE_ADMIN_BASE_URL": f"http://127.0.0.1:{ADMIN_PORT}/",
            "COURIER_SMTP_CONNECTION_URI": "smtp://127.0.0.1:1/?disable_starttls=true",
        }
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN_DIR / "kratos"), "serve", "--dev", "-c", "kratos.yml"],
                cwd=CONFIG_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"throwaway Kratos exited:\n{self.log.read_text()[-2000:]}"
            try:
                if requests.get(f"http://127.0.0.1:{PUBLIC_PORT}/health/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"throwaway Kratos not ready in 30s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def kratos(tmp_path: Path) -> Iterator[ThrowawayKratos]:
    server = ThrowawayKratos(tmp_path / "kratos.log")
    server.start()
    with override_settings(ORYAUTH={"KRATOS_PUBLIC_URL": f"http://127.0.0.1:{PUBLIC_PORT}", "HTTP_TIMEOUT": TIMEOUT}):
        yield server
    server.stop()


def timed_whoami() -> tuple[float, BaseException | None]:
    started = time.monotonic()
    try:
        ory.whoami(session_token="ory_st_unknown")
    except OryUnavailable as exc:
        return time.monotonic() - started, exc
    return time.monotonic() - started, None


def test_a_stopped_kratos_is_reported_unavailable_and_recovery_is_seen(kratos: ThrowawayKratos) -> None:
    assert timed_whoami()[1] is None  # up: Kratos answers "no session"

    kratos.stop()
    elapsed, error = timed_whoami()
    assert isinstance(error, OryUnavailable)
    assert error.service == "Kratos public"
    assert "refused" in error.reason
    assert elapsed < TIMEOUT + 0.5

    kratos.start()
    assert timed_whoami()[1] is None


def test_a_hung_kratos_is_reported_unavailable_after_the_timeout(kratos: ThrowawayKratos) -> None:
    assert kratos.process is not None
    kratos.process.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        elapsed, error = timed_whoami()
    finally:
        kratos.process.send_signal(signal.SIGCONT)

    assert isinstance(error, OryUnavailable)
    assert "timeout" in error.reason
    assert TIMEOUT - 0.1 <= elapsed < TIMEOUT * 2 + 0.5
