"""The middleware's decisions and the view requirements, with Ory stubbed at
the `oryauth.ory` boundary (no network)."""
from __future__ import annotations

import pickle
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings
from ory_client.models import Identity, Session

from oryauth import ory
from oryauth.decorators import accepts_header_credentials, aal2_required, api_login_required, login_required, scope_required
from oryauth.errors import OryUnavailable
from oryauth.middleware import OryAuthenticationMiddleware
from oryauth.resolution import Credential, OryCaller, _cache_seconds, _usable, credentials_of, forget_credentials_of
from oryauth.conf import oryauth_settings
from tests.factories import UserFactory

SESSION_TOKEN = "ory_st_" + "s" * 32
ACCESS_TOKEN = "ory_at_" + "a" * 43


def a_session(aal: str = "aal1", expires_in: timedelta = timedelta(hours=1)) -> Session:
    return Session(
        id=str(uuid.uuid4()),
        active=True,
        identity=Identity(
            id=str(uuid.uuid4()), schema_id="person", schema_url="http://127.0.0.1:4433/schemas/person",
            traits={"email": f"{uuid.uuid4().hex[:8]}@example.org", "name": {"first": "Ada", "last": "Lovelace"}},
        ),
        authenticator_assurance_level=aal,
        expires_at=datetime.now(timezone.utc) + expires_in,
    )


class StubWhoami:
    """Stands in for oryauth.ory.whoami: answers from a script, counts calls."""

    def __init__(self, *answers: Session | None | Exception) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Session | None:
        self.calls.append(kwargs)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    caches["default"].clear()
    yield
    caches["default"].clear()


def ok_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


def through_middleware(request: HttpRequest, view: Any = None) -> HttpResponse:
    """The middleware, then `view` (by default one that accepts header credentials)."""
    if not hasattr(request, "user"):
        request.user = AnonymousUser()
    return OryAuthenticationMiddleware(view or accepts_header_credentials(ok_view))(request)


# --- Which credential, which call ----------------------------------------------------------


def test_credentials_are_tried_bearer_then_session_token_header_then_cookie() -> None:
    request = RequestFactory().get(
        "/", HTTP_AUTHORIZATION=f"Bearer {ACCESS_TOKEN}", HTTP_X_SESSION_TOKEN=SESSION_TOKEN,
        HTTP_COOKIE="ory_kratos_session=cookie-value; sessionid=django",
    )
    kinds = [credential.kind for credential in credentials_of(request)]
    assert kinds == ["access_token", "session_token", "session_cookie"]


def test_bearer_prefix_picks_one_upstream_call() -> None:
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {SESSION_TOKEN}")
    assert [c.kind for c in credentials_of(request)] == ["session_token"]
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {ACCESS_TOKEN}")
    assert [c.kind for c in credentials_of(request)] == ["access_token"]


def test_other_authorization_schemes_are_not_ours() -> None:
    request = RequestFactory().get("/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")
    assert credentials_of(request) == []


def test_credential_repr_never_shows_the_value() -> None:
    assert SESSION_TOKEN not in repr(Credential("session_token", SESSION_TOKEN))


@pytest.mark.parametrize("value", ["", "a b", "x" * 5000, "ory_st_jäger", "tab\there"])
def test_malformed_tokens_are_refused_without_a_call(value: str) -> None:
    assert not Credential("session_token", value).well_formed


