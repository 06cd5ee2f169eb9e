"""Running a role site (tests/sites/<site>.py) in its own Django process:
`manage.py` commands under its settings, and `runserver` on its own port
with its own SQLite database, ready when it answers (polled, with a deadline)."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[2]


def site_env(site: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "ORYAUTH_"))}
    return {**env, "DJANGO_SETTINGS_MODULE": f"tests.sites.{site}", "PYTHONPATH": str(REPO), **extra}


def manage(site: str, *args: str, database: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`manage.py <args>` as the site would run it (its settings, its own process)."""
    extra = {"SITE_DATABASE": str(database)} if database else {}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=site_env(site, **extra),
        capture_output=True, text=True, timeout=timeout,
    )


def describe(site: str) -> dict[str, Any]:
    """What the site registers: admin models, URL namespaces, routes (see describe.py)."""
    result = subprocess.run(
        [sys.executable, "-m", "tests.sites.describe"], cwd=REPO, env=site_env(site),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


@contextmanager
def running_site(site: str, port: int, workdir: Path, deadline: float = 30.0) -> Iterator[str]:
    """Migrate a fresh database for `site`, serve it on 127.0.0.1:`port`, yield its origin."""
    assert _port_is_free(port), f"port {port} is taken: stop what listens there before running the role-site tests"
    database = workdir / f"{site}.sqlite3"
    migrated = manage(site, "migrate", "--no-input", database=database)
    assert migrated.returncode == 0, migrated.stderr
    log = workdir / f"{site}.log"
    origin = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=REPO, env=site_env(site, SITE_DATABASE=str(database)), stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        until = time.monotonic() + deadline
        while True:
            assert server.poll() is None, f"{site} exited:\n{log.read_text()[-3000:]}"
            try:
                requests.get(f"{origin}/", timeout=5)
                break
            except requests.RequestException:
                assert time.monotonic() < until, f"{site} did not answer on {origin} within {deadline}s:\n{log.read_text()[-3000:]}"
                time.sleep(0.1)
        yield origin
    finally:
        server.terminate()
        server.wait(timeout=10)
