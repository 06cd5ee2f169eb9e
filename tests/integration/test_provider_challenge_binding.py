"""A challenge belongs to one person (issue 10, Medium finding): a stranger
who holds the URL of someone else's login, consent or logout challenge (signed
in as someone else, or not signed in) gets a 403 page and nothing is accepted
at Hydra, against the real Hydra and Kratos."""
from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.support.kratos import browser_login, create_identity
from tests.support.oauth_flows import (
    SITE,
    Browser,
    OAuthClient,
    Visit,
    authorize_url,
    exchange_code,
    hydra_logout,
    make_client,  # noqa: F401 (fixture)
    verified_id_token_claims,
)
from tests.support.stack import KRATOS_PUBLIC

pytestmark = pytest.mark.django_db

KRATOS_LOGIN = f"{KRATOS_PUBLIC}/self-service/login/browser"


def signed_in_stranger() -> Browser:
    return Browser(browser_login(create_identity(first_name="Eve")))


def anonymous_stranger() -> Browser:
    return Browser()


STRANGERS: list[Callable[[], Browser]] = [signed_in_stranger, anonymous_stranger]
STRANGER_IDS = ["signed-in-as-someone-else", "not-signed-in"]


def site_path(url: str) -> str:
    assert url.startswith(SITE), url
    return url.removeprefix(SITE)


def assert_refused(visit: Visit) -> None:
    assert visit.status == 403, (visit.status, visit.url, visit.visited)
    assert "This link is meant for someone else" in visit.text
    assert "nothing was shared" in visit.text


@pytest.mark.parametrize("stranger", STRANGERS, ids=STRANGER_IDS)
def test_a_stranger_cannot_allow_someone_elses_consent_and_nothing_is_remembered(make_client, stranger) -> None:  # noqa: ANN001
    client = make_client()
    victim = Browser(browser_login(create_identity()))
    page = victim.open(authorize_url(client))
    assert page.path == "/consent" and page.status == 200, page.url
    intruder = stranger()

    assert_refused(intruder.open(page.url))
    assert_refused(intruder.submit(page, action="allow", remember="yes", scope=["openid", "offline", "email"]))
    assert_refused(intruder.submit(page, action="deny"))

    # Hydra kept no remembered grant: the victim's silent request gets no code.
    silent = victim.open(authorize_url(client, prompt="none"))
    assert silent.path == "/callback", silent.url
    assert "code" not in silent.query and silent.query["error"] == "consent_required"


def test_the_person_can_still_answer_their_consent_after_a_stranger_tried(make_client) -> None:  # noqa: ANN001
    client = make_client()
    identity = create_identity()
    victim = Browser(browser_login(identity))
    page = victim.open(authorize_url(client))
    assert_refused(signed_in_stranger().submit(page, action="allow", remember="yes"))

    callback = victim.submit(page, action="allow", scope=["openid"])

    assert verified_id_token_claims(exchange_code(client, callback), client.id)["sub"] == identity.id


@pytest.mark.parametrize("stranger", STRANGERS, ids=STRANGER_IDS)
def test_a_stranger_cannot_complete_someone_elses_login_challenge(make_client, stranger) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    victim = Browser()  # not signed in yet: the challenge waits at Kratos's login form
    first_hop = victim.open(authorize_url(client), stop_at=KRATOS_LOGIN)
    challenge_url = next(url for url in first_hop.visited if url.startswith(f"{SITE}/login?login_challenge="))

    refused = stranger().open(challenge_url, stop_at=KRATOS_LOGIN)

    assert_refused(refused)
    assert not any(url.startswith("http://127.0.0.1:4444/") for url in refused.visited[1:])


def test_the_browser_that_opened_a_login_challenge_may_open_it_again(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    identity = create_identity()
    victim = Browser()
    first_hop = victim.open(authorize_url(client), stop_at=KRATOS_LOGIN)
    challenge_url = next(url for url in first_hop.visited if url.startswith(f"{SITE}/login?login_challenge="))
    assert_refused(anonymous_stranger().open(challenge_url, stop_at=KRATOS_LOGIN))
    for cookie in browser_login(identity).cookies:  # the person signs in in the same browser
        victim.http.cookies.set_cookie(cookie)

    callback = victim.open(challenge_url)

    assert verified_id_token_claims(exchange_code(client, callback), client.id)["sub"] == identity.id


def signed_in_at(client: OAuthClient) -> Browser:
    browser = Browser(browser_login(create_identity()))
    assert browser.open(authorize_url(client, scope="openid")).path == "/callback"
    return browser


@pytest.mark.parametrize("stranger", STRANGERS, ids=STRANGER_IDS)
def test_a_stranger_cannot_sign_someone_else_out(make_client, stranger) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    victim = signed_in_at(client)
    page = hydra_logout(victim)
    assert page.path == "/logout" and page.status == 200, page.url
    intruder = stranger()

    assert_refused(intruder.open(page.url))
    assert_refused(intruder.submit(page, action="yes"))
    assert_refused(intruder.submit(page, action="no"))

    assert victim.has_kratos_session()
    again = victim.open(authorize_url(client))  # still signed in at Hydra: no password asked
    assert "code" in again.query and not any(url.startswith(KRATOS_LOGIN) for url in again.visited)


def test_a_remembered_login_without_a_kratos_session_still_reaches_consent_in_the_same_browser(make_client) -> None:  # noqa: ANN001
    client = make_client()
    identity = create_identity()
    browser = Browser(browser_login(identity))
    browser.submit(browser.open(authorize_url(client)), action="allow", scope=["openid"])  # Hydra remembers the login
    browser.http.cookies.set("ory_kratos_session", None, domain="127.0.0.1")  # the Kratos session is gone

    page = browser.open(authorize_url(client))

    assert page.path == "/consent" and page.status == 200, (page.url, page.status)
    assert_refused(anonymous_stranger().open(page.url))
