"""How oryauth.ory reads Ory's error answers (no network)."""
from __future__ import annotations

import json

import pytest

from oryauth.errors import OryRejected, OryUnavailable
from oryauth.ory import _error_from_status


def test_a_kratos_error_keeps_its_id_and_reason() -> None:
    body = json.dumps({"error": {"id": "self_service_flow_expired", "code": 410, "reason": "The flow has expired."}})
    error = _error_from_status("Kratos public", 410, body)
    assert isinstance(error, OryRejected)
    assert (error.status, error.error_id, error.message) == (410, "self_service_flow_expired", "The flow has expired.")


def test_a_hydra_error_keeps_its_code_and_description() -> None:
    body = json.dumps({"error": "invalid_request", "error_description": "The login challenge is malformed."})
    error = _error_from_status("Hydra admin", 400, body)
    assert isinstance(error, OryRejected)
    assert (error.error_id, error.message) == ("invalid_request", "The login challenge is malformed.")
    assert error.body == {"error": "invalid_request", "error_description": "The login challenge is malformed."}


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_server_error_means_unavailable(status: int) -> None:
    error = _error_from_status("Hydra public", status, "<html>bad gateway</html>")
    assert isinstance(error, OryUnavailable)
    assert error.service == "Hydra public"


@pytest.mark.parametrize("body", [None, "", "not json", "[1, 2]", json.dumps({"error": None})])
def test_an_unreadable_error_body_still_gives_a_typed_rejection(body: str | None) -> None:
    error = _error_from_status("Kratos admin", 404, body)
    assert isinstance(error, OryRejected)
    assert error.status == 404
    assert error.error_id == ""
