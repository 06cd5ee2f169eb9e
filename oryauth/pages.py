"""The one place that turns oryauth's typed errors into pages a person can read.

`OryErrorPageMiddleware` catches what a view lets through, so no Ory failure
ever reaches the user as a stack trace or a blank 500.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from .errors import OryError, OryProtocolError, OryRejected, OryUnavailable

logger = logging.getLogger(__name__)


def problem_page(
    request: HttpRequest, *, status: int, title: str, message: str, detail: str = "", retry_url: str | None = None
) -> HttpResponse:
    """Render the shared problem page: a human sentence first, the technical
    detail second, an optional retry link."""
    context = {"title": title, "message": message, "detail": detail, "retry_url": retry_url}
    return render(request, "oryauth/problem.html", context, status=status)


def unavailable_page(request: HttpRequest, exc: OryUnavailable) -> HttpResponse:
    """503 with a retry link: Ory could not be reached (or failed) in time."""
    logger.warning("Ory unavailable on %s: %s", request.path, exc)
    response = problem_page(
        request,
        status=503,
        title=_("Sign-in service unavailable"),
        message=_("We could not reach the sign-in service. Please try again in a moment."),
        detail=str(exc),
        retry_url=request.get_full_path(),
    )
    response["Retry-After"] = "5"
    return response


def error_page_for(request: HttpRequest, exc: OryError) -> HttpResponse:
    """The page for any typed Ory error a view did not handle itself."""
    if isinstance(exc, OryUnavailable):
        return unavailable_page(request, exc)
    if isinstance(exc, OryProtocolError):
        logger.error("Unreadable answer from Ory on %s: %s", request.path, exc)
        return problem_page(
            request,
            status=502,
            title=_("Unexpected answer from the sign-in service"),
            message=_("The sign-in service answered in a way this site does not understand."),
            detail=str(exc),
        )
    assert isinstance(exc, OryRejected)
    logger.info("Ory rejected a request on %s: %s", request.path, exc)
    return problem_page(
        request,
        status=400 if exc.status < 500 else 502,
        title=_("The request could not be completed"),
        message=_("The sign-in service refused this request."),
        detail=str(exc),
    )


class OryErrorPageMiddleware:
    """Shows `error_page_for` when a view raises an `OryError`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OryError):
            return error_page_for(request, exception)
        return None
