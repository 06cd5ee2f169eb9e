"""What a flow page does when Kratos will not hand out the flow (Kratos's
answers shaped as the real server sends them)."""
from __future__ import annotations

import pytest

from oryauth.errors import OryRejected
from oryauth.portal.flows import parse_flow_id, problem_for_rejection

AAL2_TARGET = "http://127.0.0.1:4433/self-service/login/browser?aal=aal2&return_to=http%3A%2F%2F127.0.0.1%3A8000%2Fsettings"


def rejected(status: int, error_id: str = "", **extra: object) -> OryRejected:
    body = {"error": {"id": error_id, "code": status}, **extra} if error_id else {"error": {"code": status}}
    return OryRejected("Kratos public", status, error_id=error_id, body=body)


@pytest.mark.parametrize(
    ("error", "message_part"),
    [
        (rejected(410, "self_service_flow_expired"), "expired"),
        (rejected(403, "security_csrf_violation"), "accept cookies"),
        (rejected(404), "no longer valid"),
        (rejected(403), "no longer valid"),
    ],
    ids=["expired", "csrf", "unknown", "forbidden"],
)
def test_lost_flows_restart_with_a_reason(error: OryRejected, message_part: str) -> None:
    problem = problem_for_rejection("login", error)
    assert problem is not None and problem.action == "restart"
    assert message_part in problem.message


def test_settings_without_session_goes_to_login() -> None:
    problem = problem_for_rejection("settings", rejected(401, "session_inactive"))
    assert problem is not None and problem.action == "login"


def test_aal2_required_follows_the_step_up_login_kratos_names() -> None:
    problem = problem_for_rejection("settings", rejected(403, "session_aal2_required", redirect_browser_to=AAL2_TARGET))
    assert problem is not None and (problem.action, problem.redirect_to) == ("redirect", AAL2_TARGET)


def test_other_refusals_are_left_to_the_error_page() -> None:
    assert problem_for_rejection("login", rejected(400, "self_service_flow_return_to_forbidden")) is None


@pytest.mark.parametrize("raw", ["", "abc", "../../admin", "1' or '1'='1", "0" * 200])
def test_flow_ids_that_are_not_uuids_are_refused(raw: str) -> None:
    assert parse_flow_id(raw) is None


def test_flow_ids_are_canonicalised() -> None:
    assert parse_flow_id("A1B2C3D4E5F60718293A4B5C6D7E8F90") == "a1b2c3d4-e5f6-0718-293a-4b5c6d7e8f90"


@pytest.mark.parametrize(
    ("redirect_to", "followed"),
    [
        (AAL2_TARGET, True),
        ("http://127.0.0.1:4433@elsewhere.example/self-service/login/browser", False),
        ("http://127.0.0.1:44330/self-service/login/browser", False),
    ],
)
def test_only_a_redirect_to_kratos_itself_is_followed(redirect_to: str, followed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.messages.storage import default_storage
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    from oryauth.portal import views
    from oryauth.portal.flows import FlowProblem

    monkeypatch.setattr("oryauth.ory.get_json", lambda *args, **kwargs: {})  # Kratos's health check
    request = RequestFactory().get("/settings?flow=00000000-0000-0000-0000-000000000000")
    SessionMiddleware(lambda r: None).process_request(request)
    request._messages = default_storage(request)

    response = views._handle_problem(request, "settings", FlowProblem("redirect", "Confirm it is you", redirect_to=redirect_to))

    assert (response["Location"] == redirect_to) is followed
    if not followed:
        assert response["Location"].startswith("http://127.0.0.1:4433/self-service/settings/browser")
