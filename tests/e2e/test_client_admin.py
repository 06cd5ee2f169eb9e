"""A staff member creates an OAuth2 client in the Django admin and sees its
secret exactly once."""
from __future__ import annotations

import json
import uuid

import pytest
import requests
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tests.e2e.conftest import screenshot, sign_in_as_staff
from tests.support.stack import HYDRA_ADMIN, HYDRA_PUBLIC, hydra_cli

pytestmark = pytest.mark.django_db(transaction=True)

def sign_in_to_admin(page: Page) -> None:
    sign_in_as_staff(page, "oryauth_client_admin", "/admin/oryauth_client_admin/oauth2clientrecord/")


def test_staff_create_a_client_and_see_its_secret_exactly_once(page: Page) -> None:
    name = f"Wiki {uuid.uuid4().hex[:6]}"
    sign_in_to_admin(page)
    expect(page.get_by_test_id("clients/source-note")).to_be_visible()
    page.fill("#searchbar", "oryauth-demo")
    page.press("#searchbar", "Enter")
    expect(page.locator("#result_list")).to_contain_text("oryauth demo site")  # the site's client, read from Hydra
    page.goto("/admin/oryauth_client_admin/oauth2clientrecord/")
    screenshot(page, "client-admin-list")

    page.get_by_role("link", name="Add OAuth2 client").click()
    page.fill("#id_client_name", name)
    page.fill("#id_scope", "openid email profile")
    page.fill("#id_redirect_uris", "https://wiki.example.org/oauth/callback")
    page.fill("#id_post_logout_redirect_uris", "https://wiki.example.org/")
    page.check("input[name=skip_consent]")
    page.select_option("#id_token_endpoint_auth_method", "client_secret_post")
    screenshot(page, "client-admin-add-form")
    page.click("input[name=_save]")

    secret_field = page.get_by_test_id("client/secret")
    expect(secret_field).to_be_visible()
    expect(page.get_by_test_id("client/secret-warning")).to_contain_text("shown this one time only")
    client_id = page.get_by_test_id("client/id").input_value()
    secret = secret_field.input_value()
    screenshot(page, "client-admin-secret-shown-once")
    try:
        # The shown secret is the one Hydra accepts (invalid_grant: authenticated, bad code).
        answer = requests.post(
            f"{HYDRA_PUBLIC}/oauth2/token",
            data={"grant_type": "authorization_code", "code": "x", "client_id": client_id, "client_secret": secret},
            timeout=5,
        )
        assert answer.json()["error"] == "invalid_grant"
        held = json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", HYDRA_ADMIN, "--format", "json"))
        assert held["client_name"] == name
        assert held["skip_consent"] is True

        # Never again: not on the client page, not in the list, not after going back.
        page.get_by_role("link", name="Open the client").click()
        expect(page.get_by_test_id("client/cli")).to_contain_text("hydra create oauth2-client")
        expect(page.locator("#id_client_name")).to_have_value(name)
        assert secret not in page.content()
        screenshot(page, "client-admin-change-form")
        # Back: the secret page was never cached (no-store), so the browser
        # refuses to show it again rather than re-posting.
        with pytest.raises(PlaywrightError, match="ERR_CACHE_MISS"):
            page.go_back()
        page.wait_for_load_state()
        expect(page.get_by_test_id("client/secret")).to_have_count(0)
        # Hydra's refusal comes back on the field it is about.
        page.goto(f"/admin/oryauth_client_admin/oauth2clientrecord/{client_id}/change/")
        page.select_option("#id_subject_type", "pairwise")
        page.click("input[name=_continue]")
        expect(page.locator(".errorlist")).to_contain_text("Subject type pairwise is not supported")
        screenshot(page, "client-admin-hydra-refusal")

        # Rotating shows a new secret, once, after a confirmation.
        page.get_by_test_id("client/rotate-link").click()
        screenshot(page, "client-admin-rotate-confirm")
        page.get_by_test_id("client/rotate-confirm").click()
        rotated = page.get_by_test_id("client/secret").input_value()
        assert rotated != secret
        expect(page.get_by_test_id("client/secret-warning")).to_contain_text("The previous secret has stopped working.")
        screenshot(page, "client-admin-secret-rotated")

        page.goto(f"/admin/oryauth_client_admin/oauth2clientrecord/?q={name.split()[1]}")
        expect(page.locator("#result_list")).to_contain_text(name)
        assert secret not in page.content()
        screenshot(page, "client-admin-list-search")
    finally:
        requests.delete(f"{HYDRA_ADMIN}/admin/clients/{client_id}", timeout=5)


def test_saving_a_page_opened_before_someone_changed_the_client_in_hydra_asks_to_reload(page: Page) -> None:
    client_id = f"stale-{uuid.uuid4().hex[:8]}"
    hydra_cli("create", "oauth2-client", "-e", HYDRA_ADMIN, "--id", client_id, "--name", "Before",
              "--grant-type", "client_credentials", "--response-type", "")
    try:
        sign_in_to_admin(page)
        page.goto(f"/admin/oryauth_client_admin/oauth2clientrecord/{client_id}/change/")
        page.fill("#id_client_name", "Renamed in the admin")
        opened = json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", HYDRA_ADMIN, "--format", "json"))["updated_at"]
        # Someone renames it in Hydra meanwhile (updated_at has one-second resolution).
        for _attempt in range(50):
            requests.patch(f"{HYDRA_ADMIN}/admin/clients/{client_id}",
                           json=[{"op": "replace", "path": "/client_name", "value": "Renamed in Hydra"}], timeout=5)
            if json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", HYDRA_ADMIN, "--format", "json"))["updated_at"] != opened:
                break

        page.click("input[name=_save]")

        expect(page.locator(".errorlist")).to_contain_text("Someone changed this client in Hydra")
        screenshot(page, "client-admin-changed-in-hydra")
        held = json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", HYDRA_ADMIN, "--format", "json"))
        assert held["client_name"] == "Renamed in Hydra"
    finally:
        requests.delete(f"{HYDRA_ADMIN}/admin/clients/{client_id}", timeout=5)
