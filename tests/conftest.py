"""Shared fixtures. Integration and browser tests get the real Ory stack."""
from __future__ import annotations

import os

import pytest

from tests.support.localhost_stack import ensure_localhost_stack_up
from tests.support.stack import ensure_stack_up


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


# tests/production needs the production profile's PostgreSQL, Redis and
# gunicorn (`make test PROFILE=production` runs it); the default profile's
# `pytest` does not collect it. Under PROFILE=production it fails loudly when
# a part is missing, it never skips.
collect_ignore = [] if os.environ.get("ORYAUTH_PROFILE") == "production" else ["production"]
