"""deploy/ory/oidc.upstream.jsonnet, the mapper from Example ID's claims to a
new identity, evaluated by the Kratos binary the stack runs (`kratos jsonnet`
is the Jsonnet VM Kratos itself runs mappers in) on claims shaped as Kratos
passes them (`std.extVar('claims')`: sub, email, email_verified, ...)."""
from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.support.stack import BIN_DIR, CONFIG_DIR

MAPPER = CONFIG_DIR / "oidc.upstream.jsonnet"


def mapped(claims: dict[str, Any]) -> dict[str, Any]:
    kratos = BIN_DIR / "kratos"
    if not kratos.exists():
        pytest.fail(f"{kratos} is missing: tools/ory/build.sh builds it (make ory-build).", pytrace=False)
    job = {"Filename": MAPPER.name, "Snippet": MAPPER.read_text(),
           "ExtCodes": [{"Key": "claims", "Value": json.dumps({"iss": "http://127.0.0.1:4544/", **claims})}]}
    result = subprocess.run([str(kratos), "jsonnet"], input=json.dumps(job), capture_output=True, text=True,
                            timeout=30, check=False)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout)["identity"])


def test_a_verified_email_and_the_names_become_traits_and_the_address_counts_as_verified() -> None:
    identity = mapped({"sub": "p-1", "email": "kj@example.org", "email_verified": True,
                       "given_name": "Katherine", "family_name": "Johnson"})

    assert identity["traits"] == {"email": "kj@example.org", "name": {"first": "Katherine", "last": "Johnson"}}
    assert identity["verified_addresses"] == [{"via": "email", "value": "kj@example.org"}]


@pytest.mark.parametrize("claims", [
    {"email": "victim@example.org", "email_verified": False},
    {"email": "victim@example.org"},  # the provider says nothing about it
    {"email": "victim@example.org", "email_verified": "yes"},  # not the boolean true Kratos passes on
    {"email": "", "email_verified": True},
    {},
], ids=["unverified", "verification-unknown", "not-a-boolean", "empty", "no-email"])
def test_an_address_the_provider_does_not_vouch_for_is_left_out(claims: dict[str, Any]) -> None:
    identity = mapped({"sub": "p-2", "given_name": "Katherine", **claims})

    assert "email" not in identity["traits"]
    assert identity["verified_addresses"] == []
    assert identity["traits"]["name"] == {"first": "Katherine"}


def test_no_names_means_no_name_trait() -> None:
    identity = mapped({"sub": "p-3", "email": "kj@example.org", "email_verified": True})

    assert identity["traits"] == {"email": "kj@example.org"}
