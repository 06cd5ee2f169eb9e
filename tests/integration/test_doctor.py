"""`manage.py oryauth_doctor` against the real servers: a sound setup passes,
and each deliberately broken configuration is named with a fix and a
non-zero exit code."""
from __future__ import annotations

import io
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from oryauth.doctor import Finding, diagnose
from oryauth.hydra_clients import create_or_replace_client, site_client_definition
from tests.support.stack import HYDRA_ADMIN, REPO
from tests.support.throwaway import ThrowawayServer, spare_port

# The provider part of the doctor reads the scope -> claim mappings.
pytestmark = pytest.mark.django_db

SITE = "http://127.0.0.1:8000"


@pytest.fixture
def site_client() -> Iterator[dict[str, Any]]:
    """A relying-party client of our own in the shared Hydra, and the ORYAUTH
    settings that describe it correctly."""
    oryauth = {
        **settings.ORYAUTH,
        "CLIENT_ID": f"doctor-{uuid.uuid4().hex[:8]}",
        "CLIENT_SECRET": "doctor-secret-0123456789abcdef",
        "CLIENT_AUTH_METHOD": "client_secret_basic",
        "CLIENT_REDIRECT_URI": f"{SITE}/auth/callback",
        "CLIENT_POST_LOGOUT_REDIRECT_URI": f"{SITE}/",
        "CLIENT_SCOPES": ["openid", "offline_access", "email"],
    }
    with override_settings(ORYAUTH=oryauth):
        create_or_replace_client(site_client_definition())
    yield oryauth
    requests.delete(f"{HYDRA_ADMIN}/admin/clients/{oryauth['CLIENT_ID']}", timeout=5)


def run_doctor(oryauth: dict[str, Any], *args: str) -> tuple[str, bool]:
    """The doctor's output, and whether it failed (non-zero exit)."""
    out = io.StringIO()
    with override_settings(ORYAUTH=oryauth):
        try:
            call_command("oryauth_doctor", *args, stdout=out, no_color=True)
        except CommandError as exc:
            assert exc.returncode == 1
            return out.getvalue() + str(exc), True
    return out.getvalue(), False


def findings(oryauth: dict[str, Any]) -> dict[str, Finding]:
    with override_settings(ORYAUTH=oryauth):
        return {finding.subject: finding for finding in diagnose(SITE)}


def test_a_sound_setup_passes_and_says_what_it_could_not_verify(site_client: dict[str, Any]) -> None:
    output, failed = run_doctor(site_client)

    assert not failed, output
    for line in (
        "[ok]           Kratos admin: http://127.0.0.1:4434 is ready (version v1.3.1)",
        "[ok]           Hydra admin: http://127.0.0.1:4445 is ready (version v2.3.0)",
        "[ok]           Issuer: discovery says 'http://127.0.0.1:4444/', as configured",
        "[ok]           Redirect URI: http://127.0.0.1:8000/auth/callback is registered",
        "[ok]           Client secret: Hydra accepts ORYAUTH['CLIENT_SECRET']",
        "[ok]           Hydra login URL: http://127.0.0.1:8000/login is this site's page",
        "[ok]           Kratos registration UI URL: http://127.0.0.1:8000/registration is this site's page",
        "[ok]           Kratos error UI URL: http://127.0.0.1:8000/error is this site's page",
        "[ok]           Advertised scopes and claims: discovery lists exactly what the scope claim mappings grant",
        "[not verified] Hydra consent URL:",
        "[not verified] Kratos settings UI URL:",
    ):
        assert line in output


def test_a_trailing_slash_on_the_redirect_uri_is_named_with_the_registered_one(site_client: dict[str, Any]) -> None:
    broken = {**site_client, "CLIENT_REDIRECT_URI": f"{SITE}/auth/callback/"}

    output, failed = run_doctor(broken)

    assert failed
    assert "[ERROR]        Redirect URI: 'http://127.0.0.1:8000/auth/callback/' is not registered" in output
    assert "the closest registered one is 'http://127.0.0.1:8000/auth/callback'" in output
    assert "fix: Add http://127.0.0.1:8000/auth/callback/ to the client's URIs in the Django admin, or set ORYAUTH['CLIENT_REDIRECT_URI'] = 'http://127.0.0.1:8000/auth/callback'." in output