# --- The middleware's decisions -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_valid_header_credential_sets_the_user_and_needs_no_csrf_token_where_the_view_accepts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    session = a_session()
    monkeypatch.setattr(ory, "whoami", StubWhoami(session))
    request = RequestFactory().post("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)

    response = through_middleware(request)

    assert response.status_code == 200
    assert request.user.email == session.identity.traits["email"]
    assert request.ory.identity_id == str(session.identity.id)


@pytest.mark.django_db
@pytest.mark.parametrize("header", [{"HTTP_AUTHORIZATION": f"Bearer {SESSION_TOKEN}"}, {"HTTP_AUTHORIZATION": f"Bearer {ACCESS_TOKEN}"},
                                    {"HTTP_X_SESSION_TOKEN": SESSION_TOKEN}])
def test_a_header_credential_means_nothing_to_a_view_that_did_not_accept_header_credentials(
    monkeypatch: pytest.MonkeyPatch, header: dict[str, str]
) -> None:
    whoami = StubWhoami(a_session())
    monkeypatch.setattr(ory, "whoami", whoami)
    monkeypatch.setattr(ory, "hydra_admin", lambda: pytest.fail("a token was introspected for a view that did not ask"))
    seen: list[Any] = []
    request = RequestFactory().get("/admin/", **header)

    through_middleware(request, view=lambda r: seen.append(r.user) or HttpResponse("ok"))

    assert not seen[0].is_authenticated
    assert whoami.calls == []


@pytest.mark.django_db
def test_a_cookie_caller_of_a_view_accepting_header_credentials_still_needs_a_csrf_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ory, "whoami", StubWhoami(a_session()))
    request = RequestFactory().post("/", HTTP_COOKIE="ory_kratos_session=abc")

    response = through_middleware(request)

    assert response.status_code == 403


@pytest.mark.django_db
def test_an_invalid_cookie_leaves_the_django_session_login_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ory, "whoami", StubWhoami(None))
    request = RequestFactory().get("/", HTTP_COOKIE="ory_kratos_session=expired")
    request.user = UserFactory()

    through_middleware(request)

    assert request.user.is_authenticated
    assert request.ory.problem == "invalid"
    assert not getattr(request, "_dont_enforce_csrf_checks", False)


@pytest.mark.django_db
def test_an_invalid_header_credential_makes_the_caller_anonymous(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ory, "whoami", StubWhoami(None))
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {SESSION_TOKEN}")
    request.user = UserFactory()

    through_middleware(request)

    assert not request.user.is_authenticated


def test_fail_policy_answers_503_when_kratos_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ory, "whoami", StubWhoami(OryUnavailable("Kratos public", "connection refused")))
    with override_settings(ORYAUTH={"UNAVAILABLE_POLICY": "fail"}):
        response = through_middleware(RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN))
    assert response.status_code == 503


@pytest.mark.django_db
def test_unavailability_is_never_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    whoami = StubWhoami(OryUnavailable("Kratos public", "connection refused"), a_session())
    monkeypatch.setattr(ory, "whoami", whoami)

    first = RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)
    through_middleware(first)
    second = RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)
    through_middleware(second)

    assert first.ory.unavailable and second.ory.is_authenticated
    assert len(whoami.calls) == 2


@pytest.mark.django_db
def test_cookie_is_checked_forwarding_only_ory_cookies(monkeypatch: pytest.MonkeyPatch) -> None:
    whoami = StubWhoami(a_session())
    monkeypatch.setattr(ory, "whoami", whoami)

    through_middleware(RequestFactory().get("/", HTTP_COOKIE="ory_kratos_session=abc; sessionid=secret; csrftoken=x"))

    assert whoami.calls == [{"cookie": "ory_kratos_session=abc"}]


@pytest.mark.django_db
def test_a_deactivated_user_is_refused_once_the_cached_answer_is_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ory, "whoami", StubWhoami(a_session()))
    first = RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)
    through_middleware(first)
    first.user.is_active = False
    first.user.save()
    forget_credentials_of(first)  # or: the cache period ends

    second = RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)
    through_middleware(second)

    assert not second.user.is_authenticated
    assert second.ory.problem == "rejected"


# --- Cache lifetime --------------------------------------------------------------------------------


def test_cache_never_outlives_the_session() -> None:
    caller = OryCaller(via="session_token", is_authenticated=True, expires_at=datetime.now(timezone.utc) + timedelta(seconds=3))
    assert _cache_seconds(caller, oryauth_settings()) <= 3


def test_cache_period_is_the_setting_for_long_sessions() -> None:
    caller = OryCaller(via="session_token", is_authenticated=True, expires_at=datetime.now(timezone.utc) + timedelta(days=1))
    assert _cache_seconds(caller, oryauth_settings()) == oryauth_settings().SESSION_CACHE_TTL


