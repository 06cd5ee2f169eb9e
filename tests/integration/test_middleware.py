"""The middleware turns every kind of Ory credential into request.user and
request.ory, against the real Kratos and Hydra, asking them once per
credential and cache period."""
from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from ory_client.api.o_auth2_api import OAuth2Api
from ory_client.models import AcceptOAuth2ConsentRequest, AcceptOAuth2LoginRequest, OAuth2Client

from oryauth import ory
from oryauth.conf import oryauth_settings
from oryauth.models import IdentityLink
from oryauth.resolution import forget_credentials_of
from tests.support.kratos import TestIdentity as KratosIdentity
from tests.support.kratos import browser_login, create_identity
from tests.support.stack import HYDRA_PUBLIC, KRATOS_PUBLIC

pytestmark = pytest.mark.django_db


# --- Getting real credentials ------------------------------------------------------


def api_session_token(identity: KratosIdentity, kratos_public: str = KRATOS_PUBLIC) -> str:
    """A Kratos session token from an API (non-browser) login flow."""
    flow = requests.get(f"{kratos_public}/self-service/login/api", timeout=5).json()
    answer = requests.post(
        flow["ui"]["action"],
        json={"method": "password", "identifier": identity.email, "password": identity.password},
        timeout=10,
    )
    answer.raise_for_status()
    return answer.json()["session_token"]


def cookie_of(identity: KratosIdentity) -> str:
    return browser_login(identity).cookies["ory_kratos_session"]


def new_client(**fields: Any) -> OAuth2Client:
    return ory.hydra_admin().create_o_auth2_client(
        OAuth2Client(client_name=f"middleware test {uuid.uuid4().hex[:6]}", token_endpoint_auth_method="client_secret_basic", **fields)
    )


# The audience the demo site's API takes (ORYAUTH["ACCESS_TOKEN_AUDIENCE"]).
API_AUDIENCE = "http://127.0.0.1:8000/api/"


def client_credentials_token(
    scope: str = "read write", audience: str = API_AUDIENCE, allowed: str = "read write", **client_fields: Any
) -> tuple[OAuth2Client, str]:
    """A client allowed `allowed` scopes (and `client_fields`, e.g.
    access_token_strategy="jwt"), and a client_credentials token for `scope`."""
    client = new_client(grant_types=["client_credentials"], scope=allowed, audience=[audience] if audience else [], **client_fields)
    form = {"grant_type": "client_credentials", "scope": scope} | ({"audience": audience} if audience else {})
    answer = requests.post(f"{HYDRA_PUBLIC}/oauth2/token", data=form, auth=(client.client_id, client.client_secret), timeout=5)
    answer.raise_for_status()
    return client, answer.json()["access_token"]


REDIRECT_URI = "http://127.0.0.1:5599/callback"  # never opened: we read the code off the redirect


def authorization_code_tokens(
    identity: KratosIdentity, scopes: tuple[str, ...] = ("openid", "offline_access", "read"), audience: str = API_AUDIENCE,
    **client_fields: Any,
) -> dict[str, Any]:
    """Tokens from a real authorization-code flow at Hydra, with the login and
    consent challenges accepted through Hydra's admin API for `identity`
    (for `audience`; "" asks for none), by a client with `client_fields`."""
    audiences = [audience] if audience else []
    client = new_client(
        grant_types=["authorization_code", "refresh_token"], response_types=["code"],
        scope=" ".join(scopes), redirect_uris=[REDIRECT_URI], audience=audiences, **client_fields,
    )
    browser = requests.Session()

    def next_location(url: str) -> str:
        answer = browser.get(url, allow_redirects=False, timeout=5)
        assert answer.status_code in (302, 303), answer.text[:300]
        return answer.headers["Location"]

    query = {"client_id": client.client_id, "response_type": "code", "scope": " ".join(scopes),
             "redirect_uri": REDIRECT_URI, "state": uuid.uuid4().hex} | ({"audience": audience} if audience else {})
    login_url = next_location(f"{HYDRA_PUBLIC}/oauth2/auth?" + requests.compat.urlencode(query))
    login_challenge = parse_qs(urlsplit(login_url).query)["login_challenge"][0]
    accepted = ory.hydra_admin().accept_o_auth2_login_request(login_challenge, AcceptOAuth2LoginRequest(subject=identity.id))
    consent_url = next_location(accepted.redirect_to)
    consent_challenge = parse_qs(urlsplit(consent_url).query)["consent_challenge"][0]
    accepted = ory.hydra_admin().accept_o_auth2_consent_request(
        consent_challenge, AcceptOAuth2ConsentRequest(grant_scope=list(scopes), grant_access_token_audience=audiences)
    )
    callback = next_location(accepted.redirect_to)
    code = parse_qs(urlsplit(callback).query)["code"][0]
    answer = requests.post(
        f"{HYDRA_PUBLIC}/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(client.client_id, client.client_secret), timeout=5,
    )
    answer.raise_for_status()
    return answer.json() | {"client": client}


