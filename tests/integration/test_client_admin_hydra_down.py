"""Hydra stopped during a save: the form says so, keeps the input, and
nothing changes anywhere — not in Hydra, not in Django's copy, not in the log.

A private Hydra with a SQLite file (so its clients survive a restart) stands
in for the shared one, which is never stopped.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.test import Client, override_settings
from django.urls import reverse

from oryauth.client_admin.models import OAuth2ClientRecord
from tests.factories import UserFactory
from tests.integration.test_client_admin import form_data
from tests.support.stack import BIN_DIR, hydra_cli
from tests.support.throwaway import ThrowawayServer, spare_port

pytestmark = pytest.mark.django_db


class HydraWithFile(ThrowawayServer):
    """A throwaway Hydra whose clients live in a SQLite file, so a stop and a
    start show what it really held."""

    def __init__(self, public_port: int, admin_port: int, log: Path, database: Path) -> None:
        super().__init__("hydra", public_port, admin_port, log)
        self.dsn = f"sqlite://{database}?_fk=true&mode=rwc"
        subprocess.run(
            [str(BIN_DIR / "hydra"), "migrate", "sql", "up", "-e", "--yes"],
            env={**os.environ, "DSN": self.dsn},
            check=True,
            capture_output=True,
        )

    def _command_and_env(self) -> tuple[list[str], dict[str, str]]:
        command, env = super()._command_and_env()
        return command, env | {"DSN": self.dsn}


@pytest.fixture
def hydra(tmp_path: Path) -> Iterator[HydraWithFile]:
    # Free ports: fixed ones collide when two test runs start their throwaway servers at once.
    server = HydraWithFile(spare_port(), spare_port(), tmp_path / "hydra.log", tmp_path / "hydra.sqlite")
    server.start()
    oryauth = {**settings.ORYAUTH, "HYDRA_PUBLIC_URL": server.public_url, "HYDRA_ADMIN_URL": server.admin_url, "HTTP_TIMEOUT": 2.0}
    with override_settings(ORYAUTH=oryauth):
        yield server
    server.stop()


@pytest.fixture
def staff() -> Client:
    browser = Client()
    browser.force_login(UserFactory(is_staff=True, is_superuser=True))
    return browser


def create_client(staff: Client) -> str:
    created = staff.post(reverse("admin:oryauth_client_admin_oauth2clientrecord_add"), form_data())
    return re.search(r'value="([^"]+)" size="60" data-testid="client/id"', created.content.decode()).group(1)


def held_by(server: HydraWithFile, client_id: str) -> dict:
    try:
        return json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", server.admin_url, "--format", "json"))
    except RuntimeError as exc:
        raise LookupError(f"{exc}\n--- throwaway Hydra log ---\n{server.log.read_text()[-3000:]}") from None


def test_an_edit_while_hydra_is_stopped_is_a_form_error_and_changes_nothing(hydra: HydraWithFile, staff: Client) -> None:
    client_id = create_client(staff)
    change_url = reverse("admin:oryauth_client_admin_oauth2clientrecord_change", args=[client_id])
    assert staff.get(change_url).status_code == 200
    log_entries = LogEntry.objects.count()

    hydra.stop()
    response = staff.post(change_url, form_data(client_id=client_id, client_name="Renamed while Hydra is down"))

    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "Hydra could not be asked" in form.non_field_errors()[0]
    assert "Nothing was changed" in form.non_field_errors()[0]
    assert form["client_name"].value() == "Renamed while Hydra is down"  # the input is kept
    assert OAuth2ClientRecord.objects.get(pk=client_id).client_name == "Billing app"
    assert LogEntry.objects.count() == log_entries

    hydra.start()
    assert held_by(hydra, client_id)["client_name"] == "Billing app"


def test_a_create_while_hydra_is_stopped_is_a_form_error_and_creates_nothing(hydra: HydraWithFile, staff: Client) -> None:
    hydra.stop()
    response = staff.post(reverse("admin:oryauth_client_admin_oauth2clientrecord_add"), form_data(client_id="never-created"))

    assert response.status_code == 200
    assert "Hydra could not be asked" in response.context["adminform"].form.non_field_errors()[0]
    assert not OAuth2ClientRecord.objects.exists()
    assert not LogEntry.objects.exists()

    hydra.start()
    with pytest.raises(LookupError, match="Unable to locate the resource"):
        held_by(hydra, "never-created")


def test_the_list_says_when_hydra_cannot_be_read_and_a_client_page_is_a_503(hydra: HydraWithFile, staff: Client) -> None:
    client_id = create_client(staff)

    hydra.stop()
    listing = staff.get(reverse("admin:oryauth_client_admin_oauth2clientrecord_changelist"))
    page = staff.get(reverse("admin:oryauth_client_admin_oauth2clientrecord_change", args=[client_id]))

    assert listing.status_code == 200
    assert "may be out of date" in listing.content.decode()
    assert client_id in listing.content.decode()
    assert page.status_code == 503
    assert b"Hydra admin is unavailable" in page.content


def test_a_delete_while_hydra_is_stopped_keeps_the_client(hydra: HydraWithFile, staff: Client) -> None:
    client_id = create_client(staff)
    delete_url = reverse("admin:oryauth_client_admin_oauth2clientrecord_delete", args=[client_id])
    assert staff.get(delete_url).status_code == 200
    log_entries = LogEntry.objects.count()

    hydra.stop()
    response = staff.post(delete_url, {"post": "yes"}, follow=False)

    assert response.status_code == 302
    assert OAuth2ClientRecord.objects.filter(pk=client_id).exists()
    assert LogEntry.objects.count() == log_entries
    hydra.start()
    assert held_by(hydra, client_id)["client_id"] == client_id
