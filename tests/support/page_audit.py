"""Auditing a page in the browser tests: axe-core at WCAG 2.1 AA, and the
Content-Security-Policy violations the browser reported.

axe-core is the npm package tools/ensure-node-packages.sh installs into
tests/node (make test runs it). It is evaluated through the DevTools
protocol (`page.evaluate`), not added as a <script> tag: an inline tag is
exactly what oryauth's policy blocks, and the audit must not need the page
to be weakened.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page
from playwright.sync_api import Error as PlaywrightError

from .stack import REPO

AXE = REPO / "tests" / "node" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Runs in every document before its own scripts: records each violation the
# browser reports (blocked scripts, styles, images, form posts, frames).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} on ${e.documentURI}`);
});
"""


@lru_cache(maxsize=1)
def _axe_source() -> str:
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run tools/ensure-node-packages.sh (make test does).", pytrace=False)
    return AXE.read_text()


def axe_violations(page: Page) -> list[str]:
    """Every WCAG 2.1 A/AA violation axe-core finds on the page, one line each."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    result: dict[str, Any] = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})", WCAG_21_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'])}"
        for v in result["violations"]
    ]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe-core, WCAG 2.1 AA, on {page.url}:\n" + "\n".join(violations)


@dataclass
class CspWatch:
    """The Content-Security-Policy violations seen by one browser context:
    from `securitypolicyviolation` events (read per page with `collect`) and
    Chromium's console errors (kept across navigations)."""

    console: list[str] = field(default_factory=list)
    events: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.console.append(message.text)

    def collect(self, page: Page) -> None:
        """Add the events the current document recorded (once it has loaded:
        a test may end while the page is still navigating, e.g. to a client's
        callback; violations before that are in `console` too)."""
        for attempt in range(3):
            page.wait_for_load_state("load")
            try:
                self.events += page.evaluate("() => window.__cspViolations || []")
                return
            except PlaywrightError as exc:
                if "Execution context was destroyed" not in str(exc) or attempt == 2:
                    raise

    def assert_none(self, page: Page) -> None:
        self.collect(page)
        seen = self.events + self.console
        assert not seen, "Content-Security-Policy violations:\n" + "\n".join(seen)


def watch_csp(page: Page) -> CspWatch:
    """Start recording CSP violations on `page`'s context (call before goto)."""
    watch = CspWatch()
    page.context.add_init_script(RECORD_CSP_VIOLATIONS)
    page.on("console", watch.on_console)
    return watch
