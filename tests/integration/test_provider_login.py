"""Hydra's login challenge at `/login` against the real Hydra and Kratos."""
from __future__ import annotations

import html
import re
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from ory_client.models.o_auth2_login_request import OAuth2LoginRequest

from oryauth import ory
from oryauth.provider.login import decide_login
from tests.support.kratos import DEFAULT_PASSWORD, TestIdentity, browser_login, create_identity, unique_email
from tests.support.mailbox import latest_code
from tests.support.oauth_flows import (
    SITE,
    Browser,
    authorize_url,
    exchange_code,
    make_client,  # noqa: F401 (fixture)
    verified_id_token_claims,
)
from tests.support.portal_forms import submit
from tests.support.second_factors import set_up_totp
from tests.support.stack import KRATOS_PUBLIC

KRATOS_LOGIN = f"{KRATOS_PUBLIC}/self-service/login/browser"

pytestmark = pytest.mark.django_db


def set_up_totp_for(identity_id: str) -> None:
    identity = ory.kratos_identities().get_identity(identity_id)
    set_up_totp(TestIdentity(identity_id, identity.traits["email"], DEFAULT_PASSWORD, "Ada", "Lovelace"))


def signed_in_browser() -> tuple[Browser, str]:
    identity = create_identity()
    return Browser(browser_login(identity)), identity.id


def kratos_flow_query(visit_url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(visit_url).query).items()}


def test_a_kratos_session_is_accepted_without_asking_for_a_password(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser, identity_id = signed_in_browser()

    page = browser.open(authorize_url(client))

    # Straight to our consent page: Kratos's login flow was never involved.
    assert page.path == "/consent" and page.status == 200
    assert not any(url.startswith(f"{KRATOS_PUBLIC}/self-service/login") for url in page.visited)
    consent_request = ory.hydra_admin().get_o_auth2_consent_request(page.query["consent_challenge"])
    assert consent_request.subject == identity_id
    assert consent_request.amr == ["pwd"]
    assert consent_request.acr == "aal1"


def test_the_flow_completes_to_the_client_with_the_identity_as_subject(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, identity_id = signed_in_browser()

    callback = browser.open(authorize_url(client, scope="openid email"))

    claims = verified_id_token_claims(exchange_code(client, callback), client.id)
    assert claims["sub"] == identity_id
    assert claims["amr"] == ["pwd"]


def challenge_return_to(challenge: str) -> str:
    return f"{SITE}/login?{urlencode({'login_challenge': challenge})}"


def test_without_a_session_the_kratos_login_flow_returns_to_the_challenge(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser = Browser()

    first_hop = browser.open(authorize_url(client), stop_at=KRATOS_LOGIN)

    assert first_hop.url.startswith(f"{KRATOS_PUBLIC}/self-service/login/browser?")
    query = kratos_flow_query(first_hop.url)
    # Kratos never holds the challenge: the person comes back to /login, where oryauth accepts it.
    assert "login_challenge" not in query
    assert query["return_to"] == challenge_return_to(kratos_flow_query(first_hop.visited[1])["login_challenge"])
    assert "refresh" not in query


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"prompt": "login"}, {"refresh": "true"}),
        ({"max_age": "0"}, {"refresh": "true"}),
        ({"acr_values": "aal2"}, {"aal": "aal2"}),
    ],
)
def test_a_session_that_does_not_satisfy_the_request_goes_to_kratos(make_client, params, expected) -> None:  # noqa: ANN001
    client = make_client()
    browser, identity_id = signed_in_browser()
    if "aal" in expected:
        set_up_totp_for(identity_id)  # a second factor to step up with

    first_hop = browser.open(authorize_url(client, **params), stop_at=KRATOS_LOGIN)

    assert first_hop.url.startswith(f"{KRATOS_PUBLIC}/self-service/login/browser?")
    query = kratos_flow_query(first_hop.url)
    assert {key: query.get(key) for key in expected} == expected
    assert query["return_to"] == challenge_return_to(kratos_flow_query(first_hop.visited[1])["login_challenge"])


