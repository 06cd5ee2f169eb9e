"""Shared fixtures. Integration and browser tests get the real Ory stack."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.support.localhost_stack import ensure_localhost_stack_up
from tests.support.stack import ensure_stack_up

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def no_key_sets_held() -> None:
    """Every test starts without this process's copies of key sets (tests
    clear or plant the shared cache's, which a process's copy would hide)."""
    from oryauth import jwks  # after pytest-django set Django up

    jwks.forget_local_copies()


@pytest.fixture(scope="session")
def ory_stack() -> None:
    """Kratos, Hydra and the SMTP sink, started by tools/ory/up.sh if needed.

    Fails the test run (never skips) when the stack cannot start.
    """
    try:
        ensure_stack_up()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def localhost_stack(ory_stack: None) -> None:
    """The localhost variant (passkeys, security keys, Example ID): see
    tests/support/localhost_stack.py. Fails the run (never skips) when it
    cannot start."""
    try:
        ensure_localhost_stack_up()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, one for the whole run: the browser tests (tests/e2e)
    and the interop tests (tests/interop) share it, since Playwright's sync
    API cannot run twice at once in one thread."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tools/ensure-chromium.sh (make test does).", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


# tests/production needs the production profile's PostgreSQL, Redis and
# gunicorn (`make test PROFILE=production` runs it); the default profile's
# `pytest` does not collect it. Under PROFILE=production it fails loudly when
# a part is missing, it never skips.
collect_ignore = [] if os.environ.get("ORYAUTH_PROFILE") == "production" else ["production"]