# --- Counting calls to Ory -------------------------------------------------------------


@dataclass
class UpstreamCalls:
    """Counts the real calls made to Kratos whoami and Hydra introspection."""

    whoami: int = 0
    introspect: int = 0

    @property
    def total(self) -> int:
        return self.whoami + self.introspect

    def install(self, setattr_: Callable[[Any, str, Any], None] = setattr) -> UpstreamCalls:
        """Wrap the two calls (pass monkeypatch.setattr to undo it after a test)."""
        real_whoami, real_introspect = ory.whoami, OAuth2Api.introspect_o_auth2_token

        def whoami(**kwargs: Any) -> Any:
            self.whoami += 1
            return real_whoami(**kwargs)

        def introspect(api: OAuth2Api, *args: Any, **kwargs: Any) -> Any:
            self.introspect += 1
            return real_introspect(api, *args, **kwargs)

        setattr_(ory, "whoami", whoami)
        setattr_(OAuth2Api, "introspect_o_auth2_token", introspect)
        return self


@pytest.fixture
def upstream(monkeypatch: pytest.MonkeyPatch) -> UpstreamCalls:
    return UpstreamCalls().install(monkeypatch.setattr)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def identity() -> KratosIdentity:
    return create_identity(first_name="Grace", last_name="Hopper")


def me(client: Client | None = None, **headers: str) -> Any:
    return (client or Client()).get("/api/me/", **headers)


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def client_with_cookie(value: str) -> Client:
    client = Client()
    client.cookies["ory_kratos_session"] = value
    return client


def poll_until(condition: Callable[[], bool], deadline: float = 10.0) -> None:
    until = time.monotonic() + deadline
    while not condition():
        assert time.monotonic() < until, "condition not met before the deadline"
        time.sleep(0.1)


# --- Every credential kind ---------------------------------------------------------------


def test_cookie_from_a_browser_login_signs_the_person_in(identity: KratosIdentity) -> None:
    response = me(client_with_cookie(cookie_of(identity)))

    assert response.status_code == 200
    body = response.json()
    assert body["authenticated_via"] == "session_cookie"
    assert body["identity_id"] == identity.id
    assert body["user"]["email"] == identity.email
    assert body["aal"] == "aal1"
    link = IdentityLink.objects.get(subject=identity.id)
    assert link.user.get_username() == body["user"]["username"]
    assert (link.user.first_name, link.user.last_name) == ("Grace", "Hopper")


@pytest.mark.parametrize("header", ["HTTP_AUTHORIZATION", "HTTP_X_SESSION_TOKEN"])
def test_session_token_from_an_api_login_signs_the_person_in(identity: KratosIdentity, header: str) -> None:
    token = api_session_token(identity)
    assert token.startswith("ory_st_")  # the prefix the middleware relies on
    value = f"Bearer {token}" if header == "HTTP_AUTHORIZATION" else token

    body = me(**{header: value}).json()

    assert body["authenticated_via"] == "session_token"
    assert body["identity_id"] == identity.id
    assert body["user"]["email"] == identity.email


def test_client_credentials_token_is_an_authenticated_machine_without_a_user() -> None:
    client, token = client_credentials_token(scope="read")
    assert token.startswith("ory_at_")  # Hydra's opaque access tokens

    response = me(**bearer(token))

    assert response.status_code == 200
    assert response.json() | {"expires_at": None} == {
        "authenticated_via": "access_token", "user": None, "identity_id": None,
        "client_id": client.client_id, "scopes": ["read"], "aal": None, "expires_at": None,
    }
    assert get_user_model().objects.count() == 0


