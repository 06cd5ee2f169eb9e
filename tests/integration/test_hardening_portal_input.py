"""Low findings of issue 10, against the real Kratos: inputs Kratos accepts
that made the portal answer 502, or a bare 400 (Django's debug page with
DEBUG on)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.oauth_flows import SITE, Browser

pytestmark = pytest.mark.django_db

# Django's own answer to a SuspiciousOperation such as an over-long redirect.
BARE_400 = "<h1>Bad Request (400)</h1>"


@pytest.mark.parametrize("page", ["registration", "login"])
def test_an_organization_kratos_has_no_form_for_still_gets_the_ordinary_form(page: str) -> None:
    visit = Browser().open(f"{SITE}/{page}?organization={uuid.uuid4()}")

    assert visit.status == 200, (visit.status, visit.visited)
    assert 'name="csrf_token"' in visit.text and 'data-testid="flow/form/password"' in visit.text


@pytest.mark.parametrize(
    ("page", "parameter"),
    [("registration", "login_challenge"), ("login", "via"), ("login", "aal"), ("login", "refresh")],
)
def test_a_forwarded_parameter_over_16_kb_gets_a_clear_page(page: str, parameter: str) -> None:
    visit = Browser().open(f"{SITE}/{page}?{parameter}=" + "a" * 17_000)

    assert visit.status == 400, visit.status
    assert BARE_400 not in visit.text
    assert "This link is too long" in visit.text


def test_a_return_to_over_16_kb_is_dropped_and_the_form_shown() -> None:
    visit = Browser().open(f"{SITE}/registration?return_to={SITE}/" + "a" * 17_000)

    assert visit.status == 200 and 'name="csrf_token"' in visit.text
