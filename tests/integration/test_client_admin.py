"""The OAuth2 client admin is a faithful window onto Hydra.

Staff work through Django's test client; what Hydra holds afterwards is read
with the Hydra CLI (`hydra get oauth2-client ... --format json`), a client
nobody here wrote.
"""
from __future__ import annotations

import json
import re
import time
import subprocess
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from oryauth.client_admin.models import OAuth2ClientRecord
from tests.factories import UserFactory
from tests.support.stack import HYDRA_ADMIN, HYDRA_PUBLIC, hydra_cli

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:oryauth_client_admin_oauth2clientrecord_changelist"
ADD = "admin:oryauth_client_admin_oauth2clientrecord_add"


def hydra_get(client_id: str, endpoint: str = HYDRA_ADMIN) -> dict[str, Any]:
    return json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", endpoint, "--format", "json"))


def hydra_has(client_id: str) -> bool:
    return requests.get(f"{HYDRA_ADMIN}/admin/clients/{client_id}", timeout=5).status_code == 200


def change_url(client_id: str) -> str:
    return reverse("admin:oryauth_client_admin_oauth2clientrecord_change", args=[client_id])


def shown_version(staff: Client, client_id: str) -> str:
    """Hydra's updated_at as the change page shows it (a hidden field the browser sends back)."""
    return staff.get(change_url(client_id)).context["adminform"].form.initial["hydra_version"]


def form_data(**overrides: Any) -> dict[str, Any]:
    """A complete add/change form as a browser would post it."""
    data: dict[str, Any] = {
        "client_id": "",
        "client_name": "Billing app",
        "owner": "billing-team",
        "contacts": "billing@example.org\nops@example.org",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "openid offline_access email",
        "audience": "https://api.example.org",
        "skip_consent": "on",
        "redirect_uris": "https://billing.example.org/callback\nhttp://127.0.0.1:9000/callback",
        "post_logout_redirect_uris": "https://billing.example.org/signed-out",
        "allowed_cors_origins": "https://billing.example.org",
        "token_endpoint_auth_method": "client_secret_post",
        "jwks_uri": "",
        "subject_type": "public",
        "client_uri": "https://billing.example.org",
        "logo_uri": "https://billing.example.org/logo.png",
        "policy_uri": "https://billing.example.org/privacy",
        "tos_uri": "https://billing.example.org/terms",
        "metadata": '{"team": "billing", "tier": 2}',
        "authorization_code_grant_access_token_lifespan": "30m",
        "authorization_code_grant_refresh_token_lifespan": "720h",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def staff() -> Client:
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="oryauth_client_admin", codename__endswith="oauth2clientrecord"))
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def cleanup() -> Iterator[list[str]]:
    """Client ids to delete from the shared Hydra after the test."""
    created: list[str] = []
    yield created
    for client_id in created:
        requests.delete(f"{HYDRA_ADMIN}/admin/clients/{client_id}", timeout=5)


def create_through_admin(staff: Client, cleanup: list[str], **overrides: Any) -> tuple[str, str]:
    response = staff.post(reverse(ADD), form_data(**overrides))
    assert response.status_code == 200, response.content[:2000]
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    client_id = re.search(r'value="([^"]+)" size="60" data-testid="client/id"', page)
    assert client_id, page
    secret = re.search(r'value="([^"]+)" size="60" autocomplete="off" spellcheck="false" data-testid="client/secret"', page)
    assert secret or 'data-testid="client/no-secret"' in page
    cleanup.append(client_id.group(1))
    return client_id.group(1), secret.group(1) if secret else ""


