"""The Ory stack is real: Kratos, Hydra and the SMTP sink answer as servers do,
and oryauth.ory reads them."""
from __future__ import annotations

import time
import uuid

import requests
from ory_client.models import (
    CreateIdentityBody,
    IdentityWithCredentials,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    OAuth2Client,
    UpdateLoginFlowBody,
    UpdateLoginFlowWithPasswordMethod,
    VerifiableIdentityAddress,
)

from oryauth import ory
from tests.support.mailbox import latest_code
from tests.support.stack import HYDRA_PUBLIC, KRATOS_PUBLIC


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.org"


def test_identity_created_by_admin_signs_in_through_api_flow_and_whoami_resolves_its_token() -> None:
    email, password = unique_email(), "a long and unguessable passphrase 42"
    identity = ory.kratos_identities().create_identity(
        CreateIdentityBody(
            schema_id="person",
            traits={"email": email, "name": {"first": "Ada", "last": "Lovelace"}},
            credentials=IdentityWithCredentials(
                password=IdentityWithCredentialsPassword(config=IdentityWithCredentialsPasswordConfig(password=password))
            ),
            # Verified: the demo's Kratos refuses password sign-in for an unverified address.
            verifiable_addresses=[VerifiableIdentityAddress(value=email, via="email", verified=True, status="completed")],
        )
    )

    frontend = ory.kratos_frontend()
    flow = frontend.create_native_login_flow()
    result = frontend.update_login_flow(
        str(flow.id),
        UpdateLoginFlowBody(UpdateLoginFlowWithPasswordMethod(method="password", identifier=email, password=password)),
    )
    session = ory.whoami(session_token=result.session_token)

    assert session is not None
    assert session.active is True
    assert session.identity.id == identity.id
    assert session.identity.traits["email"] == email
    assert [m.method for m in session.authentication_methods] == ["password"]


def test_whoami_answers_none_for_an_unknown_session_token() -> None:
    assert ory.whoami(session_token="ory_st_" + "x" * 32) is None


def test_registration_through_a_browser_flow_sends_a_verification_code_to_the_sink() -> None:
    email = unique_email()
    browser = requests.Session()  # keeps Kratos's CSRF cookie like a browser would
    started = time.time()

    created = browser.get(f"{KRATOS_PUBLIC}/self-service/registration/browser", allow_redirects=False, timeout=5)
    assert created.status_code == 303
    assert created.headers["Location"].startswith("http://127.0.0.1:8000/registration?flow=")
    flow_id = created.headers["Location"].split("flow=")[1]
    flow = browser.get(f"{KRATOS_PUBLIC}/self-service/registration/flows", params={"id": flow_id}, timeout=5).json()
    csrf_token = next(n["attributes"]["value"] for n in flow["ui"]["nodes"] if n["attributes"].get("name") == "csrf_token")

    submitted = browser.post(
        flow["ui"]["action"],
        data={
            "csrf_token": csrf_token,
            "method": "password",
            "traits.email": email,
            "traits.name.first": "Grace",
            "password": "another long passphrase 1906",
        },
        headers={"Accept": "application/json"},
        timeout=10,
    )

    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["identity"]["traits"]["email"] == email
    assert len(latest_code(email, after=started)) == 6


def test_client_credentials_token_from_hydra_public_is_active_in_admin_introspection() -> None:
    client = ory.hydra_admin().create_o_auth2_client(
        OAuth2Client(
            client_name="stack test",
            grant_types=["client_credentials"],
            scope="read write",
            token_endpoint_auth_method="client_secret_basic",
        )
    )

    issued = requests.post(
        f"{HYDRA_PUBLIC}/oauth2/token",
        data={"grant_type": "client_credentials", "scope": "read"},
        auth=(client.client_id, client.client_secret),
        timeout=5,
    )
    assert issued.status_code == 200, issued.text
    introspection = ory.hydra_admin().introspect_o_auth2_token(token=issued.json()["access_token"])

    assert introspection.active is True
    assert introspection.client_id == client.client_id
    assert introspection.scope == "read"
    assert ory.hydra_admin().introspect_o_auth2_token(token="not-a-token").active is False