def test_rejections_are_cached_for_the_negative_period() -> None:
    assert _cache_seconds(OryCaller(via="session_token", problem="invalid"), oryauth_settings()) == 5


def test_an_expired_cache_entry_is_not_used() -> None:
    expired = OryCaller(via="session_token", is_authenticated=True, expires_at=datetime.now(timezone.utc) - timedelta(seconds=1))
    assert _usable(expired) is None


# --- View requirements ------------------------------------------------------------------------------

PERSON = OryCaller(via="session_cookie", is_authenticated=True, identity_id="id-1", aal="aal1", user_id=1)
PERSON_AAL2 = OryCaller(via="session_cookie", is_authenticated=True, identity_id="id-1", aal="aal2", user_id=1)
MACHINE = OryCaller(via="access_token", is_authenticated=True, client_id="c", scopes=frozenset({"read"}))
STRANGER = OryCaller()
UNAVAILABLE = OryCaller(via="session_cookie", problem="unavailable")


def call(view: Any, caller: OryCaller, **headers: str) -> HttpResponse:
    request = RequestFactory().get("/reports/?page=2", **headers)
    request.ory = caller
    return view(request)


def test_login_required_sends_a_browser_to_the_relying_partys_start_where_it_is_installed() -> None:
    response = call(login_required(ok_view), STRANGER, HTTP_ACCEPT="text/html")

    assert response.status_code == 302
    assert response["Location"] == "/auth/login?next=/reports/%3Fpage%3D2"