def test_authorization_code_token_is_the_same_django_user_as_the_persons_cookie(identity: KratosIdentity) -> None:
    by_cookie = me(client_with_cookie(cookie_of(identity))).json()
    tokens = authorization_code_tokens(identity)

    by_token = me(**bearer(tokens["access_token"])).json()

    assert by_token["authenticated_via"] == "access_token"
    assert by_token["identity_id"] == identity.id
    assert by_token["user"] == by_cookie["user"]
    assert by_token["client_id"] == tokens["client"].client_id
    assert by_token["scopes"] == ["offline_access", "openid", "read"]


def test_authorization_code_token_provisions_a_person_seen_for_the_first_time(identity: KratosIdentity) -> None:
    tokens = authorization_code_tokens(identity)

    body = me(**bearer(tokens["access_token"])).json()

    assert body["user"]["email"] == identity.email
    assert IdentityLink.objects.filter(subject=identity.id).count() == 1


def test_refresh_token_presented_as_bearer_is_refused(identity: KratosIdentity) -> None:
    tokens = authorization_code_tokens(identity)

    response = me(**bearer(tokens["refresh_token"]))

    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_access_token_issued_to_another_client_without_our_audience_is_refused_by_the_demo_api(identity: KratosIdentity) -> None:
    tokens = authorization_code_tokens(identity, scopes=("openid",), audience="")

    assert me(**bearer(tokens["access_token"])).status_code == 401


@pytest.fixture
def staff_identity(identity: KratosIdentity) -> KratosIdentity:
    """A person whose Django user (linked on their first cookie visit) is a superuser."""
    assert me(client_with_cookie(cookie_of(identity))).status_code == 200
    get_user_model().objects.filter(ory_identities__subject=identity.id).update(is_staff=True, is_superuser=True)
    return identity


@pytest.mark.parametrize("audience", ["", API_AUDIENCE])
def test_a_bearer_token_never_opens_the_django_admin(staff_identity: KratosIdentity, audience: str) -> None:
    token = authorization_code_tokens(staff_identity, scopes=("openid",), audience=audience)["access_token"]
    client = Client(enforce_csrf_checks=True)

    index = client.get("/admin/", **bearer(token))
    change = client.post("/admin/auth/user/add/", {"username": "intruder", "password1": "x" * 20, "password2": "x" * 20},
                         **bearer(token))

    assert index.status_code == 302 and "/admin/login/" in index["Location"]
    assert change.status_code in (302, 403)
    assert not get_user_model().objects.filter(username="intruder").exists()


def test_a_session_token_never_opens_the_django_admin(staff_identity: KratosIdentity) -> None:
    token = api_session_token(staff_identity)

    for headers in (bearer(token), {"HTTP_X_SESSION_TOKEN": token}):
        response = Client().get("/admin/", **headers)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_staff_persons_cookie_still_opens_the_django_admin(staff_identity: KratosIdentity) -> None:
    assert client_with_cookie(cookie_of(staff_identity)).get("/admin/").status_code == 200


def test_access_token_for_another_audience_is_refused() -> None:
    _, token = client_credentials_token(scope="read", audience="https://other-api.example.org")
    with override_settings(ORYAUTH={"ACCESS_TOKEN_AUDIENCE": ["https://our-api.example.org"]}):
        assert me(**bearer(token)).status_code == 401


def test_access_token_for_our_audience_is_accepted() -> None:
    _, token = client_credentials_token(scope="read", audience="https://our-api.example.org")
    with override_settings(ORYAUTH={"ACCESS_TOKEN_AUDIENCE": "https://our-api.example.org"}):
        assert me(**bearer(token)).status_code == 200


# --- One call per credential ----------------------------------------------------------------


def test_each_new_credential_costs_exactly_one_call_and_then_none(identity: KratosIdentity, upstream: UpstreamCalls) -> None:
    cookie = client_with_cookie(cookie_of(identity))
    session_token = api_session_token(identity)
    _, access_token = client_credentials_token()
    requests_by_kind = [
        lambda: me(cookie),
        lambda: me(**bearer(session_token)),
        lambda: me(**bearer(access_token)),
    ]

    for number, send in enumerate(requests_by_kind, start=1):
        assert send().status_code == 200
        assert upstream.total == number  # cold: one call
        for _ in range(20):
            assert send().status_code == 200
        assert upstream.total == number  # warm: none

    assert (upstream.whoami, upstream.introspect) == (2, 1)


