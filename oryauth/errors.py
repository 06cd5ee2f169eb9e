"""Typed errors raised by oryauth's calls to Ory.

Views catch these and show a clear page (see `oryauth.ory` for where they are
raised); nothing outside `oryauth.ory` needs to know about HTTP libraries.
"""
from __future__ import annotations


class OryError(Exception):
    """Base class of every error oryauth raises about Ory."""


class OryUnavailable(OryError):
    """Ory could not be reached in time, or answered with a server error (5xx).

    `service` names which API failed ("Kratos public", "Hydra admin", ...), so
    the page and the log say where to look.
    """

    def __init__(self, service: str, reason: str) -> None:
        self.service = service
        self.reason = reason
        super().__init__(f"{service} is unavailable: {reason}")


class OryRejected(OryError):
    """Ory answered a request with a client error (4xx).

    `status` is the HTTP status, `error_id` Ory's machine-readable id when it
    gave one (e.g. `self_service_flow_expired`), `message` its human text.
    """

    def __init__(self, service: str, status: int, error_id: str = "", message: str = "", body: object = None) -> None:
        self.service = service
        self.status = status
        self.error_id = error_id
        self.message = message
        self.body = body
        super().__init__(f"{service} answered {status}" + (f" ({error_id})" if error_id else "") + (f": {message}" if message else ""))


class OryProtocolError(OryError):
    """Ory answered, but with something oryauth cannot read (e.g. a field the
    ory-client models reject). Usually a version mismatch between Ory and
    ory-client."""

    def __init__(self, service: str, reason: str) -> None:
        self.service = service
        self.reason = reason
        super().__init__(f"{service} sent a response oryauth cannot read: {reason}")