def test_login_required_sends_a_browser_to_the_portal_login_on_an_identity_site(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("oryauth.decorators.installed_roles", lambda: frozenset({"portal", "provider"}))

    response = call(login_required(ok_view), STRANGER, HTTP_ACCEPT="text/html")

    url = urlsplit(response["Location"])
    assert url.path == "/self-service/login/browser"
    assert parse_qs(url.query)["return_to"] == ["http://testserver/reports/?page=2"]


@override_settings(LOGIN_URL="/accounts/sign-in/")
def test_login_required_sends_a_browser_to_login_url_where_no_role_signs_people_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("oryauth.decorators.installed_roles", lambda: frozenset())

    response = call(login_required(ok_view), STRANGER, HTTP_ACCEPT="text/html")

    assert response["Location"] == "/accounts/sign-in/?next=/reports/%3Fpage%3D2"


@pytest.mark.django_db
def test_login_required_lets_in_a_user_signed_in_to_the_django_session() -> None:
    request = RequestFactory().get("/reports/")
    request.ory = STRANGER
    request.user = UserFactory()

    assert login_required(ok_view)(request).content == b"ok"


def test_login_required_answers_an_api_caller_with_a_json_401() -> None:
    response = call(login_required(ok_view), STRANGER, HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="oryauth"'


def test_login_required_refuses_a_machine_with_403() -> None:
    assert call(login_required(ok_view), MACHINE).status_code == 403


def test_login_required_lets_a_person_in() -> None:
    assert call(login_required(ok_view), PERSON).content == b"ok"


@pytest.mark.parametrize("decorator", [login_required, api_login_required, scope_required("read"), aal2_required])
def test_every_requirement_answers_503_when_ory_could_not_be_asked(decorator: Any) -> None:
    assert call(decorator(ok_view), UNAVAILABLE, HTTP_ACCEPT="application/json").status_code == 503


def test_api_login_required_lets_machines_in() -> None:
    assert call(api_login_required(ok_view), MACHINE).status_code == 200


def test_scope_required_answers_403_insufficient_scope() -> None:
    response = call(scope_required("read", "write")(ok_view), MACHINE)

    assert response.status_code == 403
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert 'scope="read write"' in response["WWW-Authenticate"]


def test_scope_required_lets_a_token_with_the_scopes_in() -> None:
    assert call(scope_required("read")(ok_view), MACHINE).status_code == 200


def test_scope_required_is_not_met_by_a_session() -> None:
    assert call(scope_required("read")(ok_view), PERSON).status_code == 403


def test_aal2_required_sends_an_aal1_browser_to_a_step_up_login() -> None:
    response = call(aal2_required(ok_view), PERSON, HTTP_ACCEPT="text/html")

    query = parse_qs(urlsplit(response["Location"]).query)
    assert response.status_code == 302
    assert query["aal"] == ["aal2"]
    assert query["return_to"] == ["http://testserver/reports/?page=2"]


def test_aal2_required_answers_an_api_caller_with_insufficient_user_authentication() -> None:
    caller = OryCaller(via="session_token", is_authenticated=True, identity_id="id-1", aal="aal1", user_id=1)
    response = call(aal2_required(ok_view), caller)

    assert response.status_code == 401
    assert 'error="insufficient_user_authentication"' in response["WWW-Authenticate"]


def test_aal2_required_lets_an_aal2_session_in() -> None:
    assert call(aal2_required(ok_view), PERSON_AAL2).status_code == 200


# --- System checks ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "setting, check_id",
    [
        ({"UNAVAILABLE_POLICY": "maybe"}, "oryauth.E030"),
        ({"SESSION_TOKEN_PREFIX": ""}, "oryauth.E031"),
        ({"CACHE_ALIAS": "nowhere"}, "oryauth.E032"),
        ({"SESSION_CACHE_TTL": -1}, "oryauth.E033"),
        ({"ACCESS_TOKEN_AUDIENCE": [""]}, "oryauth.E034"),
    ],
)
def test_middleware_setting_mistakes_are_reported_by_id(setting: dict[str, Any], check_id: str) -> None:
    from oryauth.checks import check_middleware_settings

    with override_settings(ORYAUTH={"ACCESS_TOKEN_AUDIENCE": "https://api.example.org/", **setting}):
        assert [message.id for message in check_middleware_settings()] == [check_id]


def test_the_demo_sites_middleware_settings_pass_the_checks() -> None:
    from oryauth.checks import check_middleware_settings

    assert check_middleware_settings() == []


def test_accepting_access_tokens_without_an_audience_is_warned_about() -> None:
    from oryauth.checks import check_middleware_settings

    with override_settings(ORYAUTH={}):
        assert [message.id for message in check_middleware_settings()] == ["oryauth.W031"]


# --- Several processes share one cache ----------------------------------------------------------------


@pytest.mark.django_db
def test_an_entry_deleted_by_another_process_is_not_served_from_this_ones_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    whoami = StubWhoami(a_session())
    monkeypatch.setattr(ory, "whoami", whoami)
    through_middleware(RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN))

    # Another web process signs the browser out: it deletes the shared entry only.
    caches["default"].delete(Credential("session_token", SESSION_TOKEN).cache_key)
    through_middleware(RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN))

    assert len(whoami.calls) == 2


@pytest.mark.django_db
def test_an_entry_replaced_by_another_process_is_read_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ory, "whoami", StubWhoami(a_session()))
    through_middleware(RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN))

    # Another process found the session revoked and cached the refusal.
    refused = OryCaller(via="session_token", problem="invalid")
    key = Credential("session_token", SESSION_TOKEN).cache_key
    caches["default"].set(key, ("another-version", pickle.dumps(refused)), 5)
    request = RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)
    through_middleware(request)

    assert request.ory.problem == "invalid"


# --- Authentication backend ------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(AUTHENTICATION_BACKENDS=["oryauth.backends.OryBackend"])
def test_the_backend_authenticates_a_request_by_its_ory_credential(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth import authenticate

    session = a_session()
    monkeypatch.setattr(ory, "whoami", StubWhoami(session))
    request = RequestFactory().get("/", HTTP_X_SESSION_TOKEN=SESSION_TOKEN)

    user = authenticate(request)

    assert user is not None and user.email == session.identity.traits["email"]
    assert authenticate(request, username=user.get_username(), password="anything") is None
