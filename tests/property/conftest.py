"""The property suite runs against the real Kratos and Hydra, and reports
how many inputs each URL was given and how many answered 5xx."""
from __future__ import annotations

import pytest

from tests.property.requests_for import TRIED


@pytest.fixture(autouse=True)
def _real_ory_stack(ory_stack: None) -> None:
    """Every property test talks to the real Kratos and Hydra."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TRIED:
        return
    terminalreporter.section("inputs tried per URL (5xx answers)")
    for route, (tried, server_errors) in sorted(TRIED.items()):
        terminalreporter.write_line(f"{tried:6d} inputs  {server_errors:3d} x 5xx  {route}")
    total = sum(tried for tried, _ in TRIED.values())
    errors = sum(errors for _, errors in TRIED.values())
    terminalreporter.write_line(f"{total:6d} inputs  {errors:3d} x 5xx  over {len(TRIED)} URLs")