def test_concurrent_requests_with_the_same_credential_make_one_upstream_call(
    identity: KratosIdentity, upstream: UpstreamCalls, transactional_db: None
) -> None:
    token = api_session_token(identity)

    def request_in_thread(_: int) -> int:
        try:
            return me(**bearer(token)).status_code
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(request_in_thread, range(32)))

    assert statuses == [200] * 32
    assert upstream.whoami == 1


def test_rejected_credentials_are_remembered_briefly(upstream: UpstreamCalls) -> None:
    token = "ory_st_" + "x" * 32
    for _ in range(5):
        assert me(**bearer(token)).status_code == 401
    assert upstream.whoami == 1


def test_the_cache_holds_a_hash_of_the_credential_never_the_credential(identity: KratosIdentity) -> None:
    token = api_session_token(identity)
    me(**bearer(token))

    stored = _raw_cache_entries(caches["default"])
    keys = [key for key in stored if "oryauth:caller:" in key]
    assert keys and all(token not in key for key in keys)
    assert any(key.endswith(hashlib.sha256(f"session_token\0{token}".encode()).hexdigest()) for key in keys)
    assert all(token.encode() not in value for value in stored.values())


def _raw_cache_entries(cache: Any) -> dict[str, bytes]:
    """Every key and stored value (as bytes) of the local-memory cache (default
    profile) or of Redis (production profile)."""
    if isinstance(cache, RedisCache):  # read Redis itself
        client = cache._cache.get_client()
        return {key.decode(): client.get(key) or b"" for key in client.scan_iter()}
    return dict(cache._cache)


# --- Revocation -------------------------------------------------------------------------------


def test_revoked_session_becomes_anonymous_once_the_cache_period_is_over(identity: KratosIdentity) -> None:
    token = api_session_token(identity)
    with override_settings(ORYAUTH={"SESSION_CACHE_TTL": 1, "NEGATIVE_CACHE_TTL": 1}):
        assert me(**bearer(token)).status_code == 200
        ory.kratos_identities().disable_session(_session_id(token))

        poll_until(lambda: me(**bearer(token)).status_code == 401, deadline=5)


def test_revoked_access_token_becomes_anonymous_once_the_cache_period_is_over() -> None:
    client, token = client_credentials_token()
    with override_settings(ORYAUTH={"SESSION_CACHE_TTL": 1, "NEGATIVE_CACHE_TTL": 1}):
        assert me(**bearer(token)).status_code == 200
        ory.hydra_admin().delete_o_auth2_token(client.client_id)

        poll_until(lambda: me(**bearer(token)).status_code == 401, deadline=5)


def test_a_revoked_session_is_still_served_from_the_cache_within_the_cache_period(identity: KratosIdentity) -> None:
    token = api_session_token(identity)
    assert me(**bearer(token)).status_code == 200
    ory.kratos_identities().disable_session(_session_id(token))

    # Documented trade-off: SESSION_CACHE_TTL (60 s here) bounds how long.
    assert me(**bearer(token)).status_code == 200


def test_forgetting_the_credentials_of_a_signing_out_request_takes_effect_at_once(identity: KratosIdentity) -> None:
    cookie = cookie_of(identity)
    browser = client_with_cookie(cookie)
    assert me(browser).status_code == 200
    ory.kratos_identities().disable_session(_session_id_of_cookie(cookie))

    signing_out = RequestFactory().get("/signout")
    signing_out.COOKIES["ory_kratos_session"] = cookie
    forget_credentials_of(signing_out)

    assert me(browser).status_code == 401


def _session_id(token: str) -> str:
    session = ory.whoami(session_token=token)
    assert session is not None
    return str(session.id)


def _session_id_of_cookie(cookie: str) -> str:
    session = ory.whoami(cookie=f"ory_kratos_session={cookie}")
    assert session is not None
    return str(session.id)


# --- Bad input ----------------------------------------------------------------------------------

BAD_VALUES = {
    "wrong session token": "ory_st_" + "A" * 32,
    "wrong access token": "ory_at_" + "A" * 43 + "." + "B" * 43,
    "malformed": "not a token; at all",
    "empty": "",
    "huge": "ory_st_" + "a" * 9000,
    "non-ascii": "ory_st_jäger€",
}


