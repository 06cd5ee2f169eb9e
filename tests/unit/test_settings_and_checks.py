"""oryauth's settings object and the system checks that guard it."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core import checks
from django.test import override_settings

from oryauth.conf import DEFAULTS, oryauth_settings
from tests.support.stack import REPO


def check_ids(*, debug: bool = True) -> list[str]:
    """oryauth's check ids, with DEBUG as the demo site runs (pytest turns it off)."""
    with override_settings(DEBUG=debug):
        return [message.id for message in checks.run_checks() if message.id and message.id.startswith("oryauth.")]


def test_defaults_point_at_the_local_stack() -> None:
    with override_settings(ORYAUTH={}):
        conf = oryauth_settings()
    assert conf == DEFAULTS
    assert conf.KRATOS_PUBLIC_URL == "http://127.0.0.1:4433"
    assert conf.HYDRA_ADMIN_URL == "http://127.0.0.1:4445"
    assert conf.kratos_browser_url == conf.KRATOS_PUBLIC_URL


def test_site_values_override_defaults_and_are_rebuilt_when_settings_change() -> None:
    with override_settings(ORYAUTH={"HTTP_TIMEOUT": 2.5, "KRATOS_BROWSER_URL": "http://auth.example.org"}):
        assert oryauth_settings().HTTP_TIMEOUT == 2.5
        assert oryauth_settings().kratos_browser_url == "http://auth.example.org"
    assert oryauth_settings().HTTP_TIMEOUT != 2.5


def test_the_demo_settings_pass_every_check() -> None:
    assert check_ids() == []


@pytest.mark.parametrize(
    ("oryauth", "expected_id"),
    [
        ({"KRATOS_PUBLIC_URL": ""}, "oryauth.E001"),
        ({"HYDRA_ADMIN_URL": "127.0.0.1:4445"}, "oryauth.E002"),
        ({"HYDRA_PUBLIC_URL": "ftp://127.0.0.1"}, "oryauth.E002"),
        ({"KRATOS_ADMIN_URL": "http://127.0.0.1:4434/?x=1"}, "oryauth.E002"),
        ({"KRATOS_ADMIN_URL": "http://127.0.0.1:99999"}, "oryauth.E002"),
        ({"KRATOS_ADMIN_URL": "http://[::1:4434"}, "oryauth.E002"),  # urlsplit raises on it
        ({"KRATOS_ADMIN_URL": 4434}, "oryauth.E002"),
        ({"HTTP_TIMEOUT": 0}, "oryauth.E003"),
        ({"HTTP_TIMEOUT": "5"}, "oryauth.E003"),
        ({"KRATOS_PUBLIC": "http://127.0.0.1:4433"}, "oryauth.W001"),
    ],
)
def test_a_bad_setting_is_a_check_message_naming_it(oryauth: dict, expected_id: str) -> None:
    with override_settings(ORYAUTH=oryauth):
        messages = [m for m in checks.run_checks() if m.id == expected_id]
    assert len(messages) == 1
    assert next(iter(oryauth)) in messages[0].msg


def test_oryauth_that_is_not_a_dict_is_reported() -> None:
    with override_settings(ORYAUTH=["http://127.0.0.1:4433"]):
        assert check_ids() == ["oryauth.E000"]


def test_an_empty_browser_url_is_allowed_and_falls_back_to_the_public_url() -> None:
    with override_settings(ORYAUTH={"KRATOS_BROWSER_URL": "", "ACCESS_TOKEN_AUDIENCE": "https://api.example.org/"}):
        assert check_ids() == []
        assert oryauth_settings().kratos_browser_url == oryauth_settings().KRATOS_PUBLIC_URL


def test_manage_py_check_fails_with_the_setting_name_on_a_malformed_url() -> None:
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='siteproject.settings';"
        "from django.conf import settings; django.setup();"
        "settings.ORYAUTH['HYDRA_ADMIN_URL']='not a url';"
        "from django.core.management import call_command; call_command('check')"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True)
    assert result.returncode != 0
    assert "oryauth.E002" in result.stderr
    assert "HYDRA_ADMIN_URL" in result.stderr


def test_the_development_secret_key_is_refused_when_debug_is_off() -> None:
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "False"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "SECRET_KEY is the development default while DEBUG is off" in result.stderr


@pytest.mark.parametrize("backend", ["django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache"])
def test_a_per_process_cache_in_production_is_warned_about(backend: str) -> None:
    with override_settings(CACHES={"default": {"BACKEND": backend}}):
        assert "oryauth.W030" in check_ids(debug=False)
        assert "oryauth.W030" not in check_ids(debug=True)


def test_a_shared_cache_in_production_is_not_warned_about() -> None:
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "cache"}}):
        assert "oryauth.W030" not in check_ids(debug=False)


def test_list_settings_may_be_written_as_one_space_or_comma_separated_string() -> None:
    with override_settings(ORYAUTH={"CLIENT_SCOPES": "openid email", "CLIENT_ID_TOKEN_ALGORITHMS": "RS256,ES256",
                                    "ACCESS_TOKEN_AUDIENCE": "https://api.example.org"}):
        conf = oryauth_settings()
        assert conf.CLIENT_SCOPES == ("openid", "email")
        assert conf.CLIENT_ID_TOKEN_ALGORITHMS == ("RS256", "ES256")
        assert conf.ACCESS_TOKEN_AUDIENCE == ("https://api.example.org",)
