"""`/sessions` against the real Kratos and Hydra: a person's devices and the
applications they let in, each ended with a CSRF-protected POST.

Each "browser" is a `requests.Session` holding its own Kratos cookie (from
its own Kratos login) and a Django test client carrying that cookie."""
from __future__ import annotations

import re

import pytest
import requests
from django.test import Client

from oryauth import ory
from tests.support.kratos import TestIdentity, browser_login, create_identity
from tests.support.oauth_flows import (
    Browser,
    authorize_url,
    exchange_code,
    introspect,
    make_client,  # noqa: F401 (fixture)
)
from tests.support.stack import HYDRA_PUBLIC

pytestmark = pytest.mark.django_db


def site_for(browser: requests.Session, **kwargs: object) -> Client:
    client = Client(HTTP_HOST="127.0.0.1:8000", **kwargs)
    for cookie in browser.cookies:
        client.cookies[cookie.name] = cookie.value
    return client


def kratos_session_id(browser: requests.Session) -> str:
    session = ory.whoami(cookie=f"ory_kratos_session={browser.cookies['ory_kratos_session']}")
    assert session is not None
    return str(session.id)


def whoami_of(browser: requests.Session) -> object:
    return ory.whoami(cookie=f"ory_kratos_session={browser.cookies['ory_kratos_session']}")


def flash(response) -> list[str]:  # noqa: ANN001 (test client response)
    from django.contrib.messages import get_messages

    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def person() -> TestIdentity:
    return create_identity(first_name="Grace", last_name="Hopper")


def test_the_page_shows_this_session_how_it_was_signed_in_and_the_other_devices(person: TestIdentity) -> None:
    laptop, phone = browser_login(person), browser_login(person)
    phone_id = kratos_session_id(phone)

    page = site_for(laptop).get("/sessions")

    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="sessions/current/method/password"' in html
    assert "Password, " in html  # the method and when it was completed
    assert "One factor (AAL1)" in html
    assert re.search(r'data-testid="sessions/current/expires">[^<—]+<', html)
    assert re.search(r"IP 127\.0\.0\.1(?![:\d])", html)  # without the port Kratos records
    assert "python-requests" in html
    assert f'data-testid="sessions/other/{phone_id}"' in html
    assert f'data-testid="sessions/other/{kratos_session_id(laptop)}"' not in html  # not listed as "other"
    assert 'data-testid="sessions/end-others"' in html
    assert 'data-testid="sessions/grants"' in html  # the demo site is the provider too


def test_signing_out_another_device_makes_its_next_request_anonymous(person: TestIdentity) -> None:
    laptop, phone = browser_login(person), browser_login(person)
    phone_site = site_for(phone)
    assert phone_site.get("/").context["user"].is_authenticated  # this site has now cached the phone's session

    answer = site_for(laptop).post("/sessions/end", {"session_id": kratos_session_id(phone)})

    assert answer.status_code == 303 and answer["Location"] == "/sessions"
    assert flash(answer) == ["That device is signed out."]
    assert whoami_of(phone) is None
    assert not phone_site.get("/").context["user"].is_authenticated  # not served from the cache
    assert whoami_of(laptop) is not None
    assert site_for(laptop).get("/").context["user"].is_authenticated


def test_signing_out_all_other_devices_keeps_this_one(person: TestIdentity) -> None:
    laptop, phone, tablet = browser_login(person), browser_login(person), browser_login(person)
    for other in (phone, tablet):
        assert site_for(other).get("/").context["user"].is_authenticated

    answer = site_for(laptop).post("/sessions/end-others")

    assert flash(answer) == ["2 other devices are signed out."]
    assert whoami_of(phone) is None and whoami_of(tablet) is None
    assert not site_for(phone).get("/").context["user"].is_authenticated
    assert not site_for(tablet).get("/").context["user"].is_authenticated
    assert whoami_of(laptop) is not None
    assert 'data-testid="sessions/no-others"' in site_for(laptop).get("/sessions").content.decode()
    assert flash(site_for(laptop).post("/sessions/end-others")) == ["You were not signed in on any other device."]


@pytest.mark.parametrize("which", ["already_ended", "not_an_id", "someone_elses"])
def test_a_session_that_is_not_there_is_said_so(person: TestIdentity, which: str) -> None:
    laptop, phone = browser_login(person), browser_login(person)
    stranger = browser_login(create_identity())
    session_id = {"not_an_id": "nonsense", "someone_elses": kratos_session_id(stranger)}.get(which) or kratos_session_id(phone)
    if which == "already_ended":
        site_for(laptop).post("/sessions/end", {"session_id": session_id})

    answer = site_for(laptop).post("/sessions/end", {"session_id": session_id})

    assert answer.status_code == 303
    assert flash(answer) == ["That session had already ended: there was nothing to sign out."]
    if which == "someone_elses":
        assert whoami_of(stranger) is not None


def test_this_devices_own_session_is_not_ended_from_the_list(person: TestIdentity) -> None:
    laptop = browser_login(person)
    answer = site_for(laptop).post("/sessions/end", {"session_id": kratos_session_id(laptop)})
    assert "use “Sign out”" in flash(answer)[0]
    assert whoami_of(laptop) is not None


@pytest.mark.parametrize("path", ["/sessions/end", "/sessions/end-others", "/sessions/revoke"])
def test_every_action_needs_the_csrf_token(person: TestIdentity, path: str) -> None:
    laptop, phone = browser_login(person), browser_login(person)
    answer = site_for(laptop, enforce_csrf_checks=True).post(path, {"session_id": kratos_session_id(phone)})
    assert answer.status_code == 403
    assert whoami_of(phone) is not None


