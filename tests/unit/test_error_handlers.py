"""What Django answers before or after any view, with oryauth's handlers
(handler400 / handler500 in the site's urls.py)."""
from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from oryauth.responses import bad_request, server_error


@pytest.mark.django_db
def test_a_broken_multipart_body_gets_a_page_that_says_so_not_a_bare_400() -> None:
    response = Client().post("/signout", data=b"--x\r\nnot a part", content_type="multipart/form-data")  # no boundary

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert b"The request could not be read" in response.content
    assert "script-src 'self'" in response["Content-Security-Policy"]  # oryauth's page, oryauth's policy


def test_an_api_caller_gets_the_400_as_json() -> None:
    response = bad_request(RequestFactory().post("/api/me/", HTTP_ACCEPT="application/json"))

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_database_that_is_down_is_a_503_page_with_a_retry_link(caplog: pytest.LogCaptureFixture) -> None:
    request = RequestFactory().get("/protected/?tab=2")
    try:
        raise OperationalError("connection to server at 127.0.0.1, port 5439 failed: Connection refused")
    except OperationalError:
        response = server_error(request)

    assert response.status_code == 503 and response["Retry-After"] == "5"
    assert b'href="/protected/?tab=2"' in response.content
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "The database is unavailable on /protected/" in caplog.text


def test_a_bug_stays_a_plain_500() -> None:
    try:
        raise KeyError("a bug")
    except KeyError:
        response = server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Content-Security-Policy" not in response  # the site's own 500.html, the site's own policy
