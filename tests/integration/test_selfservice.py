"""The self-service pages against the real Kratos, through Django's test client.

A `requests.Session` plays the browser's side at Kratos (creating flows, holding
Kratos's cookies); its cookies are then handed to the Django test client.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from bs4 import BeautifulSoup
from django.contrib.messages import get_messages
from django.test import Client, override_settings

from tests.support.kratos import browser_login, create_identity
from tests.support.stack import HYDRA_ADMIN, HYDRA_PUBLIC, KRATOS_PUBLIC, hydra_cli
from tests.support.throwaway import ThrowawayServer, spare_port

# The site's middleware links Kratos identities to Django users, and the
# restart guard keeps its count in the Django session.
pytestmark = pytest.mark.django_db


def kratos_flow(browser: requests.Session, flow_type: str, base: str = KRATOS_PUBLIC, **params: str) -> str:
    """Create a browser flow at Kratos as `browser`; return its id."""
    created = browser.get(f"{base}/self-service/{flow_type}/browser", params=params, allow_redirects=False, timeout=5)
    return parse_qs(urlparse(created.headers["Location"]).query)["flow"][0]


def client_with_cookies_of(browser: requests.Session) -> Client:
    """A Django test client on the site's own host (a return_to on it is ours),
    holding the browser's Kratos cookies."""
    client = Client(HTTP_HOST="127.0.0.1:8000")
    for cookie in browser.cookies:
        client.cookies[cookie.name] = cookie.value
    return client


def flash_messages(response) -> list[str]:  # noqa: ANN001 (test client response)
    return [str(m) for m in get_messages(response.wsgi_request)]


def query_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


# --- creating flows --------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "given", "forwarded"),
    [
        ("/login", {"return_to": "http://127.0.0.1:8000/x", "aal": "aal2", "refresh": "true", "via": "email"},
         {"return_to": ["http://127.0.0.1:8000/x"], "aal": ["aal2"], "refresh": ["true"], "via": ["email"]}),
        ("/registration", {"return_to": "http://127.0.0.1:8000/x", "after_verification_return_to": "http://127.0.0.1:8000/v"},
         {"return_to": ["http://127.0.0.1:8000/x"], "after_verification_return_to": ["http://127.0.0.1:8000/v"]}),
        # With the provider role, Kratos never gets the challenge: the flow returns to /login, which accepts it.
        ("/registration", {"return_to": "http://127.0.0.1:8000/x", "login_challenge": "abcdefgh12"},
         {"return_to": ["http://127.0.0.1:8000/login?login_challenge=abcdefgh12"]}),
        ("/recovery", {"login_challenge": "abcdefgh12"}, {"return_to": ["http://127.0.0.1:8000/login?login_challenge=abcdefgh12"]}),
        ("/registration", {"login_challenge": "undefined"}, {}),
        ("/recovery", {"return_to": "http://127.0.0.1:8000/x", "aal": "aal2"}, {"return_to": ["http://127.0.0.1:8000/x"]}),
        ("/verification", {"return_to": "http://127.0.0.1:8000/x", "refresh": "true"}, {"return_to": ["http://127.0.0.1:8000/x"]}),
    ],
)
def test_page_without_flow_redirects_to_kratos_forwarding_what_applies(page: str, given: dict, forwarded: dict) -> None:
    response = Client(HTTP_HOST="127.0.0.1:8000").get(page, given)

    assert response.status_code == 303
    flow_type = page.strip("/")
    assert response["Location"].startswith(f"{KRATOS_PUBLIC}/self-service/{flow_type}/browser")
    assert query_of(response["Location"]) == forwarded


def test_settings_without_a_session_sends_the_browser_to_sign_in_and_back() -> None:
    response = Client().get("/settings")

    assert response.status_code == 303
    assert response["Location"].startswith("/login?")
    assert query_of(response["Location"])["return_to"] == ["http://testserver/settings"]


# --- rendering flows ---------------------------------------------------------------


