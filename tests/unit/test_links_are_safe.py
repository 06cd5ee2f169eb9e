"""Every URL the portal puts in a page or a redirect goes through one check
(oryauth.redirects): a hostile `return_to` never becomes a link, a
`Location` or a parameter we forward to Kratos."""
from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.test import Client, RequestFactory

from oryauth.redirects import absolute_safe_url, is_kratos_url, safe_http_url, safe_url
from tests.unit.test_ui_nodes import node, recorded

FLOW_ID = "63b52066-e3c2-4a8c-ac0a-43790bf2cb66"

HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(document.domain)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "http://127.0.0.1:8000@evil.example/",
    "http://evil.example\\@127.0.0.1:8000/",
]

SAFE_URLS = [
    "/protected/?tab=1",
    "http://127.0.0.1:8000/protected/",
    "http://127.0.0.1:4444/oauth2/auth?client_id=x",  # Hydra, as Kratos sends it back with a login challenge
]


@pytest.fixture
def flow_with(monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201
    """Makes the portal's flow fetch return the recorded flow with `changes`."""
    from ory_client.models import RegistrationFlow, SettingsFlow, VerificationFlow

    models = {"verification": VerificationFlow, "registration": RegistrationFlow, "settings": SettingsFlow}

    def install(flow_type: str, **changes: Any) -> None:
        data = {**recorded(flow_type), **changes}
        monkeypatch.setattr("oryauth.portal.views.fetch_flow", lambda *a, **k: models[flow_type].from_dict(data))

    return install


def page(client: Client, path: str) -> BeautifulSoup:
    response = client.get(path, HTTP_HOST="127.0.0.1:8000")
    assert response.status_code == 200, response.content[:500]
    return BeautifulSoup(response.content, "html.parser")


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_verification_skip_link_never_carries_a_hostile_return_to(client: Client, flow_with, hostile: str) -> None:  # noqa: ANN001
    flow_with("verification", return_to=hostile)

    soup = page(client, f"/verification?flow={FLOW_ID}")

    skip = soup.select_one('[data-testid="flow/link/skip"]')
    assert skip is not None and skip["href"] == "/"
    assert hostile not in str(soup)


@pytest.mark.parametrize("safe", SAFE_URLS)
def test_verification_skip_link_keeps_a_return_to_on_this_site_or_ory(client: Client, flow_with, safe: str) -> None:  # noqa: ANN001
    flow_with("verification", return_to=safe)

    assert page(client, f"/verification?flow={FLOW_ID}").select_one('[data-testid="flow/link/skip"]')["href"] == safe


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_cross_links_between_flows_drop_a_hostile_return_to(client: Client, flow_with, hostile: str) -> None:  # noqa: ANN001
    flow_with("registration", return_to=hostile)

    soup = page(client, f"/registration?flow={FLOW_ID}")

    login_link = soup.select_one('[data-testid="flow/link/login"]')["href"]
    assert "return_to" not in parse_qs(urlsplit(login_link).query)


@pytest.mark.parametrize("flow_type", ["registration", "verification", "login", "recovery", "settings"])
@pytest.mark.parametrize("parameter", ["return_to", "after_verification_return_to"])
@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_a_hostile_return_to_is_never_forwarded_to_kratos(
    client: Client, monkeypatch: pytest.MonkeyPatch, flow_type: str, parameter: str, hostile: str
) -> None:
    monkeypatch.setattr("oryauth.ory.get_json", lambda *a, **k: {})  # Kratos's health check
    # settings asks for a session first; a cookie is enough to reach Kratos.
    client.cookies["ory_kratos_session"] = "x"

    response = client.get(f"/{flow_type}", {parameter: hostile})

    assert response.status_code == 303
    forwarded = parse_qs(urlsplit(response["Location"]).query)
    assert parameter not in forwarded


def test_a_relative_return_to_is_forwarded_to_kratos_as_an_absolute_url_on_this_site(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("oryauth.ory.get_json", lambda *a, **k: {})

    response = client.get("/registration", {"after_verification_return_to": "/protected/"}, HTTP_HOST="127.0.0.1:8000")

    forwarded = parse_qs(urlsplit(response["Location"]).query)
    assert forwarded["after_verification_return_to"] == ["http://127.0.0.1:8000/protected/"]


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_a_link_node_with_a_hostile_href_is_not_a_link(client: Client, flow_with, hostile: str) -> None:  # noqa: ANN001
    settings_flow = recorded("settings")
    nodes = settings_flow["ui"]["nodes"] + [
        node("continue", group="default", node_type="a", href=hostile, id="continue",
             title={"id": 1070009, "text": "Continue", "type": "info"})
    ]
    flow_with("settings", ui={**settings_flow["ui"], "nodes": nodes})
    client.cookies["ory_kratos_session"] = "x"

    soup = page(client, f"/settings?flow={FLOW_ID}")

    assert soup.select_one('[data-testid="node/a/continue"]').get("href") is None
    assert hostile not in str(soup)


def test_a_form_that_would_post_somewhere_other_than_kratos_is_not_rendered(client: Client, flow_with) -> None:  # noqa: ANN001
    registration = recorded("registration")
    flow_with("registration", ui={**registration["ui"], "action": "https://evil.example/collect"})

    response = client.get(f"/registration?flow={FLOW_ID}")

    assert response.status_code == 502
    assert b"evil.example" not in response.content
    assert b"<form" not in response.content or b'action="https://evil' not in response.content


@pytest.mark.parametrize("hostile", HOSTILE_URLS)
def test_the_checks_refuse_hostile_urls(hostile: str) -> None:
    request = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8000")
    assert safe_url(request, hostile) == ""
    assert absolute_safe_url(request, hostile) == ""
    assert not is_kratos_url(hostile)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("https://notes.example/privacy", "https://notes.example/privacy"),
        ("javascript:alert(1)", None),
        ("data:text/html,x", None),
        ("//notes.example/", None),
        ("https:///notes.example", None),
        ("http://[::1", None),
        ("", None),
    ],
)
def test_client_registered_urls_must_be_absolute_http(value: str, expected: str | None) -> None:
    assert safe_http_url(value) == expected


