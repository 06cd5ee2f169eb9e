"""`manage.py oryauth_clients`: list, import and create from the command
line, with the admin form's rules; `ensure-site-client` keeps working."""
from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from oryauth.client_admin.models import OAuth2ClientRecord
from tests.support.stack import HYDRA_ADMIN, hydra_cli

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_id() -> Iterator[str]:
    chosen = f"cmd-{uuid.uuid4().hex[:8]}"
    yield chosen
    requests.delete(f"{HYDRA_ADMIN}/admin/clients/{chosen}", timeout=5)


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("oryauth_clients", *args, stdout=out, stderr=err, no_color=True)
    return out.getvalue(), err.getvalue()


def test_create_puts_the_client_in_hydra_and_shows_the_secret_once(client_id: str) -> None:
    out, err = run(
        "create", "--id", client_id, "--name", "Reports", "--redirect-uri", "https://reports.example.org/cb",
        "--scope", "openid email", "--skip-consent", "--token-endpoint-auth-method", "client_secret_post",
    )

    secret = out.split("client secret: ")[1].split()[0]
    held = json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", HYDRA_ADMIN, "--format", "json"))
    assert held["client_name"] == "Reports"
    assert held["redirect_uris"] == ["https://reports.example.org/cb"]
    assert held["grant_types"] == ["authorization_code", "refresh_token"]
    assert held["response_types"] == ["code"]
    assert held["scope"] == "openid email"
    assert held["skip_consent"] is True
    assert held["token_endpoint_auth_method"] == "client_secret_post"
    assert len(secret) >= 20
    assert "shown this once" in err
    assert OAuth2ClientRecord.objects.get(pk=client_id).client_name == "Reports"


def test_create_refuses_what_the_admin_form_refuses_and_sends_nothing(client_id: str) -> None:
    with pytest.raises(CommandError, match="redirect_uris: /cb is not an absolute URL"):
        run("create", "--id", client_id, "--redirect-uri", "/cb")

    assert requests.get(f"{HYDRA_ADMIN}/admin/clients/{client_id}", timeout=5).status_code == 404


def test_import_brings_clients_created_with_the_hydra_cli_into_the_admin_list(client_id: str) -> None:
    hydra_cli("create", "oauth2-client", "-e", HYDRA_ADMIN, "--id", client_id, "--name", "from the CLI", "--grant-type", "client_credentials")
    OAuth2ClientRecord.objects.create(client_id="deleted-long-ago", client_name="gone")

    out, _ = run("import")

    assert f"added: {client_id}" in out
    assert "removed: deleted-long-ago" in out
    assert OAuth2ClientRecord.objects.get(pk=client_id).client_name == "from the CLI"
    assert not OAuth2ClientRecord.objects.filter(pk="deleted-long-ago").exists()


def test_list_and_ensure_site_client_keep_working() -> None:
    ensured, _ = run("ensure-site-client")
    listed, _ = run("list")

    assert "OAuth2 client 'oryauth-demo'" in ensured
    assert "oryauth-demo\toryauth demo site" in listed


@pytest.fixture
def site_client_settings(settings, client_id: str) -> dict[str, str]:  # noqa: ANN001 (pytest-django settings)
    """This site as the relying party of a client of its own (deleted after the test)."""
    settings.ORYAUTH = {
        **settings.ORYAUTH,
        "CLIENT_ID": client_id,
        "CLIENT_SECRET": "a-site-secret-" + uuid.uuid4().hex,
        "CLIENT_REDIRECT_URI": "http://127.0.0.1:8000/auth/callback",
        "CLIENT_POST_LOGOUT_REDIRECT_URI": "http://127.0.0.1:8000/auth/logged-out",
    }
    return settings.ORYAUTH


def held_client(client_id: str) -> dict:
    return json.loads(hydra_cli("get", "oauth2-client", client_id, "-e", HYDRA_ADMIN, "--format", "json"))


def test_ensure_site_client_keeps_what_staff_set_and_only_adds_what_the_site_needs(
    site_client_settings: dict[str, str], client_id: str
) -> None:
    run("ensure-site-client")
    # Staff edit the client in the admin (here: straight at Hydra, as the admin does).
    requests.patch(
        f"{HYDRA_ADMIN}/admin/clients/{client_id}",
        json=[
            {"op": "replace", "path": "/skip_consent", "value": True},
            {"op": "replace", "path": "/client_name", "value": "Renamed by staff"},
            {"op": "add", "path": "/redirect_uris/-", "value": "https://mobile.example.org/callback"},
            {"op": "replace", "path": "/metadata", "value": {"team": "web"}},
            {"op": "replace", "path": "/scope", "value": "openid email"},
        ],
        timeout=5,
    ).raise_for_status()

    out, _ = run("ensure-site-client")

    held = held_client(client_id)
    assert held["skip_consent"] is True
    assert held["client_name"] == "Renamed by staff"
    assert held["metadata"] == {"team": "web"}
    assert held["redirect_uris"] == ["http://127.0.0.1:8000/auth/callback", "https://mobile.example.org/callback"]
    assert held["scope"].split() == ["openid", "email", "offline_access", "profile"]
    assert "Updated" in out and "scope" in out


def test_ensure_site_client_twice_changes_nothing_the_second_time(site_client_settings: dict[str, str], client_id: str) -> None:
    first, _ = run("ensure-site-client")
    before = held_client(client_id)

    second, _ = run("ensure-site-client")

    assert first.startswith("Created")
    assert "nothing changed" in second
    assert {k: v for k, v in held_client(client_id).items() if k != "updated_at"} == {
        k: v for k, v in before.items() if k != "updated_at"
    }
