"""A private Kratos or Hydra process on spare ports, for tests that stop,
hang or break a server without disturbing the shared stack."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from .stack import BIN_DIR, CONFIG_DIR


def spare_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ThrowawayServer:
    """`kind` is "kratos" or "hydra"; it serves on `public_port` and
    `admin_port` with an in-memory database; `env` overrides its
    configuration (Ory reads any setting from the environment)."""

    def __init__(self, kind: str, public_port: int, admin_port: int, log: Path, env: dict[str, str] | None = None) -> None:
        self.kind = kind
        self.env = env or {}
        self.public_port = public_port
        self.admin_port = admin_port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def public_url(self) -> str:
        return f"http://127.0.0.1:{self.public_port}"

    @property
    def admin_url(self) -> str:
        return f"http://127.0.0.1:{self.admin_port}"

    def _command_and_env(self) -> tuple[list[str], dict[str, str]]:
        env = {
            **os.environ,
            "DSN": "memory",
            "SERVE_PUBLIC_PORT": str(self.public_port),
            "SERVE_ADMIN_PORT": str(self.admin_port),
        }
        if self.kind == "kratos":
            env |= {
                "SERVE_PUBLIC_BASE_URL": f"{self.public_url}/",
                "SERVE_ADMIN_BASE_URL": f"{self.admin_url}/",
                "COURIER_SMTP_CONNECTION_URI": "smtp://127.0.0.1:1/?disable_starttls=true",
            }
            # Sends mail only when given somewhere to send it (e.g. the shared SMTP sink).
            courier = ["--watch-courier"] if "COURIER_SMTP_CONNECTION_URI" in self.env else []
            return [str(BIN_DIR / "kratos"), "serve", "--dev", *courier, "-c", "kratos.yml"], env | self.env
        env |= {"URLS_SELF_ISSUER": f"{self.public_url}/"}
        return [str(BIN_DIR / "hydra"), "serve", "all", "--dev", "-c", "hydra.yml"], env | self.env

    def start(self, deadline: float = 30.0) -> None:
        command, env = self._command_and_env()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=CONFIG_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        until = time.monotonic() + deadline
        while time.monotonic() < until:
            assert self.process.poll() is None, f"throwaway {self.kind} exited:\n{self.log.read_text()[-2000:]}"
            try:
                if requests.get(f"{self.public_url}/health/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise AssertionError(f"throwaway {self.kind} not ready in {deadline}s:\n{self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.terminate()
            self.process.wait(timeout=10)

    def freeze(self) -> None:
        """Keep accepting connections but never answer (SIGSTOP)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@contextmanager
def private_kratos_in_use(tmp_path: Path, env: dict[str, str]) -> Iterator[ThrowawayServer]:
    """A throwaway Kratos configured by `env` that this site uses (public,
    browser and admin URLs) while the block runs."""
    from django.conf import settings
    from django.test import override_settings

    server = ThrowawayServer("kratos", spare_port(), spare_port(), tmp_path / "kratos.log", env=env)
    server.start()
    try:
        with override_settings(ORYAUTH={**settings.ORYAUTH, "KRATOS_PUBLIC_URL": server.public_url,
                                        "KRATOS_BROWSER_URL": server.public_url, "KRATOS_ADMIN_URL": server.admin_url}):
            yield server
    finally:
        server.stop()