def test_login_flow_is_rendered_with_a_form_posting_to_kratos() -> None:
    browser = requests.Session()
    flow_id = kratos_flow(browser, "login", return_to="http://127.0.0.1:8000/after")

    response = client_with_cookies_of(browser).get("/login", {"flow": flow_id})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'action="{KRATOS_PUBLIC}/self-service/login?flow={flow_id}"' in html
    assert 'name="csrf_token"' in html and 'name="identifier"' in html and 'name="password"' in html
    # Cross links keep return_to.
    assert 'href="/registration?return_to=http%3A%2F%2F127.0.0.1%3A8000%2Fafter"' in html


def test_settings_flow_shows_profile_password_totp_and_backup_codes() -> None:
    browser = browser_login(create_identity())
    flow_id = kratos_flow(browser, "settings")

    response = client_with_cookies_of(browser).get("/settings", {"flow": flow_id})

    assert response.status_code == 200
    html = response.content.decode()
    for group in ("profile", "password", "totp", "lookup_secret"):
        assert f'data-testid="flow/form/{group}"' in html


@pytest.mark.parametrize("flow_id", ["not-a-uuid", str(uuid.uuid4())], ids=["garbage", "unknown"])
def test_garbage_or_unknown_flow_id_starts_a_new_flow_with_a_message(flow_id: str) -> None:
    response = Client().get("/login", {"flow": flow_id})

    assert response.status_code == 303
    assert response["Location"].startswith(f"{KRATOS_PUBLIC}/self-service/login/browser")
    assert flash_messages(response) == ["That page is no longer valid, so we started a new one. Please try again."]


@pytest.mark.parametrize("page", ["/login", "/settings"])
def test_non_ascii_ory_cookies_are_not_forwarded_and_the_page_answers_without_an_error(page: str) -> None:
    # What a WSGI server hands Django for UTF-8 bytes a browser sent (PEP 3333: latin-1).
    garbage = "jäger€".encode().decode("latin-1")
    client = Client(HTTP_COOKIE=f"ory_kratos_session={garbage}; csrf_token_x={garbage}", raise_request_exception=False)

    response = client.get(page, {"flow": str(uuid.uuid4())})

    assert response.status_code == 303


def test_someone_elses_flow_starts_a_new_flow_with_a_message() -> None:
    flow_id = kratos_flow(requests.Session(), "registration")

    response = Client().get("/registration", {"flow": flow_id})  # not the browser that made it: no CSRF cookie

    assert response.status_code == 303
    assert response["Location"].startswith(f"{KRATOS_PUBLIC}/self-service/registration/browser")
    assert "could not confirm that this page was opened in this browser" in flash_messages(response)[0]


def test_a_browser_that_keeps_losing_the_flow_gets_a_page_instead_of_a_redirect_loop() -> None:
    client = Client()
    statuses = [client.get("/login", {"flow": str(uuid.uuid4())}).status_code for _ in range(4)]

    assert statuses == [303, 303, 303, 400]


def test_settings_flow_without_the_session_sends_the_browser_to_sign_in() -> None:
    browser = browser_login(create_identity())
    flow_id = kratos_flow(browser, "settings")
    client = client_with_cookies_of(browser)
    del client.cookies["ory_kratos_session"]

    response = client.get("/settings", {"flow": flow_id})

    assert response.status_code == 303
    assert response["Location"] == "/login?return_to=http%3A%2F%2F127.0.0.1%3A8000%2Fsettings"


@pytest.fixture
def short_lived_kratos(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ThrowawayServer]:
    """A private Kratos whose login flows expire after one second."""
    monkeypatch.setenv("SELFSERVICE_FLOWS_LOGIN_LIFESPAN", "1s")
    server = ThrowawayServer("kratos", spare_port(), spare_port(), tmp_path / "kratos.log")
    server.start()
    with override_settings(ORYAUTH={"KRATOS_PUBLIC_URL": server.public_url}):
        yield server
    server.stop()


def test_expired_flow_starts_a_new_flow_with_a_message(short_lived_kratos: ThrowawayServer) -> None:
    browser = requests.Session()
    flow_id = kratos_flow(browser, "login", base=short_lived_kratos.public_url)
    wait_until_expired(browser, f"{short_lived_kratos.public_url}/self-service/login/flows?id={flow_id}")

    response = client_with_cookies_of(browser).get("/login", {"flow": flow_id})

    assert response.status_code == 303
    assert response["Location"].startswith(f"{short_lived_kratos.public_url}/self-service/login/browser")
    assert flash_messages(response) == ["That page expired before it was sent, so we started over. Please try again."]