def test_a_remembered_login_is_accepted_with_hydras_subject(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser, identity_id = signed_in_browser()
    browser.open(authorize_url(client))  # Hydra now remembers the login (PROVIDER_REMEMBER_LOGIN)
    browser.http.cookies.set("ory_kratos_session", None, domain="127.0.0.1")  # no Kratos session any more

    callback = browser.open(authorize_url(client))

    assert not any(url.startswith(f"{KRATOS_PUBLIC}/self-service/login") for url in callback.visited)
    assert verified_id_token_claims(exchange_code(client, callback), client.id)["sub"] == identity_id


def test_login_hint_is_offered_to_the_login_page(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser = Browser()

    page = browser.open(authorize_url(client, login_hint="ada@example.org"))

    assert page.url.startswith(f"{SITE}/login?flow=")
    assert 'name="identifier"' in page.text and 'value="ada@example.org"' in page.text


def test_decide_login_accepts_only_a_satisfying_session() -> None:
    identity = create_identity()
    cookie = browser_login(identity).cookies["ory_kratos_session"]
    session = ory.whoami(cookie=f"ory_kratos_session={cookie}")

    def request(url_query: str) -> OAuth2LoginRequest:
        return OAuth2LoginRequest.from_dict({
            "challenge": "c", "client": {"client_id": "x"}, "skip": False, "subject": "",
            "request_url": f"http://127.0.0.1:4444/oauth2/auth?{url_query}",
        })

    assert decide_login(request("scope=openid"), session).accept
    assert decide_login(request("max_age=3600"), session).accept
    assert decide_login(request("prompt=consent"), session).accept
    assert decide_login(request("prompt=login"), session).refresh
    assert decide_login(request("acr_values=aal2"), session, second_factor=lambda identity_id: True).aal == "aal2"
    # Without a second factor, asking for aal2 cannot be met: the session is accepted as it is.
    assert decide_login(request("acr_values=aal2"), session).accept
    assert not decide_login(request("scope=openid"), None).accept
    # Freshly signed in for this very request: prompt=login and max_age=0 are satisfied.
    assert decide_login(request("prompt=login"), session, signed_in_for_this_request=True).accept
    assert decide_login(request("max_age=0"), session, signed_in_for_this_request=True).accept


def test_registration_from_the_challenge_login_page_keeps_the_challenge(make_client) -> None:  # noqa: ANN001
    client = make_client()
    browser = Browser()
    login_page = browser.open(authorize_url(client))
    challenge = kratos_flow_query(login_page.visited[1])["login_challenge"]
    link = re.search(r'href="(/registration\?[^"]+)"', login_page.text)
    assert link, "the login page links to registration"

    registration_page = browser.open(SITE + html.unescape(link.group(1)))

    assert registration_page.url.startswith(f"{SITE}/registration?flow=")
    flow = ory.kratos_frontend().get_registration_flow(
        id=registration_page.query["flow"], cookie="; ".join(f"{c.name}={c.value}" for c in browser.http.cookies)
    )
    assert flow.return_to == challenge_return_to(challenge)
    assert "To continue to" in registration_page.text and client.name in registration_page.text


@pytest.mark.parametrize("max_age", ["²", "٣", "1" * 5000])
def test_a_max_age_hydra_cannot_read_is_ignored_not_a_server_error(make_client, max_age) -> None:  # noqa: ANN001
    # Hydra passes such a max_age through in request_url and ignores it itself.
    client = make_client()
    browser, _ = signed_in_browser()
    browser.site.raise_request_exception = False

    page = browser.open(authorize_url(client, max_age=max_age))

    assert page.path == "/consent" and page.status == 200


def test_a_long_authorization_request_is_not_mistaken_for_a_damaged_link(make_client) -> None:  # noqa: ANN001
    # Hydra's challenges carry the authorization request: with a 6,900-character
    # state (a client encoding its own data there) they exceed 8 KB, while
    # Hydra's redirects stay under Django's 16 KB limit on redirects.
    client = make_client()
    browser, _ = signed_in_browser()

    page = browser.open(authorize_url(client, state=secrets.token_urlsafe(5200)))

    assert page.path == "/consent" and page.status == 200
    assert len(page.query["consent_challenge"]) > 8192


def test_registering_from_the_challenge_login_page_ends_at_the_client(make_client) -> None:  # noqa: ANN001
    client = make_client("--skip-consent")
    browser = Browser()
    login_page = browser.open(authorize_url(client))
    link = re.search(r'href="(/registration\?[^"]+)"', login_page.text)
    assert link, "the login page links to registration"
    registration_page = browser.open(SITE + html.unescape(link.group(1)))
    email = unique_email()

    after = submit(browser, registration_page, "password", **{
        "traits.email": email, "traits.name.first": "Grace", "traits.name.last": "Hopper", "password": DEFAULT_PASSWORD,
    })
    if after.path == "/verification":  # Kratos asks to verify the address first, then continues
        after = submit(browser, after, "code", code=latest_code(email))
        link = BeautifulSoup(after.text, "html.parser").select_one('[data-testid="node/a/continue"]')
        assert link is not None, after.text[:2000]
        after = browser.open(html.unescape(link["href"]))

    claims = verified_id_token_claims(exchange_code(client, after), client.id)
    assert claims["sub"] == str(ory.kratos_identities().list_identities(credentials_identifier=email)[0].id)
    assert (claims["amr"], claims["acr"]) == (["pwd"], "aal1")
