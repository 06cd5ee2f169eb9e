"""The production profile with several web processes: gunicorn (4 workers,
started here through tools/production/site.sh) in front of PostgreSQL and
Redis, Kratos and Hydra on PostgreSQL. Tests talk to the site over HTTP only.

How tests see what happened, without trusting the code under test:
- gunicorn's access log names the worker pid of every request;
- Kratos's and Hydra's own logs have a line per request they received
  ("started handling request ... path:/..."), which counts upstream calls.
"""
from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
import requests

from tests.support.stack import REPO, RUN_DIR, ensure_stack_up

SITE = "http://127.0.0.1:8000"
WORKERS = int(os.environ.get("SITE_WORKERS", "4"))
T = TypeVar("T")


def run_script(*command: str) -> str:
    """Run one of the project's scripts (relative to the repository); fail the test with its output."""
    result = subprocess.run([str(REPO / command[0]), *command[1:]], cwd=REPO, capture_output=True, text=True, timeout=300)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}", pytrace=False)
    return result.stdout


def wait_until(check: Callable[[], T], *, timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll `check` until it returns something truthy; fail naming `what` at the deadline."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except requests.RequestException as exc:
            last = exc
        if last:
            return last  # type: ignore[return-value]
        time.sleep(interval)
    raise AssertionError(f"{what} did not happen within {timeout}s (last: {last!r})")


@pytest.fixture(scope="session")
def production_site() -> Iterator[str]:
    """The site under gunicorn on the production profile; fails loudly (never
    skips) when the profile is not set or a part cannot start."""
    if os.environ.get("ORYAUTH_PROFILE") != "production":
        pytest.fail("tests/production needs the production profile: run `make test PROFILE=production`.", pytrace=False)
    try:
        ensure_stack_up()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)
    run_script("tools/production/postgres.sh", "up")
    run_script("tools/production/redis.sh", "up")
    run_script("tools/production/site.sh", "up")
    yield SITE
    run_script("tools/production/site.sh", "down")


@pytest.fixture(autouse=True)
def _site_is_ready(production_site: str) -> None:
    """Every test starts with every part answering (an earlier test may have stopped one)."""
    wait_until(lambda: requests.get(f"{SITE}/health/ready", timeout=5).status_code == 200,
               timeout=60, what="the site's readiness (/health/ready 200)")


class LogTail:
    """Lines appended to a log file since this object was made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = path.stat().st_size if path.exists() else 0

    def lines(self) -> list[str]:
        with self.path.open("rb") as log:
            log.seek(self.offset)
            return log.read().decode(errors="replace").splitlines()

    def requests_to(self, path: str) -> int:
        """How many requests for `path` a Kratos or Hydra log shows (one "started" line each)."""
        return sum(1 for line in self.lines() if "started handling request" in line and f"path:{path} " in line)


def site_access_log() -> LogTail:
    return LogTail(RUN_DIR / "site-access.log")


def kratos_log() -> LogTail:
    return LogTail(RUN_DIR / "kratos.log")


def hydra_log() -> LogTail:
    return LogTail(RUN_DIR / "hydra.log")


def site_log() -> LogTail:
    return LogTail(RUN_DIR / "site.log")


_ACCESS = re.compile(r"pid=<?(\d+)>? (\w+) (\S+) (\d{3})")


@dataclass(frozen=True)
class Answer:
    pid: int
    path: str
    status: int


def answers_in(tail: LogTail, path: str) -> list[Answer]:
    """The site's answers for `path` since `tail` was made, with the worker pid of each."""
    found = []
    for line in tail.lines():
        match = _ACCESS.search(line)
        if match and match.group(3) == path:
            found.append(Answer(int(match.group(1)), path, int(match.group(4))))
    return found


def concurrently(call: Callable[[], T], count: int, threads: int = 16) -> list[T]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda _: call(), range(count)))


def until_every_worker_answered(call: Callable[[], object], path: str, *, timeout: float = 30) -> list[Answer]:
    """Send `call` in concurrent batches until the access log shows every
    gunicorn worker answered `path` at least once; returns those answers."""
    tail = site_access_log()

    def every_worker() -> list[Answer]:
        concurrently(call, 32)
        answers = answers_in(tail, path)
        return answers if len({a.pid for a in answers}) >= WORKERS else []

    return wait_until(every_worker, timeout=timeout, what=f"answers to {path} from all {WORKERS} workers", interval=0)
