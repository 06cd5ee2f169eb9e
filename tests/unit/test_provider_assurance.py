"""The one mapping from how a person signed in at Kratos to the ID token's
`amr` (RFC 8176) and `acr` (the Kratos assurance level)."""
from __future__ import annotations

import pytest
from ory_client.models.session import Session

from oryauth.provider.assurance import AMR_FOR_METHOD, acr_of_session, amr_for_methods, amr_of_session

# RFC 8176 section 2.
RFC_8176_VALUES = {"face", "fpt", "geo", "hwk", "iris", "kba", "mca", "mfa", "otp", "pin", "pwd", "rba", "retina",
                   "sc", "sms", "swk", "tel", "user", "vbm", "wia"}


@pytest.mark.parametrize(
    ("methods", "aal", "amr"),
    [
        (["password"], "aal1", ["pwd"]),
        (["code"], "aal1", ["otp"]),
        (["password", "totp"], "aal2", ["pwd", "otp", "mfa"]),
        (["password", "lookup_secret"], "aal2", ["pwd", "otp", "mfa"]),
        (["password", "webauthn"], "aal2", ["pwd", "hwk", "mfa"]),
        # Passwordless passkey: one proof of possession of a hardware-bound key.
        (["passkey"], "aal1", ["hwk"]),
        # Social sign-in: RFC 8176 has no value for it, so none is claimed.
        (["oidc"], "aal1", []),
        (["oidc", "totp"], "aal2", ["otp", "mfa"]),
        (["code", "totp"], "aal2", ["otp", "mfa"]),  # each value once
        (["password", "password"], "aal1", ["pwd"]),
    ],
)
def test_kratos_methods_become_rfc_8176_values(methods: list[str], aal: str, amr: list[str]) -> None:
    assert amr_for_methods(methods, aal) == amr


def test_every_mapped_value_is_an_rfc_8176_value() -> None:
    assert {value for values in AMR_FOR_METHOD.values() for value in values} <= RFC_8176_VALUES


def test_a_method_kratos_adds_later_adds_no_vendor_specific_value() -> None:
    assert amr_for_methods(["magic_ring"], "aal1") == []
    assert amr_for_methods(["magic_ring", "totp"], "aal2") == ["otp", "mfa"]


def session(methods: list[str], aal: str | None) -> Session:
    return Session.from_dict({
        "id": "5f7a1c4e-8a55-4a0e-9a57-0d3d3e1a0c11", "active": True, "authenticator_assurance_level": aal,
        "authentication_methods": [{"method": method, "aal": "aal1"} for method in methods],
    })


def test_a_session_gives_its_amr_and_its_assurance_level_as_acr() -> None:
    stepped_up = session(["password", "totp"], "aal2")
    assert (amr_of_session(stepped_up), acr_of_session(stepped_up)) == (["pwd", "otp", "mfa"], "aal2")
    passkey = session(["passkey"], "aal1")
    assert (amr_of_session(passkey), acr_of_session(passkey)) == (["hwk"], "aal1")


def test_a_session_without_an_assurance_level_is_aal1() -> None:
    assert acr_of_session(session(["password"], None)) == "aal1"