def as_sent(value: str) -> str:
    """What a WSGI server hands Django for a header a client sent as UTF-8
    (PEP 3333: bytes decoded as latin-1)."""
    return value.encode().decode("latin-1")


@pytest.mark.parametrize("value", [as_sent(v) for v in BAD_VALUES.values()], ids=BAD_VALUES.keys())
@pytest.mark.parametrize("where", ["bearer", "x-session-token", "cookie"])
def test_bad_credentials_are_anonymous_with_a_401(value: str, where: str, identity: KratosIdentity) -> None:
    if where == "cookie":
        response = me(client_with_cookie(value))
    elif where == "bearer":
        response = me(**bearer(value))
    else:
        response = me(HTTP_X_SESSION_TOKEN=value)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert response.json()["error"] in ("invalid_token", "unauthenticated")


def test_huge_and_non_ascii_credentials_are_refused_without_asking_ory(upstream: UpstreamCalls) -> None:
    for value in (BAD_VALUES["huge"], as_sent(BAD_VALUES["non-ascii"]), BAD_VALUES["malformed"]):
        assert me(**bearer(value)).status_code == 401
        assert me(client_with_cookie(value)).status_code == 401
    assert upstream.total == 0


def test_a_non_ascii_cookie_beside_a_valid_session_cookie_is_not_forwarded_and_the_person_is_signed_in(
    identity: KratosIdentity,
) -> None:
    # Another cookie under Kratos's prefix (set by anyone on the domain) with bytes
    # no HTTP header to Kratos can carry must not crash every page of the site.
    client = Client(HTTP_COOKIE=f"ory_kratos_session={cookie_of(identity)}; ory_kratos_other={as_sent('jäger€')}")

    response = me(client)

    assert response.status_code == 200
    assert response.json()["identity_id"] == identity.id


def test_a_bad_header_credential_is_not_rescued_by_a_valid_cookie(identity: KratosIdentity) -> None:
    response = me(client_with_cookie(cookie_of(identity)), **bearer("ory_st_" + "A" * 32))

    assert response.status_code == 401


def test_settings_used_by_these_tests_are_the_documented_defaults() -> None:
    conf = oryauth_settings()
    assert (conf.SESSION_TOKEN_PREFIX, conf.UNAVAILABLE_POLICY, conf.ACCESS_TOKEN_AUDIENCE) == ("ory_st_", "anonymous", (API_AUDIENCE,))


# --- Sign-out through the portal and the relying party ---------------------------------------------


def test_portal_sign_out_makes_the_cookie_anonymous_at_once(identity: KratosIdentity) -> None:
    browser = browser_login(identity)
    django_browser = client_with_cookie(browser.cookies["ory_kratos_session"])
    assert me(django_browser).status_code == 200  # now cached for SESSION_CACHE_TTL (60 s)

    signout = django_browser.post("/signout")
    assert signout.status_code in (302, 303)
    browser.get(signout["Location"], allow_redirects=False, timeout=5)  # Kratos ends the session

    assert me(django_browser).status_code == 401


def test_portal_sign_out_of_a_session_kratos_already_ended_drops_the_cached_answer(identity: KratosIdentity) -> None:
    cookie = cookie_of(identity)
    django_browser = client_with_cookie(cookie)
    assert me(django_browser).status_code == 200  # now cached for SESSION_CACHE_TTL (60 s)
    ory.kratos_identities().disable_session(_session_id_of_cookie(cookie))  # e.g. revoked on another device

    signout = django_browser.post("/signout")  # Kratos answers 401: nothing left to end there
    assert signout.status_code in (302, 303)

    assert me(django_browser).status_code == 401


@pytest.mark.parametrize("method, path", [("post", "/auth/logout"), ("get", "/auth/logged-out")])
def test_relying_party_sign_out_drops_the_cached_answer_for_the_cookie(identity: KratosIdentity, method: str, path: str) -> None:
    cookie = cookie_of(identity)
    django_browser = client_with_cookie(cookie)
    assert me(django_browser).status_code == 200
    # Hydra ends the Kratos session during the RP logout; here through the admin API.
    ory.kratos_identities().disable_session(_session_id_of_cookie(cookie))

    getattr(django_browser, method)(path)

    assert me(django_browser).status_code == 401
