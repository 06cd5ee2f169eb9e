"""Which cookies oryauth forwards to Kratos."""
from __future__ import annotations

from django.test import RequestFactory

from oryauth.sessions import kratos_session, ory_cookie_header


def test_only_kratos_cookies_are_forwarded() -> None:
    request = RequestFactory().get("/", HTTP_COOKIE="sessionid=django; csrftoken=abc; ory_kratos_session=xyz; other=1")
    assert ory_cookie_header(request) == "ory_kratos_session=xyz"


def test_without_a_kratos_cookie_kratos_is_not_asked() -> None:
    # No network is reachable from unit tests by design: an Ory call would fail.
    request = RequestFactory().get("/", HTTP_COOKIE="sessionid=django")
    assert kratos_session(request) is None


def test_cookies_no_http_header_can_carry_are_not_forwarded() -> None:
    # UTF-8 bytes from the browser, as a WSGI server hands them to Django (latin-1).
    garbage = "jäger€".encode().decode("latin-1")
    request = RequestFactory().get("/", HTTP_COOKIE=f"ory_kratos_session=xyz; ory_kratos_x={garbage}; csrf_token_y=a\x01b")
    assert ory_cookie_header(request) == "ory_kratos_session=xyz"