def test_creating_a_client_puts_exactly_the_form_values_into_hydra(staff: Client, cleanup: list[str]) -> None:
    client_id, secret = create_through_admin(staff, cleanup)

    held = hydra_get(client_id)
    assert held["client_name"] == "Billing app"
    assert held["owner"] == "billing-team"
    assert held["contacts"] == ["billing@example.org", "ops@example.org"]
    assert held["grant_types"] == ["authorization_code", "refresh_token"]
    assert held["response_types"] == ["code"]
    assert held["scope"] == "openid offline_access email"
    assert held["audience"] == ["https://api.example.org"]
    assert held["skip_consent"] is True
    assert not held.get("skip_logout_consent")
    assert held["redirect_uris"] == ["https://billing.example.org/callback", "http://127.0.0.1:9000/callback"]
    assert held["post_logout_redirect_uris"] == ["https://billing.example.org/signed-out"]
    assert held["allowed_cors_origins"] == ["https://billing.example.org"]
    assert held["token_endpoint_auth_method"] == "client_secret_post"
    assert held["subject_type"] == "public"
    assert held["client_uri"] == "https://billing.example.org"
    assert held["logo_uri"] == "https://billing.example.org/logo.png"
    assert held["policy_uri"] == "https://billing.example.org/privacy"
    assert held["tos_uri"] == "https://billing.example.org/terms"
    assert held["metadata"] == {"team": "billing", "tier": 2}
    assert held["authorization_code_grant_access_token_lifespan"] == "30m0s"
    assert held["authorization_code_grant_refresh_token_lifespan"] == "720h0m0s"
    assert held.get("implicit_grant_access_token_lifespan") is None

    # The secret shown once is the one Hydra accepts at its token endpoint...
    token = requests.post(
        f"{HYDRA_PUBLIC}/oauth2/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
        timeout=5,
    )
    # (the client may not use client_credentials, but it authenticated: not invalid_client)
    assert token.json()["error"] == "unauthorized_client"
    # ...and it is stored nowhere in Django.
    record = OAuth2ClientRecord.objects.get(pk=client_id)
    assert record.client_name == "Billing app"
    assert secret not in json.dumps([str(v) for v in record.__dict__.values()])
    assert not LogEntry.objects.filter(change_message__contains=secret).exists()
    entry = LogEntry.objects.get(object_id=client_id)
    assert entry.action_flag == ADDITION


def test_a_chosen_client_id_is_used_and_a_taken_one_is_an_error_on_that_field(staff: Client, cleanup: list[str]) -> None:
    chosen = f"chosen-{uuid.uuid4().hex[:8]}"
    client_id, _ = create_through_admin(staff, cleanup, client_id=chosen)
    assert client_id == chosen

    again = staff.post(reverse(ADD), form_data(client_id=chosen, client_name="Impostor"))

    assert again.status_code == 200
    errors = again.context["adminform"].form.errors
    assert "client_id" in errors and "Hydra refused" in errors["client_id"][0]
    assert hydra_get(chosen)["client_name"] == "Billing app"
    assert LogEntry.objects.filter(object_id=chosen).count() == 1