def test_an_expired_flow_starts_over_keeping_where_the_browser_was_to_go_afterwards(
    short_lived_kratos: ThrowawayServer,
) -> None:
    browser = requests.Session()
    flow_id = kratos_flow(browser, "login", base=short_lived_kratos.public_url, return_to="http://127.0.0.1:8000/after")
    wait_until_expired(browser, f"{short_lived_kratos.public_url}/self-service/login/flows?id={flow_id}")

    # Kratos sends the browser back with ?flow= only: the return_to lives in the flow.
    response = client_with_cookies_of(browser).get("/login", {"flow": flow_id})

    assert response.status_code == 303
    assert response["Location"].startswith(f"{short_lived_kratos.public_url}/self-service/login/browser")
    assert query_of(response["Location"])["return_to"] == ["http://127.0.0.1:8000/after"]


def wait_until_expired(browser: requests.Session, flow_url: str, deadline: float = 10.0) -> None:
    import time

    until = time.monotonic() + deadline
    while browser.get(flow_url, headers={"Accept": "application/json"}, timeout=5).status_code != 410:
        assert time.monotonic() < until, "the flow did not expire"
        time.sleep(0.2)


# --- errors -------------------------------------------------------------------------


def test_kratos_error_for_a_foreign_return_to_is_explained_with_status_400() -> None:
    created = requests.get(f"{KRATOS_PUBLIC}/self-service/login/browser", params={"return_to": "http://evil.example/"},
                           allow_redirects=False, timeout=5)
    error_id = query_of(created.headers["Location"])["id"][0]

    response = Client().get("/error", {"id": error_id})

    assert response.status_code == 400
    html = response.content.decode()
    assert "not on the list of allowed addresses" in html
    assert "self_service_flow_return_to_forbidden" in html


@pytest.mark.parametrize("error_id", ["x' or 1=1", str(uuid.uuid4())], ids=["garbage", "unknown"])
def test_unknown_kratos_error_id_answers_404(error_id: str) -> None:
    response = Client().get("/error", {"id": error_id})
    assert response.status_code == 404
    assert b"could not find the details of this error" in response.content


@pytest.mark.parametrize(
    ("code", "status", "sentence"),
    [("access_denied", 403, "Access was denied."), ("invalid_client", 401, "is not known to the sign-in service"),
     ("invalid_request", 400, "made a request the sign-in service cannot accept"),
     ("something_new", 400, "The sign-in could not be completed.")],
)
def test_hydra_error_shows_a_sentence_then_the_code_with_a_matching_status(code: str, status: int, sentence: str) -> None:
    response = Client().get("/error", {"error": code, "error_description": "The <b>details</b>"})

    assert response.status_code == status
    html = response.content.decode()
    main = html[html.index("<main"):]  # the header's language switcher repeats the URL
    assert sentence in main
    assert main.index(sentence) < main.index(code)
    assert "The &lt;b&gt;details&lt;/b&gt;" in html


def test_error_page_without_an_error_answers_400() -> None:
    assert Client().get("/error").status_code == 400


# --- sign out -------------------------------------------------------------------------


def test_sign_out_is_post_only() -> None:
    assert Client().get("/signout").status_code == 405


def test_sign_out_without_django_csrf_token_is_refused() -> None:
    assert Client(enforce_csrf_checks=True).post("/signout").status_code == 403


def test_sign_out_redirects_to_kratos_logout_url_which_ends_the_session() -> None:
    browser = browser_login(create_identity())

    response = client_with_cookies_of(browser).post("/signout")

    assert response.status_code == 303
    assert response["Location"].startswith(f"{KRATOS_PUBLIC}/self-service/logout?token=")
    browser.get(response["Location"], allow_redirects=False, timeout=5)
    assert browser.get(f"{KRATOS_PUBLIC}/sessions/whoami", timeout=5).status_code == 401


def test_sign_out_without_a_session_just_goes_home() -> None:
    response = Client().post("/signout")
    assert (response.status_code, response["Location"]) == (303, "/")


