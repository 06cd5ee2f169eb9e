"""Browser tests: Debian's Chromium driven by Playwright against the demo
site on 127.0.0.1:8000 (the address the Kratos and Hydra configs point at)."""
from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from tests.support.stack import REPO

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts"))

# Playwright's sync API runs an event loop in the test thread; the test
# itself only touches the database synchronously.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _real_ory_stack(ory_stack: None) -> None:
    """Every test here runs against the real Kratos and Hydra."""


@pytest.fixture
def page(browser: Browser, live_server) -> Iterator[Page]:  # noqa: ANN001 (pytest-django's LiveServer)
    assert live_server.url == "http://127.0.0.1:8000", (
        "browser tests need the site on http://127.0.0.1:8000 (the URL Kratos and Hydra redirect to); "
        f"got {live_server.url}. Is something else listening on port 8000 (make run)?"
    )
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot under the test artifacts folder."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


STAFF_PASSWORD = "correct horse battery staple"


def sign_in_as_staff(page: Page, app_label: str, next_path: str) -> None:
    """Sign a new staff member, holding every permission of `app_label`, in
    to the Django admin through its login form, landing on `next_path`."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(username=f"staff-{uuid.uuid4().hex[:6]}", is_staff=True)
    user.set_password(STAFF_PASSWORD)
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label=app_label))
    page.goto(f"/admin/login/?next={next_path}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", STAFF_PASSWORD)
    page.click("input[type=submit]")