def test_editing_a_client_changes_only_what_the_form_changed_in_hydra(staff: Client, cleanup: list[str]) -> None:
    client_id, _ = create_through_admin(staff, cleanup)
    # A field the form does not manage, set from outside, must survive the edit.
    requests.patch(
        f"{HYDRA_ADMIN}/admin/clients/{client_id}",
        json=[{"op": "add", "path": "/frontchannel_logout_uri", "value": "https://billing.example.org/fc"}],
        timeout=5,
    ).raise_for_status()

    page = staff.get(change_url(client_id))
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert form.initial["client_name"] == "Billing app"
    assert "hydra create oauth2-client" in page.content.decode()

    response = staff.post(
        change_url(client_id),
        form_data(
            hydra_version=form.initial["hydra_version"],
            client_id=client_id,
            client_name="Billing app v2",
            scope="openid email profile",
            skip_consent=None,
            skip_logout_consent="on",
            redirect_uris="https://billing.example.org/callback",
            audience="",
            metadata='{"team": "payments"}',
            authorization_code_grant_access_token_lifespan="1h",
            authorization_code_grant_refresh_token_lifespan="",
        ),
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response

    held = hydra_get(client_id)
    assert held["client_name"] == "Billing app v2"
    assert held["scope"] == "openid email profile"
    assert held["skip_consent"] is False
    assert held["skip_logout_consent"] is True
    assert held["redirect_uris"] == ["https://billing.example.org/callback"]
    assert held.get("audience", []) == []  # the CLI leaves empty lists out
    assert held["metadata"] == {"team": "payments"}
    assert held["authorization_code_grant_access_token_lifespan"] == "1h0m0s"
    assert held.get("authorization_code_grant_refresh_token_lifespan") is None
    assert held["frontchannel_logout_uri"] == "https://billing.example.org/fc"
    assert OAuth2ClientRecord.objects.get(pk=client_id).client_name == "Billing app v2"
    change = LogEntry.objects.get(object_id=client_id, action_flag=CHANGE)
    assert "client_name" in change.change_message or "Name" in change.get_change_message()


def test_hydra_refusing_a_change_shows_its_message_on_the_field_and_changes_nothing(staff: Client, cleanup: list[str]) -> None:
    client_id, _ = create_through_admin(staff, cleanup)

    # Our Hydra supports only the public subject type: only Hydra can know that.
    response = staff.post(
        change_url(client_id),
        form_data(client_id=client_id, client_name="Renamed", subject_type="pairwise", hydra_version=shown_version(staff, client_id)),
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "subject_type" in errors
    assert "pairwise is not supported" in errors["subject_type"][0]
    assert hydra_get(client_id)["client_name"] == "Billing app"
    assert OAuth2ClientRecord.objects.get(pk=client_id).client_name == "Billing app"
    assert not LogEntry.objects.filter(object_id=client_id, action_flag=CHANGE).exists()


def test_rotating_the_secret_shows_a_new_one_once_and_the_old_one_stops_working(staff: Client, cleanup: list[str]) -> None:
    client_id, old_secret = create_through_admin(
        staff,
        cleanup,
        grant_types=["client_credentials"],
        response_types=[],
        redirect_uris="",
        post_logout_redirect_uris="",
        token_endpoint_auth_method="client_secret_basic",
    )
    rotate_url = reverse("admin:oryauth_client_admin_oauth2clientrecord_rotate", args=[client_id])

    confirm = staff.get(rotate_url)
    assert confirm.status_code == 200
    assert b"Yes, rotate the secret" in confirm.content

    response = staff.post(rotate_url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    new_secret = re.search(r'value="([^"]+)" size="60" autocomplete="off"', response.content.decode()).group(1)
    assert new_secret != old_secret

    def token_with(secret: str) -> int:
        return requests.post(
            f"{HYDRA_PUBLIC}/oauth2/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret), timeout=5
        ).status_code

    assert token_with(new_secret) == 200
    assert token_with(old_secret) == 401
    assert LogEntry.objects.filter(object_id=client_id, action_flag=CHANGE, change_message__contains="rotated").exists()
    # The change page never shows a secret again.
    assert new_secret not in staff.get(change_url(client_id)).content.decode()


def test_deleting_a_client_deletes_it_in_hydra_after_confirmation(staff: Client, cleanup: list[str]) -> None:
    client_id, _ = create_through_admin(staff, cleanup)
    delete_url = reverse("admin:oryauth_client_admin_oauth2clientrecord_delete", args=[client_id])

    confirm = staff.get(delete_url)
    assert confirm.status_code == 200
    assert hydra_has(client_id)

    response = staff.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    assert not hydra_has(client_id)
    assert not OAuth2ClientRecord.objects.filter(pk=client_id).exists()
    assert LogEntry.objects.filter(object_id=client_id, action_flag=DELETION).exists()


def test_a_client_created_with_the_hydra_cli_appears_in_the_admin_list(staff: Client, cleanup: list[str]) -> None:
    name = f"cli-made-{uuid.uuid4().hex[:8]}"
    created = json.loads(
        hydra_cli(
            "create", "oauth2-client", "-e", HYDRA_ADMIN, "--format", "json", "--name", name,
            "--grant-type", "client_credentials", "--scope", "read",
        )
    )
    cleanup.append(created["client_id"])

    listing = staff.get(reverse(CHANGELIST), {"q": name})

    assert listing.status_code == 200
    assert created["client_id"] in listing.content.decode()
    assert listing.context["cl"].result_count == 1


def test_a_client_deleted_outside_django_disappears_from_the_list(staff: Client, cleanup: list[str]) -> None:
    client_id, _ = create_through_admin(staff, cleanup)
    hydra_cli("delete", "oauth2-client", client_id, "-e", HYDRA_ADMIN)

    listing = staff.get(reverse(CHANGELIST))

    assert client_id not in listing.content.decode()
    assert staff.get(change_url(client_id)).status_code == 302  # "does not exist", back to the list
    assert not OAuth2ClientRecord.objects.filter(pk=client_id).exists()


def test_the_cli_command_on_the_client_page_recreates_the_same_client(staff: Client, cleanup: list[str], tmp_path) -> None:  # noqa: ANN001
    client_id, _ = create_through_admin(staff, cleanup, client_id=f"cmd-{uuid.uuid4().hex[:8]}")
    command = staff.get(change_url(client_id)).context["cli_command"]
    copy_id = f"{client_id}-copy"
    cleanup.append(copy_id)

    script = command.replace(f"--id {client_id}", f"--id {copy_id}").replace("hydra ", f"{tmp_path}/hydra ", 1)
    (tmp_path / "hydra").symlink_to(subprocess.check_output(["bash", "-c", "echo ~/.cache/oryauth/bin/hydra"], text=True).strip())
    subprocess.run(["bash", "-c", script], check=True, capture_output=True)

    original, copy = hydra_get(client_id), hydra_get(copy_id)
    for field in (
        "client_name", "grant_types", "response_types", "scope", "redirect_uris", "post_logout_redirect_uris",
        "audience", "allowed_cors_origins", "contacts", "owner", "token_endpoint_auth_method", "skip_consent",
        "subject_type", "client_uri", "logo_uri", "policy_uri", "tos_uri", "metadata",
    ):
        assert copy[field] == original[field], field


def test_staff_without_the_model_permissions_cannot_see_clients(cleanup: list[str]) -> None:
    browser = Client()
    browser.force_login(UserFactory(is_staff=True))

    assert browser.get(reverse(CHANGELIST)).status_code == 403
    assert browser.post(reverse(ADD), form_data()).status_code == 403


def test_sync_with_hydra_reconciles_the_list_and_says_what_it_found(staff: Client, cleanup: list[str]) -> None:
    OAuth2ClientRecord.objects.create(client_id="deleted-in-hydra-long-ago", client_name="gone")

    response = staff.post(reverse("admin:oryauth_client_admin_oauth2clientrecord_sync"), follow=True)

    page = response.content.decode()
    assert re.search(r"Hydra has \d+ clients?: \d+ added, \d+ updated, 1 removed here.", page)
    assert not OAuth2ClientRecord.objects.filter(pk="deleted-in-hydra-long-ago").exists()
    assert 'data-testid="clients/sync"' in page


def test_the_list_shows_every_field_people_look_for(staff: Client, cleanup: list[str]) -> None:
    client_id, _ = create_through_admin(staff, cleanup)

    listing = staff.get(reverse(CHANGELIST), {"q": client_id})

    row = listing.content.decode()
    for shown in ("Billing app", client_id, "authorization_code<br>refresh_token", "https://billing.example.org/callback", "client_secret_post"):
        assert shown in row


def test_sending_the_add_form_twice_creates_one_client(staff: Client, cleanup: list[str]) -> None:
    token = staff.get(reverse(ADD)).context["adminform"].form.initial["submission_id"]
    client_id, _ = create_through_admin(staff, cleanup, submission_id=token, client_name=f"Once {token}")

    again = staff.post(reverse(ADD), form_data(submission_id=token, client_name=f"Once {token}"))

    assert again.status_code == 200
    assert "was sent before" in again.context["adminform"].form.non_field_errors()[0]
    same_name = requests.get(f"{HYDRA_ADMIN}/admin/clients", params={"client_name": f"Once {token}"}, timeout=5).json()
    assert [c["client_id"] for c in same_name] == [client_id]


def test_a_grant_type_set_outside_the_form_survives_an_edit(staff: Client, cleanup: list[str]) -> None:
    client_id = f"jwt-bearer-{uuid.uuid4().hex[:8]}"
    jwt_bearer = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    hydra_cli(
        "create", "oauth2-client", "-e", HYDRA_ADMIN, "--id", client_id, "--name", "Service",
        "--grant-type", f"client_credentials,{jwt_bearer}", "--response-type", "",
    )
    cleanup.append(client_id)
    page = staff.get(change_url(client_id))
    assert page.context["adminform"].form.initial["grant_types"] == ["client_credentials", jwt_bearer]

    response = staff.post(
        change_url(client_id),
        form_data(
            client_id=client_id, client_name="Service v2", grant_types=["client_credentials", jwt_bearer], response_types=[],
            redirect_uris="", post_logout_redirect_uris="", hydra_version=page.context["adminform"].form.initial["hydra_version"],
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    held = hydra_get(client_id)
    assert held["client_name"] == "Service v2"
    assert held["grant_types"] == ["client_credentials", jwt_bearer]


def test_staff_with_only_the_view_permission_see_hydras_values_and_cannot_change_them(cleanup: list[str], staff: Client) -> None:
    client_id, _ = create_through_admin(staff, cleanup)
    viewer = Client()
    user = UserFactory(is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename="view_oauth2clientrecord"))
    viewer.force_login(user)

    page = viewer.get(change_url(client_id))

    assert page.status_code == 200
    readonly = re.findall(r'<div class="readonly">(.*?)</div>', page.content.decode(), re.S)
    assert "openid offline_access email" in readonly
    assert "billing@example.org<br>ops@example.org" in readonly
    assert "billing-team" in readonly
    assert viewer.post(change_url(client_id), form_data(client_id=client_id, client_name="x")).status_code == 403
    assert viewer.post(reverse("admin:oryauth_client_admin_oauth2clientrecord_rotate", args=[client_id])).status_code == 403
    assert viewer.post(reverse("admin:oryauth_client_admin_oauth2clientrecord_delete", args=[client_id]), {"post": "yes"}).status_code == 403
    assert hydra_get(client_id)["client_name"] == "Billing app"


def test_a_public_client_is_created_without_a_secret_and_cannot_be_rotated(staff: Client, cleanup: list[str]) -> None:
    client_id, secret = create_through_admin(staff, cleanup, token_endpoint_auth_method="none")

    assert secret == ""
    assert hydra_get(client_id)["token_endpoint_auth_method"] == "none"
    page = staff.get(change_url(client_id)).content.decode()
    assert 'data-testid="client/rotate-link"' not in page
    refused = staff.post(reverse("admin:oryauth_client_admin_oauth2clientrecord_rotate", args=[client_id]), follow=True)
    assert "has no secret to rotate" in refused.content.decode()


def test_an_edit_made_in_hydra_after_the_page_was_opened_is_not_overwritten(staff: Client, cleanup: list[str]) -> None:
    client_id, _ = create_through_admin(staff, cleanup)
    opened_at = shown_version(staff, client_id)
    # Someone else renames the client in Hydra (CLI, another admin) meanwhile.
    # Hydra's updated_at has one-second resolution: rename until it moves.
    deadline = time.monotonic() + 5
    while shown_version(staff, client_id) == opened_at:
        assert time.monotonic() < deadline, "Hydra's updated_at never moved"
        requests.patch(f"{HYDRA_ADMIN}/admin/clients/{client_id}",
                       json=[{"op": "replace", "path": "/client_name", "value": "Renamed in Hydra"}], timeout=5).raise_for_status()

    response = staff.post(change_url(client_id), form_data(client_id=client_id, client_name="Renamed in the admin",
                                                             hydra_version=opened_at))

    assert response.status_code == 200
    assert "Someone changed this client in Hydra" in response.content.decode()
    assert hydra_get(client_id)["client_name"] == "Renamed in Hydra"


def test_a_cli_made_machine_client_with_hydras_default_response_type_can_be_edited(staff: Client, cleanup: list[str]) -> None:
    client_id = f"machine-{uuid.uuid4().hex[:8]}"
    # No --response-type: Hydra gives the client its default, ["code"].
    hydra_cli("create", "oauth2-client", "-e", HYDRA_ADMIN, "--id", client_id, "--name", "Nightly job",
              "--grant-type", "client_credentials")
    cleanup.append(client_id)
    assert hydra_get(client_id)["response_types"] == ["code"]

    response = staff.post(
        change_url(client_id),
        form_data(client_id=client_id, client_name="Nightly job v2", grant_types=["client_credentials"],
                  response_types=["code"], redirect_uris="", post_logout_redirect_uris="",
                  hydra_version=shown_version(staff, client_id)),
        follow=True,
    )

    assert response.status_code == 200
    assert hydra_get(client_id)["client_name"] == "Nightly job v2"
    assert any("Response type code is unused" in str(m) for m in response.context["messages"])
