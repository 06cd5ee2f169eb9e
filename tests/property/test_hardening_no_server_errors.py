"""No 5xx from input (issue 10): every URL the demo site serves, given any
query string, form body, header or cookie (empty, 100 KB, invalid UTF-8
percent escapes, NUL, RTL and emoji, repeated and array parameters), answers
with a page or JSON and a status below 500, against the real Kratos and
Hydra. A 503 counts only as the "Ory is down" page (it carries Retry-After).

Bounded: ORYAUTH_PROPERTY_EXAMPLES inputs per URL (default 60)."""
from __future__ import annotations

import os

import pytest
from django.http import HttpResponse
from django.test import Client
from hypothesis import HealthCheck, given, settings

from tests.property.requests_for import TRIED, HostileRequest, hostile_requests, served_paths

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("ORYAUTH_PROPERTY_EXAMPLES", "60"))
PAGE_TYPES = ("text/html", "application/json")


def _send(client: Client, path: str, request: HostileRequest) -> tuple[int, HttpResponse]:
    response = client.generic(
        request.method, f"{path}?{request.query}" if request.query else path, data=request.body,
        content_type=request.content_type, **request.headers,
    )
    return response.status_code, response


def test_the_site_serves_the_urls_this_suite_covers() -> None:
    paths = served_paths()
    for expected in ("/login", "/consent", "/logout", "/auth/callback", "/admin/", "/api/me/"):
        assert expected in paths


@pytest.mark.parametrize("path", served_paths())
def test_no_input_makes_a_server_error(path: str) -> None:
    # Raises any exception a view lets through, like a real server's 500.
    client = Client(HTTP_HOST="127.0.0.1:8000", raise_request_exception=True)

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(request=hostile_requests())
    def answers_below_500(request: HostileRequest) -> None:
        counts = TRIED[path]
        counts[0] += 1
        try:
            status, response = _send(client, path, request)
        except Exception:
            counts[1] += 1
            raise
        if status >= 500:
            counts[1] += 1
        assert status < 500 or (status == 503 and response.has_header("Retry-After")), (status, response.content[:500])
        if status >= 400 and request.method != "HEAD" and response.content:
            assert response["Content-Type"].startswith(PAGE_TYPES), response["Content-Type"]

    answers_below_500()