# --- Kratos down ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", f"/login?flow={uuid.uuid4()}", f"/error?id={uuid.uuid4()}"])
def test_kratos_down_gives_a_503_page_with_a_retry_link(path: str) -> None:
    with override_settings(ORYAUTH={"KRATOS_PUBLIC_URL": "http://127.0.0.1:1", "HTTP_TIMEOUT": 1}):
        response = Client().get(path)

    assert response.status_code == 503
    assert b'data-testid="problem/retry"' in response.content


# --- OAuth2 context -------------------------------------------------------------------


def hydra_login_challenge() -> str:
    """Start an authorization request at Hydra; return the login challenge it
    would send the browser to /login with."""
    client = json.loads(hydra_cli(
        "create", "oauth2-client", "-e", HYDRA_ADMIN, "--format", "json", "--name", "selfservice test client",
        "--grant-type", "authorization_code", "--response-type", "code", "--scope", "openid",
        "--redirect-uri", "http://127.0.0.1:5555/callback",
    ))
    started = requests.get(f"{HYDRA_PUBLIC}/oauth2/auth", params={
        "client_id": client["client_id"], "response_type": "code", "scope": "openid",
        "redirect_uri": "http://127.0.0.1:5555/callback", "state": uuid.uuid4().hex,
    }, allow_redirects=False, timeout=5)
    return query_of(started.headers["Location"])["login_challenge"][0]


def test_cross_links_carry_the_oauth2_login_challenge_of_the_flow() -> None:
    challenge = hydra_login_challenge()
    back_to_challenge = "http://127.0.0.1:8000/login?" + urlencode({"login_challenge": challenge})
    browser = requests.Session()
    flow_id = kratos_flow(browser, "login", return_to=back_to_challenge)

    response = client_with_cookies_of(browser).get("/login", {"flow": flow_id})

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    for name in ("registration", "recovery"):
        link = soup.select_one(f'[data-testid="flow/link/{name}"]')["href"]
        assert query_of(link)["login_challenge"] == [challenge]
        assert query_of(link)["return_to"] == [back_to_challenge]
    for page in ("registration", "recovery"):
        started = client_with_cookies_of(browser).get(f"/{page}?login_challenge={challenge}")
        assert query_of(started["Location"]) == {"return_to": [back_to_challenge]}


def test_sign_out_with_kratos_down_gives_a_503_whose_retry_link_is_not_the_post_only_url() -> None:
    client = Client()
    client.cookies["ory_kratos_session"] = "any"
    with override_settings(ORYAUTH={"KRATOS_PUBLIC_URL": "http://127.0.0.1:1", "HTTP_TIMEOUT": 1}):
        response = client.post("/signout")

    assert response.status_code == 503
    retry = BeautifulSoup(response.content, "html.parser").select_one('[data-testid="problem/retry"]')
    assert retry["href"] == "/"


# --- hostile return_to (the attacker goes to Kratos directly) ---------------------


@pytest.mark.parametrize("hostile", ["javascript:alert(document.domain)", "https://evil.example/", "//evil.example",
                                     "data:text/html,<script>alert(1)</script>"])
def test_a_hostile_after_verification_return_to_never_becomes_the_skip_link(hostile: str) -> None:
    browser = requests.Session()
    flow_id = kratos_flow(browser, "registration", after_verification_return_to=hostile)
    flow = browser.get(f"{KRATOS_PUBLIC}/self-service/registration/flows", params={"id": flow_id}, timeout=5).json()
    csrf = next(n["attributes"]["value"] for n in flow["ui"]["nodes"] if n["attributes"].get("name") == "csrf_token")
    registered = browser.post(
        flow["ui"]["action"],
        data={"csrf_token": csrf, "method": "password", "traits.email": f"user-{uuid.uuid4().hex[:12]}@example.org",
              "traits.name.first": "Eve", "traits.name.last": "Attacker", "password": "a long and unguessable passphrase 42"},
        headers={"Accept": "application/json"}, timeout=10,
    )
    # Kratos v1.3 carries the unchecked value into the verification flow it starts.
    verification = next(c for c in registered.json()["continue_with"] if c["action"] == "show_verification_ui")
    verification_flow_id = verification["flow"]["id"]

    response = client_with_cookies_of(browser).get("/verification", {"flow": verification_flow_id})

    assert response.status_code == 200
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.select_one('[data-testid="flow/link/skip"]')["href"] == "/"
    assert hostile not in response.content.decode()
