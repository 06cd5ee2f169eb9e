"""System checks for deployment mistakes, without network: admin URLs where
public ones belong, localhost mixed with 127.0.0.1, an incomplete relying
party, development leftovers with DEBUG off."""
from __future__ import annotations

from typing import Any

import pytest
from django.core import checks
from django.test import override_settings

from oryauth.checks import check_deployment_settings
from oryauth.client.checks import check_relying_party_deployment

RP = {
    "CLIENT_ID": "site",
    "CLIENT_SECRET": "a-long-random-secret-0123456789abcdef",
    "CLIENT_REDIRECT_URI": "http://127.0.0.1:8000/auth/callback",
    "CLIENT_POST_LOGOUT_REDIRECT_URI": "http://127.0.0.1:8000/",
}
PRODUCTION = {
    "KRATOS_PUBLIC_URL": "https://auth.example.org",
    "KRATOS_ADMIN_URL": "http://kratos-admin.internal:4434",
    "HYDRA_PUBLIC_URL": "https://oauth.example.org",
    "HYDRA_ADMIN_URL": "http://hydra-admin.internal:4445",
    "CLIENT_ID": "site",
    "CLIENT_SECRET": "Zx8v1sQe0rTl5w9Y2uKpA7mB3nC6dF4h",
    "CLIENT_REDIRECT_URI": "https://www.example.org/auth/callback",
    "CLIENT_POST_LOGOUT_REDIRECT_URI": "https://www.example.org/",
}


def messages_for(oryauth: dict[str, Any], debug: bool = True) -> list[checks.CheckMessage]:
    with override_settings(ORYAUTH=oryauth, DEBUG=debug):
        return check_deployment_settings() + check_relying_party_deployment()


def ids_for(oryauth: dict[str, Any], debug: bool = True) -> list[str]:
    return [message.id for message in messages_for(oryauth, debug)]


def test_the_local_stack_and_a_sound_production_setup_pass() -> None:
    assert ids_for(RP) == []
    assert ids_for(RP, debug=False) == []  # loopback only: a developer's machine
    assert ids_for(PRODUCTION, debug=False) == []


@pytest.mark.parametrize(
    ("oryauth", "expected_id", "named"),
    [
        ({"HYDRA_PUBLIC_URL": "http://127.0.0.1:4445"}, "oryauth.E020", "HYDRA_PUBLIC_URL"),
        ({"KRATOS_BROWSER_URL": "http://127.0.0.1:4434"}, "oryauth.E020", "KRATOS_BROWSER_URL"),
        ({"HYDRA_ISSUER": "http://127.0.0.1:4445/"}, "oryauth.E020", "HYDRA_ISSUER"),
        ({"HYDRA_PUBLIC_URL": "http://hydra.internal:4445", "HYDRA_ADMIN_URL": "http://hydra-admin.internal:9000"}, "oryauth.W020", "HYDRA_PUBLIC_URL"),
        ({"HYDRA_ADMIN_URL": "http://hydra.internal:4444"}, "oryauth.W020", "HYDRA_ADMIN_URL"),
        ({"KRATOS_PUBLIC_URL": "http://kratos.internal:4444"}, "oryauth.W020", "KRATOS_PUBLIC_URL"),
        ({**RP, "CLIENT_REDIRECT_URI": "http://localhost:8000/auth/callback", "CLIENT_POST_LOGOUT_REDIRECT_URI": ""}, "oryauth.W021", "CLIENT_REDIRECT_URI=localhost"),
        ({**RP, "CLIENT_REDIRECT_URI": ""}, "oryauth.E021", "CLIENT_REDIRECT_URI"),
        ({"CLIENT_REDIRECT_URI": "http://127.0.0.1:8000/auth/callback"}, "oryauth.E021", "CLIENT_ID"),
        ({**RP, "CLIENT_SCOPES": ["email", "profile"]}, "oryauth.E022", "openid"),
        ({**RP, "CLIENT_POST_LOGOUT_REDIRECT_URI": "http://127.0.0.1:9000/"}, "oryauth.E023", "CLIENT_POST_LOGOUT_REDIRECT_URI"),
    ],
)
def test_a_deployment_mistake_is_named(oryauth: dict[str, Any], expected_id: str, named: str) -> None:
    found = [message for message in messages_for(oryauth) if message.id == expected_id]

    assert len(found) == 1, messages_for(oryauth)
    assert named in found[0].msg
    assert found[0].hint


@pytest.mark.parametrize(
    ("change", "expected_id", "named"),
    [
        ({"HYDRA_PUBLIC_URL": "http://oauth.example.org"}, "oryauth.E024", "HYDRA_PUBLIC_URL"),
        ({"HYDRA_ISSUER": "http://oauth.example.org/"}, "oryauth.E024", "HYDRA_ISSUER"),
        ({"CLIENT_REDIRECT_URI": "http://www.example.org/auth/callback", "CLIENT_POST_LOGOUT_REDIRECT_URI": ""}, "oryauth.E024", "CLIENT_REDIRECT_URI"),
        ({"CLIENT_SECRET": "dev-demo-client-secret-change-me"}, "oryauth.W022", "CLIENT_SECRET"),
        ({"CLIENT_SECRET": "short"}, "oryauth.W022", "CLIENT_SECRET"),
    ],
)
def test_development_leftovers_are_reported_only_with_debug_off(change: dict[str, Any], expected_id: str, named: str) -> None:
    oryauth = {**PRODUCTION, **change}

    with_debug_off = [message for message in messages_for(oryauth, debug=False) if message.id == expected_id]

    assert len(with_debug_off) == 1
    assert named in with_debug_off[0].msg
    assert expected_id not in ids_for(oryauth, debug=True)


def test_the_checks_run_with_manage_py_check() -> None:
    with override_settings(ORYAUTH={"HYDRA_PUBLIC_URL": "http://127.0.0.1:4445"}):
        ids = [message.id for message in checks.run_checks()]
    assert "oryauth.E020" in ids
