"""Shared fixtures. Integration and browser tests get the real Ory stack."""
from __future__ import annotations

import pytest

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
