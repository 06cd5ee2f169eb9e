"""`manage.py check --deploy` names any difference between Hydra's discovery
lists and what the scope -> claim mappings grant, with the YAML that fixes it
(the real Hydra started with deploy/ory/hydra.yml)."""
from __future__ import annotations

from typing import Any

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from oryauth.provider.models import ScopeClaim
from tests.support.oauth_flows import ensure_standard_claim_mappings

pytestmark = pytest.mark.django_db


def advertised_warnings() -> list[Any]:
    return [m for m in run_checks(include_deployment_checks=True) if m.id == "oryauth.W044"]


def test_the_seeded_mappings_match_what_deploy_hydra_yml_advertises() -> None:
    ensure_standard_claim_mappings()

    assert advertised_warnings() == []


def test_a_mapping_hydra_does_not_advertise_is_named_with_the_fix() -> None:
    ensure_standard_claim_mappings()
    ScopeClaim.objects.create(scope="groups", claim="groups", source="metadata_public", path="groups", token="id_token")

    [warning] = advertised_warnings()

    assert "scopes_supported lacks groups" in warning.msg
    assert "claims_supported lacks groups" in warning.msg
    assert "supported_scope:\n      - address\n      - email\n      - groups\n" in warning.hint
    assert "      - groups\n" in warning.hint.split("supported_claims:")[1]


def test_a_disabled_mapping_hydra_still_advertises_is_named_too() -> None:
    ensure_standard_claim_mappings()
    ScopeClaim.objects.filter(scope="phone").update(enabled=False)

    [warning] = advertised_warnings()

    assert "scopes_supported lists phone, which no enabled mapping grants" in warning.msg
    assert "phone" not in warning.hint


def test_an_unreachable_hydra_is_left_to_the_doctor() -> None:
    ensure_standard_claim_mappings()
    ScopeClaim.objects.create(scope="groups", claim="groups", source="metadata_public", path="groups", token="id_token")

    with override_settings(ORYAUTH={"HYDRA_PUBLIC_URL": "http://127.0.0.1:1", "HTTP_TIMEOUT": 1}):
        assert advertised_warnings() == []
