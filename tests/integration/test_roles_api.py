"""A site that only protects an API (tests/sites/api_only.py: the core
alone, its own process on 127.0.0.1:8002) answers a Bearer access token
Hydra issued for its audience, and refuses a garbage one or one issued for
another API."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from ory_client.models import OAuth2Client

from oryauth import hydra_clients
from tests.sites import api_only
from tests.sites.running import running_site
from tests.support.stack import HYDRA_PUBLIC

API_AUDIENCE = api_only.ORYAUTH["ACCESS_TOKEN_AUDIENCE"][0]
OTHER_AUDIENCE = "http://127.0.0.1:8099/other-api/"


@pytest.fixture
def machine_client() -> Iterator[OAuth2Client]:
    """A client_credentials client allowed to ask for this API's audience and another one."""
    client = hydra_clients.create_client(
        OAuth2Client(
            client_id=f"api-caller-{uuid.uuid4().hex[:8]}", client_secret="api-caller-secret-0123456789",
            grant_types=["client_credentials"], response_types=["token"], scope="read",
            audience=[API_AUDIENCE, OTHER_AUDIENCE], token_endpoint_auth_method="client_secret_basic",
        )
    )
    yield client
    hydra_clients.delete_client(client.client_id)


def access_token(client: OAuth2Client, audience: str) -> str:
    answer = requests.post(
        f"{HYDRA_PUBLIC}/oauth2/token", auth=(client.client_id, "api-caller-secret-0123456789"),
        data={"grant_type": "client_credentials", "scope": "read", "audience": audience}, timeout=10,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["access_token"]


@pytest.fixture(scope="module")
def api_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_site("api_only", 8002, tmp_path_factory.mktemp("api_only")) as origin:
        yield origin


def test_the_api_answers_an_access_token_issued_for_its_audience(api_site: str, machine_client: OAuth2Client) -> None:
    token = access_token(machine_client, API_AUDIENCE)

    answer = requests.get(f"{api_site}/api/me/", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"subject": machine_client.client_id, "client_id": machine_client.client_id, "scopes": ["read"]}


@pytest.mark.parametrize("token", ["garbage", "ory_at_not-a-token-hydra-issued", "ory_st_not-a-kratos-session"])
def test_the_api_refuses_a_garbage_token(api_site: str, token: str) -> None:
    answer = requests.get(f"{api_site}/api/me/", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_api_refuses_an_access_token_issued_for_another_api(api_site: str, machine_client: OAuth2Client) -> None:
    token = access_token(machine_client, OTHER_AUDIENCE)

    answer = requests.get(f"{api_site}/api/me/", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    assert answer.status_code == 401


def test_the_api_refuses_a_caller_without_a_token(api_site: str) -> None:
    answer = requests.get(f"{api_site}/api/me/", timeout=30)

    assert answer.status_code == 401
    assert answer.headers["Content-Type"].startswith("application/")
