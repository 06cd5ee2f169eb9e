"""The exceptions a site may raise or catch, in one public module.

- `OryError` and its kinds: oryauth's calls to Ory failed (raised in
  `oryauth.ory`; views show a clear page; nothing outside `oryauth.ory`
  needs to know about HTTP libraries);
- `LoginRejected`: a site's user provisioner refuses an identity.
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


class LoginRejected(Exception):
    """A provisioner refused this identity; `reason` is shown to the person.
    Raise it from `oryauth.identities.UserProvisioner` hooks."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
