"""A login challenge survives an expired Kratos login flow: the flow only
carries `return_to` back to `/login?login_challenge=...`, and a new flow keeps
it, whether the person reopens the expired page or submits its form."""
from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from oryauth import ory
from tests.support.kratos import create_identity
from tests.support.oauth_flows import (
    SITE,
    Browser,
    Visit,
    authorize_url,
    exchange_code,
    make_client,  # noqa: F401 (fixture)
    verified_id_token_claims,
)
from tests.support.portal_forms import at_login_page, sign_in_with_password
from tests.support.throwaway import ThrowawayServer, private_kratos_in_use

pytestmark = pytest.mark.django_db

LIFESPAN_SECONDS = 4


@pytest.fixture
def short_lived_kratos(tmp_path: Path) -> Iterator[ThrowawayServer]:
    """A private Kratos whose login flows expire after a few seconds."""
    with private_kratos_in_use(tmp_path, {"SELFSERVICE_FLOWS_LOGIN_LIFESPAN": f"{LIFESPAN_SECONDS}s"}) as server:
        yield server


def wait_until_expired(browser: Browser, kratos: ThrowawayServer, flow_id: str) -> None:
    until = time.monotonic() + 3 * LIFESPAN_SECONDS
    url = f"{kratos.public_url}/self-service/login/flows?id={flow_id}"
    while browser.http.get(url, headers={"Accept": "application/json"}, timeout=5).status_code != 410:
        assert time.monotonic() < until, "the login flow did not expire"
        time.sleep(0.2)


def return_to_of(browser: Browser, page: Visit) -> str:
    cookies = "; ".join(f"{c.name}={c.value}" for c in browser.http.cookies)
    return str(ory.kratos_frontend().get_login_flow(id=page.query["flow"], cookie=cookies).return_to)


@pytest.mark.parametrize("the_person", ["reopens the page", "submits the expired form"])
def test_the_login_challenge_survives_an_expired_login_flow(
    make_client, short_lived_kratos: ThrowawayServer, the_person: str  # noqa: ANN001
) -> None:
    client = make_client("--skip-consent")
    identity = create_identity()
    browser = Browser()
    expired = at_login_page(browser.open(authorize_url(client)))
    challenge = next(url for url in expired.visited if "login_challenge=" in url).split("login_challenge=")[1]
    wait_until_expired(browser, short_lived_kratos, expired.query["flow"])

    if the_person == "reopens the page":
        fresh = browser.open(expired.url)
    else:
        # Kratos replaces the expired flow with a new one and shows it with a message.
        fresh = sign_in_with_password(browser, expired, identity)

    assert fresh.url.startswith(f"{SITE}/login?flow=") and fresh.query["flow"] != expired.query["flow"]
    assert return_to_of(browser, fresh) == f"{SITE}/login?{urlencode({'login_challenge': requests.utils.unquote(challenge)})}"
    callback = sign_in_with_password(browser, fresh, identity)
    assert verified_id_token_claims(exchange_code(client, callback), client.id)["sub"] == identity.id
