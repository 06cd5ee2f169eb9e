"""A staff member looks a person up in the Django admin and signs them out
of every device, in a real browser."""
from __future__ import annotations

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, sign_in_as_staff
from tests.support.kratos import browser_login, create_identity
from tests.support.stack import KRATOS_PUBLIC

pytestmark = pytest.mark.django_db(transaction=True)

def test_staff_find_a_person_and_sign_them_out_everywhere(page: Page) -> None:
    person = create_identity(first_name="Dorothy", last_name="Vaughan")
    laptop = browser_login(person)

    sign_in_as_staff(page, "oryauth_identity_admin", "/admin/oryauth_identity_admin/kratosidentity/")
    page.get_by_test_id("identities/search").fill(person.email)
    page.get_by_test_id("identities/search").press("Enter")
    screenshot(page, "identity-admin-search")
    page.get_by_role("link", name=person.email).click()

    expect(page.get_by_test_id("person/traits")).to_contain_text("Dorothy")
    expect(page.get_by_test_id("person/credentials")).to_contain_text("Password")
    expect(page.get_by_test_id("person/sessions")).to_contain_text("password")
    screenshot(page, "identity-admin-person")
    page.get_by_test_id("person/end-sessions").click()

    expect(page.locator(".messagelist")).to_contain_text("signed out on all devices")
    expect(page.get_by_test_id("person/sessions")).to_contain_text("Not signed in anywhere")
    screenshot(page, "identity-admin-sessions-ended")
    assert requests.get(f"{KRATOS_PUBLIC}/sessions/whoami", cookies=laptop.cookies, timeout=5).status_code == 401