def test_an_auth_method_mismatch_is_named(site_client: dict[str, Any]) -> None:
    output, failed = run_doctor({**site_client, "CLIENT_AUTH_METHOD": "client_secret_post"})

    assert failed
    assert "Auth method: this site authenticates with client_secret_post but the client is registered with client_secret_basic" in output
    assert "fix: Set ORYAUTH['CLIENT_AUTH_METHOD'] = 'client_secret_basic'" in output


def test_a_wrong_issuer_is_named_with_the_discovered_one(site_client: dict[str, Any]) -> None:
    output, failed = run_doctor({**site_client, "HYDRA_ISSUER": "http://127.0.0.1:4444"})

    assert failed
    assert "Issuer: discovery says 'http://127.0.0.1:4444/' but this site expects 'http://127.0.0.1:4444'" in output
    assert "fix: Set ORYAUTH['HYDRA_ISSUER'] = 'http://127.0.0.1:4444/'" in output


@pytest.mark.parametrize(
    ("change", "subject", "fragment"),
    [
        ({"CLIENT_SECRET": "not-the-secret-0123456789"}, "Client secret", "Hydra refuses ORYAUTH['CLIENT_SECRET']"),
        ({"CLIENT_SCOPES": ["openid", "admin:everything"]}, "Scopes", "may not request admin:everything"),
        ({"CLIENT_ID": "no-such-client-anywhere"}, "Site client", "Hydra has no client 'no-such-client-anywhere'"),
        ({"CLIENT_POST_LOGOUT_REDIRECT_URI": f"{SITE}/bye"}, "Post-logout redirect URI", "is not registered"),
    ],
)
def test_other_site_client_mistakes_are_errors_with_a_fix(
    site_client: dict[str, Any], change: dict[str, Any], subject: str, fragment: str
) -> None:
    finding = findings({**site_client, **change})[subject]

    assert finding.level == "error"
    assert fragment in finding.detail
    assert finding.fix


class ReconfiguredServer(ThrowawayServer):
    """A throwaway server started with some config keys changed by environment variables."""

    def __init__(self, kind: str, public_port: int, admin_port: int, log: Path, env: dict[str, str]) -> None:
        super().__init__(kind, public_port, admin_port, log)
        self.extra_env = env

    def _command_and_env(self) -> tuple[list[str], dict[str, str]]:
        command, env = super()._command_and_env()
        return command, env | self.extra_env


@pytest.fixture
def misdirected_hydra(tmp_path: Path) -> Iterator[ThrowawayServer]:
    server = ReconfiguredServer(
        "hydra",
        spare_port(),
        spare_port(),
        tmp_path / "hydra.log",
        {
            "URLS_LOGIN": "http://127.0.0.1:9999/other-login",
            "URLS_CONSENT": "http://127.0.0.1:9999/other-consent",
            "URLS_LOGOUT": "http://127.0.0.1:9999/other-logout",
        },
    )
    server.start()
    yield server
    server.stop()


def test_the_sign_in_probe_verifies_hydras_consent_and_logout_urls(site_client: dict[str, Any]) -> None:
    output, failed = run_doctor(site_client, "--probe-sign-in")

    assert not failed, output
    assert "[ok]           Hydra consent URL: http://127.0.0.1:8000/consent is this site's page" in output
    assert "[ok]           Hydra logout URL: http://127.0.0.1:8000/logout is this site's page" in output
    # The probe leaves no consent behind for its made-up subject.
    remembered = requests.get(
        f"{HYDRA_ADMIN}/admin/oauth2/auth/sessions/consent", params={"subject": "oryauth-doctor-probe"}, timeout=5
    )
    assert remembered.json() == []


def test_a_hydra_login_url_pointing_elsewhere_is_named(site_client: dict[str, Any], misdirected_hydra: ThrowawayServer) -> None:
    oryauth = {
        **site_client,
        "HYDRA_PUBLIC_URL": misdirected_hydra.public_url,
        "HYDRA_ADMIN_URL": misdirected_hydra.admin_url,
    }
    with override_settings(ORYAUTH=oryauth):
        create_or_replace_client(site_client_definition())

    output, failed = run_doctor(oryauth)

    assert failed
    assert (
        "Hydra login URL: sends browsers to http://127.0.0.1:9999/other-login, expected http://127.0.0.1:8000/login."
        in output
    )
    assert "fix: Set urls.login in Hydra's config to http://127.0.0.1:8000/login." in output
    assert "[not verified] Hydra consent URL" in output
    assert "Run with --probe-sign-in to check it" in output


