"""`manage.py check` reports mistakes in the provider's settings (E040-E042)."""
from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from oryauth.provider.checks import check_provider_settings
from oryauth.conf import oryauth_settings


def provider_check_ids(**given: Any) -> list[str]:
    with override_settings(ORYAUTH=given):
        return [message.id for message in check_provider_settings()]


def a_claims_hook(identity: Any, granted_scopes: list[str], claims: Any) -> Any:
    return claims


def test_the_defaults_pass() -> None:
    assert provider_check_ids() == []


def test_valid_provider_settings_pass() -> None:
    assert provider_check_ids(
        PROVIDER_LOGIN_REMEMBER_FOR=0, PROVIDER_CONSENT_REMEMBER_FOR=3600,
        PROVIDER_CLAIMS_HOOK=f"{__name__}.a_claims_hook", PROVIDER_TRUSTED_CLIENT_IDS=["first-party"],
    ) == []


@pytest.mark.parametrize("value", [-1, "3600", 1.5, True])
@pytest.mark.parametrize("name", ["PROVIDER_LOGIN_REMEMBER_FOR", "PROVIDER_CONSENT_REMEMBER_FOR"])
def test_remember_for_must_be_whole_non_negative_seconds(name: str, value: Any) -> None:
    assert provider_check_ids(**{name: value}) == ["oryauth.E040"]


@pytest.mark.parametrize("hook", ["nowhere.at_all", f"{__name__}.no_such_function", "oryauth.conf.DEFAULTS", 42])
def test_a_claims_hook_that_cannot_be_called_is_reported(hook: Any) -> None:
    assert provider_check_ids(PROVIDER_CLAIMS_HOOK=hook) == ["oryauth.E041"]


@pytest.mark.parametrize("trusted", [[""], [1], {"a": 1}, None])
def test_trusted_client_ids_must_be_a_list_of_ids(trusted: Any) -> None:
    assert provider_check_ids(PROVIDER_TRUSTED_CLIENT_IDS=trusted) == ["oryauth.E042"]


def test_a_single_trusted_client_id_string_is_read_as_a_list() -> None:
    with override_settings(ORYAUTH={"PROVIDER_TRUSTED_CLIENT_IDS": "first-party"}):
        assert oryauth_settings().PROVIDER_TRUSTED_CLIENT_IDS == ("first-party",)
    assert provider_check_ids(PROVIDER_TRUSTED_CLIENT_IDS="first-party") == []
