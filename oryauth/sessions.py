"""Reading the browser's Kratos session."""
from __future__ import annotations

from django.http import HttpRequest
from ory_client.models.session import Session

from . import ory
from .conf import oryauth_settings


def ory_cookie_header(request: HttpRequest) -> str:
    """The request's Cookie header reduced to the cookies Kratos set.

    Kratos only needs its own cookies; forwarding the site's session or CSRF
    cookies would hand them to another service for no reason.
    """
    name = oryauth_settings().SESSION_COOKIE_NAME
    return "; ".join(
        f"{key}={value}"
        for key, value in request.COOKIES.items()
        if (key == name or key.startswith("ory_kratos_") or key.startswith("csrf_token")) and _sendable(key, value)
    )


def _sendable(key: str, value: str) -> bool:
    """Kratos sets only ASCII cookies. Anything else (a browser may send any
    bytes) is not Kratos's and cannot go into an HTTP header: forwarding it
    would crash the request instead of leaving the caller anonymous."""
    pair = key + value
    return pair.isascii() and pair.isprintable()


def has_session_cookie(request: HttpRequest) -> bool:
    """The browser sent a Kratos session cookie (valid or not: only Kratos can tell)."""
    return oryauth_settings().SESSION_COOKIE_NAME in request.COOKIES


def kratos_session(request: HttpRequest) -> Session | None:
    """The Kratos session of this browser, or None when it has none.

    Raises `OryUnavailable` when Kratos cannot be asked.
    """
    if not has_session_cookie(request):
        return None  # no cookie: no need to ask Kratos
    return ory.whoami(cookie=ory_cookie_header(request))