def test_kratos_urls_are_recognised_by_scheme_and_host() -> None:
    assert is_kratos_url("http://127.0.0.1:4433/self-service/login?flow=1")
    assert not is_kratos_url("http://127.0.0.1:4433@evil.example/self-service/login")
    assert not is_kratos_url("https://127.0.0.1:4433/self-service/login")


CHALLENGE = "abc12345challenge"
LOGIN_REQUEST = {"challenge": CHALLENGE, "request_url": "http://127.0.0.1:4444/oauth2/auth", "skip": False, "subject": "",
                 "client": {"client_id": "notes-app", "client_name": "Notes"}}


def login_page_for(client: Client, monkeypatch: pytest.MonkeyPatch, **client_fields: str) -> BeautifulSoup:
    """The login page of a Kratos flow returning to a login challenge of a
    client with `client_fields` (Hydra stubbed at the oryauth.ory boundary)."""
    from types import SimpleNamespace

    from ory_client.models import LoginFlow, OAuth2LoginRequest

    login_request = OAuth2LoginRequest.from_dict({**LOGIN_REQUEST, "client": {**LOGIN_REQUEST["client"], **client_fields}})
    flow = LoginFlow.from_dict({**recorded("login"), "return_to": f"http://127.0.0.1:8000/login?login_challenge={CHALLENGE}"})
    monkeypatch.setattr("oryauth.portal.views.fetch_flow", lambda *a, **k: flow)
    asked: list[str] = []
    monkeypatch.setattr("oryauth.ory.hydra_admin", lambda: SimpleNamespace(
        get_o_auth2_login_request=lambda challenge: asked.append(challenge) or login_request))

    soup = page(client, f"/login?flow={FLOW_ID}")
    assert asked == [CHALLENGE]
    return soup


def test_the_login_page_names_the_application_and_shows_its_logo(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    soup = login_page_for(client, monkeypatch, logo_uri="https://notes.example/logo.png")

    assert soup.select_one('[data-testid="flow/requesting-client"]').get_text(" ", strip=True) == "To continue to Notes"
    logo = soup.select_one('[data-testid="flow/requesting-client-logo"]')
    assert logo["src"] == "https://notes.example/logo.png"
    # A fixed size (a huge image cannot push the form away), no Referer to the
    # logo's host, and an empty alt: the name is written right next to it.
    assert (logo["width"], logo["height"], logo["alt"], logo["referrerpolicy"]) == ("48", "48", "", "no-referrer")


@pytest.mark.parametrize("logo", ["javascript:alert(1)", "data:image/svg+xml,<svg onload=alert(1)>", "//evil.example/x.png",
                                  "ftp://notes.example/logo.png", "https:///logo.png", "http://[::1"])
def test_a_clients_logo_that_is_not_an_http_url_is_not_shown(client: Client, monkeypatch: pytest.MonkeyPatch, logo: str) -> None:
    soup = login_page_for(client, monkeypatch, logo_uri=logo)

    assert soup.select_one('[data-testid="flow/requesting-client"]') is not None
    assert soup.select_one('[data-testid="flow/requesting-client-logo"]') is None


def test_a_logo_url_cannot_break_out_of_its_attribute(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    hostile = 'https://evil.example/x.png" onerror="alert(1)'
    soup = login_page_for(client, monkeypatch, logo_uri=hostile, client_name="<script>alert(1)</script>")

    logo = soup.select_one('[data-testid="flow/requesting-client-logo"]')
    assert logo is None or logo.get("onerror") is None
    assert soup.find("script", string="alert(1)") is None


def test_a_plain_sign_in_names_no_application(client: Client, flow_with) -> None:  # noqa: ANN001
    flow_with("registration")

    assert page(client, f"/registration?flow={FLOW_ID}").select_one('[data-testid="flow/requesting-client"]') is None
