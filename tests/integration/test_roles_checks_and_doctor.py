"""`manage.py check` and `manage.py oryauth_doctor` on each role site, each
run as that site would run it (its own settings, its own process): clean on
a site set up as the README says, and naming the fix on a misconfigured one."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.test_roles_client_sign_in import relying_party_client  # noqa: F401 (fixture)
from tests.sites.running import manage

ROLE_SITES = ["client_only", "api_only", "identity_site", "client_admin_only"]


@pytest.mark.parametrize("site", ROLE_SITES)
def test_check_is_clean_on_a_site_set_up_as_the_quickstart_says(site: str) -> None:
    result = manage(site, "check", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("site", "check_id", "fix"),
    [
        ("broken_cookie_clash", "oryauth.W023", "SESSION_COOKIE_NAME = 'mysite_sessionid'"),
        ("broken_no_middleware", "oryauth.E036", "Add it right after django.contrib.auth.middleware.AuthenticationMiddleware"),
        ("broken_provider_without_portal", "oryauth.E043", "Add 'oryauth.portal' to INSTALLED_APPS"),
    ],
)
def test_check_names_the_fix_on_a_misconfigured_site(site: str, check_id: str, fix: str) -> None:
    result = manage(site, "check", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert f"({check_id})" in result.stderr
    assert fix in result.stderr


@pytest.mark.parametrize("site", ROLE_SITES)
def test_the_doctor_finds_nothing_wrong_on_a_site_set_up_as_the_quickstart_says(
    site: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    if site == "client_only":
        request.getfixturevalue("relying_party_client")  # the quickstart's client, registered in Hydra
    database = tmp_path / "db.sqlite3"
    assert manage(site, "migrate", database=database).returncode == 0  # the quickstart's last step

    result = manage(site, "oryauth_doctor", database=database)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 error(s), 0 warning(s)" in result.stdout


def test_the_doctor_asks_a_relying_party_only_site_nothing_about_hydras_login_url(relying_party_client) -> None:  # noqa: ANN001, F811
    result = manage("client_only", "oryauth_doctor")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Issuer: discovery says 'http://127.0.0.1:4444/'" in result.stdout
    # Without Hydra's admin API, the public token endpoint still vouches for the id and secret.
    assert "Client secret: Hydra accepts ORYAUTH['CLIENT_SECRET']" in result.stdout
    assert "Hydra login URL" not in result.stdout
    assert "urls.login" not in result.stdout
    assert "Kratos login UI URL" not in result.stdout


def test_the_doctor_checks_the_identity_sites_pages_in_kratos_and_hydra(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    assert manage("identity_site", "migrate", database=database).returncode == 0

    result = manage("identity_site", "oryauth_doctor", database=database)

    assert "[ok]           Kratos login UI URL: http://127.0.0.1:8000/login is this site's page" in result.stdout
    assert "[ok]           Hydra error URL: http://127.0.0.1:8000/error is this site's page" in result.stdout


def test_the_doctor_names_the_setting_to_fix_when_a_role_site_points_at_no_server() -> None:
    result = manage("broken_hydra_admin_url", "oryauth_doctor")

    assert result.returncode == 1
    assert "[ERROR]        Hydra admin: http://127.0.0.1:4999 is not ready" in result.stdout
    assert "fix: Start Hydra, or correct ORYAUTH['HYDRA_ADMIN_URL'] (now 'http://127.0.0.1:4999')." in result.stdout


def test_the_doctor_says_when_a_relying_party_only_sites_secret_is_wrong() -> None:
    result = manage("client_only", "oryauth_doctor")  # the quickstart's client is not registered here

    assert result.returncode == 1
    assert "Client secret: Hydra refuses ORYAUTH['CLIENT_SECRET']" in result.stdout


def test_the_doctor_on_an_unmigrated_identity_site_says_to_migrate_instead_of_crashing(tmp_path: Path) -> None:
    result = manage("identity_site", "oryauth_doctor", database=tmp_path / "empty.sqlite3")

    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "fix: Run `manage.py migrate`." in result.stdout
