"""Creating identities and sessions on the real Kratos, for test set-up."""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import requests
from ory_client.models import (
    CreateIdentityBody,
    IdentityWithCredentials,
    IdentityWithCredentialsPassword,
    IdentityWithCredentialsPasswordConfig,
    VerifiableIdentityAddress,
)

from oryauth import ory

from .stack import KRATOS_PUBLIC

DEFAULT_PASSWORD = "a long and unguessable passphrase 42"


@dataclass(frozen=True)
class TestIdentity:
    __test__ = False  # a helper record, not a test class for pytest to collect

    id: str
    email: str
    password: str
    first_name: str
    last_name: str


def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:12]}@example.org"


def create_identity(
    *, email: str | None = None, password: str = DEFAULT_PASSWORD, first_name: str = "Ada",
    last_name: str = "Lovelace", verified: bool = True,
) -> TestIdentity:
    """An identity made through the Kratos admin API, its address verified by default."""
    email = email or unique_email()
    addresses = [VerifiableIdentityAddress(value=email, via="email", verified=True, status="completed")] if verified else None
    identity = ory.kratos_identities().create_identity(
        CreateIdentityBody(
            schema_id="person",
            traits={"email": email, "name": {"first": first_name, "last": last_name}},
            credentials=IdentityWithCredentials(
                password=IdentityWithCredentialsPassword(config=IdentityWithCredentialsPasswordConfig(password=password))
            ),
            verifiable_addresses=addresses,
        )
    )
    return TestIdentity(str(identity.id), email, password, first_name, last_name)


def browser_login(identity: TestIdentity) -> requests.Session:
    """Sign in through a Kratos *browser* login flow with plain HTTP; the
    returned session holds the `ory_kratos_session` cookie a browser would."""
    browser = requests.Session()
    created = browser.get(f"{KRATOS_PUBLIC}/self-service/login/browser", allow_redirects=False, timeout=5)
    flow_id = created.headers["Location"].split("flow=")[1]
    flow = browser.get(f"{KRATOS_PUBLIC}/self-service/login/flows", params={"id": flow_id}, timeout=5).json()
    csrf = next(n["attributes"]["value"] for n in flow["ui"]["nodes"] if n["attributes"].get("name") == "csrf_token")
    answer = browser.post(
        flow["ui"]["action"],
        data={"csrf_token": csrf, "method": "password", "identifier": identity.email, "password": identity.password},
        headers={"Accept": "application/json"},
        timeout=10,
    )
    answer.raise_for_status()
    assert "ory_kratos_session" in browser.cookies, "Kratos did not set a session cookie"
    return browser