def test_the_sign_in_probe_names_consent_and_logout_urls_pointing_elsewhere(
    site_client: dict[str, Any], misdirected_hydra: ThrowawayServer
) -> None:
    oryauth = {**site_client, "HYDRA_PUBLIC_URL": misdirected_hydra.public_url, "HYDRA_ADMIN_URL": misdirected_hydra.admin_url}
    with override_settings(ORYAUTH=oryauth):
        create_or_replace_client(site_client_definition())

    output, failed = run_doctor(oryauth, "--probe-sign-in")

    assert failed
    assert "Hydra consent URL: sends browsers to http://127.0.0.1:9999/other-consent, expected http://127.0.0.1:8000/consent." in output
    assert "Hydra logout URL: sends browsers to http://127.0.0.1:9999/other-logout, expected http://127.0.0.1:8000/logout." in output
    assert "fix: Set urls.consent in Hydra's config to http://127.0.0.1:8000/consent." in output


@pytest.fixture
def misdirected_kratos(tmp_path: Path) -> Iterator[ThrowawayServer]:
    server = ReconfiguredServer(
        "kratos",
        spare_port(),
        spare_port(),
        tmp_path / "kratos.log",
        {
            "SELFSERVICE_FLOWS_REGISTRATION_UI_URL": "http://127.0.0.1:8000/signup",
            "SELFSERVICE_FLOWS_ERROR_UI_URL": "http://127.0.0.1:9999/oops",
        },
    )
    server.start()
    yield server
    server.stop()


def test_a_kratos_ui_url_pointing_elsewhere_is_named(site_client: dict[str, Any], misdirected_kratos: ThrowawayServer) -> None:
    oryauth = {**site_client, "KRATOS_PUBLIC_URL": misdirected_kratos.public_url, "KRATOS_ADMIN_URL": misdirected_kratos.admin_url}

    all_findings = findings(oryauth)
    finding = all_findings["Kratos registration UI URL"]

    assert finding.level == "error"
    assert finding.detail == "sends browsers to http://127.0.0.1:8000/signup, expected http://127.0.0.1:8000/registration."
    assert "selfservice.flows.registration.ui_url" in finding.fix
    assert all_findings["Kratos error UI URL"].detail.startswith("sends browsers to http://127.0.0.1:9999/oops,")


def test_an_unreachable_server_is_an_error_and_its_dependent_checks_are_skipped(site_client: dict[str, Any]) -> None:
    output, failed = run_doctor({**site_client, "HYDRA_ADMIN_URL": "http://127.0.0.1:1", "HTTP_TIMEOUT": 1.0})

    assert failed
    assert "[ERROR]        Hydra admin: http://127.0.0.1:1 is not ready" in output
    assert "fix: Start Hydra, or correct ORYAUTH['HYDRA_ADMIN_URL']" in output
    assert "Site client: Hydra's admin API is not reachable" in output
    assert "exists in Hydra" not in output


def test_the_command_exits_non_zero_for_pipelines() -> None:
    script = (
        "import os, sys, django; os.environ['DJANGO_SETTINGS_MODULE']='siteproject.settings'; django.setup();"
        "from django.conf import settings; settings.ORYAUTH['HYDRA_ISSUER']='http://wrong.example.org/';"
        "from django.core.management import execute_from_command_line;"
        "execute_from_command_line(['manage.py', 'oryauth_doctor'])"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)

    assert result.returncode == 1
    assert "Issuer: discovery says" in result.stdout


def test_a_mapping_hydra_does_not_advertise_is_named_with_the_config_to_paste(site_client: dict[str, Any]) -> None:
    from oryauth.provider.models import ScopeClaim

    ScopeClaim.objects.create(scope="team", claim="team_name", source="metadata_public", path="team")
    ScopeClaim.objects.filter(scope="address").update(enabled=False)

    finding = findings(site_client)["Advertised scopes and claims"]

    assert finding.level == "warning"
    assert "scopes_supported lacks team" in finding.detail
    assert "claims_supported lacks team_name" in finding.detail
    assert "claims_supported lists address, which no enabled mapping grants" in finding.detail
    assert "supported_scope:\n      - email" in finding.fix and "      - team\n" in finding.fix
    assert "      - address" not in finding.fix
