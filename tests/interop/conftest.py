"""Interop tests: relying-party libraries we did not write sign a person in
through the portal and the provider, in Debian's Chromium against the real
Kratos and Hydra and the live site on 127.0.0.1:8000 (like tests/e2e)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from ory_client.models import OAuth2Client

from oryauth import hydra_clients
from oryauth.provider.models import ScopeClaim
from tests.e2e.conftest import page  # noqa: F401 (the browser tests' page, on the shared Chromium in tests/conftest.py)
from tests.interop.relying_party_origin import RelyingPartyOrigin
from tests.support.kratos import TestIdentity, create_identity
from tests.support.oauth_flows import ensure_standard_claim_mappings
from tests.support.throwaway import spare_port

SCOPES = ("openid", "offline_access", "email", "profile")


@pytest.fixture(autouse=True)
def _real_ory_stack(ory_stack: None) -> None:
    """Every interop test runs against the real Kratos and Hydra."""


@pytest.fixture
def staff_edited_mappings(live_server) -> None:  # noqa: ANN001 (after the live server's database is ready)
    """The seeded scope -> claim mappings as staff changed them in the admin:
    a `nickname` claim from the first name under `profile`, and the
    `given_name` claim switched off."""
    ensure_standard_claim_mappings()
    ScopeClaim.objects.update_or_create(
        scope="profile", claim="nickname",
        defaults={"source": ScopeClaim.Source.TRAIT, "path": "name.first", "token": ScopeClaim.Token.BOTH},
    )
    ScopeClaim.objects.filter(scope="profile", claim="given_name").update(enabled=False)


def assert_mapped_claims(claims: dict[str, Any], person: TestIdentity) -> None:
    """The claims `staff_edited_mappings` grant `person` for email and profile."""
    assert claims["sub"] == person.id
    assert claims["email"] == person.email and claims["email_verified"] is True
    assert claims["name"] == "Grace Hopper" and claims["family_name"] == "Hopper"
    assert claims["nickname"] == "Grace"  # the mapping staff added
    assert "given_name" not in claims  # the mapping staff switched off


@pytest.fixture
def person() -> TestIdentity:
    """A person registered in the real Kratos, address verified."""
    return create_identity(first_name="Grace", last_name="Hopper")


@pytest.fixture
def rp_origin() -> Iterator[RelyingPartyOrigin]:
    """The relying party's loopback origin, answering while the test runs."""
    origin = RelyingPartyOrigin(spare_port())
    server = origin.serve()
    yield origin
    server.shutdown()
    server.server_close()


@pytest.fixture
def oauth_client(rp_origin: RelyingPartyOrigin) -> Iterator[OAuth2Client]:
    """A confidential client in the real Hydra, made with oryauth's own helper,
    whose redirect and post-logout URIs are on the relying party's origin."""
    client_id = f"interop-{uuid.uuid4().hex[:10]}"
    definition = OAuth2Client(
        client_id=client_id,
        client_secret=f"interop-secret-{uuid.uuid4().hex}",
        client_name="Interop relying party",
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        scope=" ".join(SCOPES),
        redirect_uris=[rp_origin.callback],
        post_logout_redirect_uris=[rp_origin.signed_out],
        token_endpoint_auth_method="client_secret_basic",
    )
    created, _ = hydra_clients.create_or_replace_client(definition)
    # The relying party needs the secret in clear; Hydra's answer need not repeat it.
    yield created.model_copy(update={"client_secret": definition.client_secret})
    hydra_clients.delete_client(client_id)