@pytest.mark.parametrize(("method", "path"), [("get", "/sessions"), ("post", "/sessions/end"),
                                              ("post", "/sessions/end-others"), ("post", "/sessions/revoke")])
def test_without_a_session_the_browser_signs_in_first_and_comes_back(method: str, path: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1:8000")
    client.cookies["ory_kratos_session"] = "ended-or-forged"
    for site in (Client(HTTP_HOST="127.0.0.1:8000"), client):
        answer = getattr(site, method)(path)
        assert answer.status_code == 303
        assert answer["Location"] == "/login?return_to=http%3A%2F%2F127.0.0.1%3A8000%2Fsessions"


def test_the_actions_are_post_only(person: TestIdentity) -> None:
    laptop = site_for(browser_login(person))
    for path in ("/sessions/end", "/sessions/end-others", "/sessions/revoke"):
        assert laptop.get(path).status_code == 405
    assert laptop.post("/sessions").status_code == 405


# --- grants ------------------------------------------------------------------------------


def granted_tokens(person: TestIdentity, client) -> tuple[requests.Session, dict]:  # noqa: ANN001
    """Sign in at Kratos, allow `client` on the provider's consent page; the tokens."""
    kratos = browser_login(person)
    browser = Browser(kratos)
    page = browser.open(authorize_url(client, scope="openid offline email"))
    assert page.path == "/consent", page.url
    callback = browser.submit(page, action="allow", scope=["openid", "offline", "email"])
    return kratos, exchange_code(client, callback)


def refresh_answer(client, refresh_token: str) -> requests.Response:  # noqa: ANN001
    return requests.post(f"{HYDRA_PUBLIC}/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token},
                         auth=(client.id, client.secret), timeout=10)


def test_the_page_lists_each_application_once_with_its_scopes(person: TestIdentity, make_client) -> None:  # noqa: ANN001
    client = make_client(name="Difference Engine Notes")
    kratos, _ = granted_tokens(person, client)
    granted_tokens(person, client)  # a second authorization: still one application

    html = site_for(kratos).get("/sessions").content.decode()

    assert html.count(f'data-testid="sessions/grant/{client.id}"') == 1
    assert "Difference Engine Notes" in html
    for scope in ("openid", "offline", "email"):
        assert f"<code>{scope}</code>" in html
    assert "Allowed " in html


def test_revoking_access_stops_the_refresh_token_and_the_access_token(person: TestIdentity, make_client) -> None:  # noqa: ANN001
    client, other_client = make_client(name="Revoked app"), make_client(name="Kept app")
    kratos, tokens = granted_tokens(person, client)
    _, kept = granted_tokens(person, other_client)

    answer = site_for(kratos).post("/sessions/revoke", {"client_id": client.id})

    assert flash(answer) == ["Revoked app can no longer access your account."]
    refused = refresh_answer(client, tokens["refresh_token"])
    assert refused.status_code in (400, 401), refused.text
    assert refused.json()["error"] in ("invalid_grant", "token_inactive")
    assert introspect(tokens["access_token"])["active"] is False
    html = site_for(kratos).get("/sessions").content.decode()
    assert f"sessions/grant/{client.id}" not in html
    assert f"sessions/grant/{other_client.id}" in html
    assert refresh_answer(other_client, kept["refresh_token"]).status_code == 200  # only that client lost access


def test_revoking_a_grant_that_is_gone_is_said_so(person: TestIdentity, make_client) -> None:  # noqa: ANN001
    client = make_client()
    kratos, _ = granted_tokens(person, client)
    site_for(kratos).post("/sessions/revoke", {"client_id": client.id})

    for client_id in (client.id, "no-such-client", ""):
        answer = site_for(kratos).post("/sessions/revoke", {"client_id": client_id})
        assert answer.status_code == 303
        assert flash(answer) == ["That application had no access to your account any more: there was nothing to revoke."]


def test_another_persons_grant_cannot_be_revoked(person: TestIdentity, make_client) -> None:  # noqa: ANN001
    client = make_client()
    _, tokens = granted_tokens(person, client)
    stranger = browser_login(create_identity())

    site_for(stranger).post("/sessions/revoke", {"client_id": client.id})

    assert refresh_answer(client, tokens["refresh_token"]).status_code == 200


# --- Ory down, no provider ---------------------------------------------------------------


@pytest.mark.parametrize("down", ["KRATOS_PUBLIC_URL", "HYDRA_ADMIN_URL"])
def test_kratos_or_hydra_down_is_the_503_page(person: TestIdentity, down: str) -> None:
    from django.conf import settings
    from django.test import override_settings

    from tests.support.throwaway import spare_port

    laptop = site_for(browser_login(person))
    with override_settings(ORYAUTH={**settings.ORYAUTH, down: f"http://127.0.0.1:{spare_port()}", "HTTP_TIMEOUT": 2}):
        page = laptop.get("/sessions")
        assert page.status_code == 503
        assert "Sign-in service unavailable" in page.content.decode() or "unavailable" in page.content.decode().lower()
        if down == "KRATOS_PUBLIC_URL":
            assert laptop.post("/sessions/end-others").status_code == 503


def test_without_the_provider_role_the_applications_section_is_absent(person: TestIdentity, monkeypatch) -> None:  # noqa: ANN001
    from oryauth.portal import sessions

    monkeypatch.setattr(sessions, "grants_are_shown", lambda: False)
    laptop = site_for(browser_login(person))

    assert 'data-testid="sessions/grants"' not in laptop.get("/sessions").content.decode()
    assert laptop.post("/sessions/revoke", {"client_id": "x"}).status_code == 404
