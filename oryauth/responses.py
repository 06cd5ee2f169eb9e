"""Every problem answer oryauth gives: HTML pages for people (503 with a
retry link when Ory is down, 400/502 when it refuses or confuses us) and JSON
for API callers (RFC 6750 401/403, 503). Used by the views of every role, the
middleware, the decorators and the DRF classes.

Every oryauth view is wrapped in `answers_ory_errors`, so Ory being down is a
503 page whether or not a site installs `OryErrorPageMiddleware` (which does
the same for the site's own views).
"""
from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

from .csp import with_policy_header
from .errors import OryError, OryProtocolError, OryRejected, OryUnavailable
from .resolution import OryCaller, caller_of, has_header_credential

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


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


def answers_ory_errors(view: View) -> View:
    """`view`, with any `OryError` it lets through answered by `error_page_for`."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except OryError as exc:
            return error_page_for(request, exc)

    return wrapper


# --- JSON answers for API callers -------------------------------------------------



def wants_json(request: HttpRequest, caller: OryCaller | None = None) -> bool:
    """API callers: those who sent a header credential (accepted here or not)
    or asked for JSON only."""
    caller = caller or caller_of(request)
    if caller.via_header or has_header_credential(request):
        return True
    accept = request.META.get("HTTP_ACCEPT", "")
    return "application/json" in accept and "text/html" not in accept


def bearer_challenge(error: str = "", description: str = "", **extra: str) -> str:
    """A `WWW-Authenticate: Bearer` value (RFC 6750 section 3)."""
    params = {"realm": "oryauth"}
    if error:
        params["error"] = error
    if description:
        params["error_description"] = description
    params.update(extra)
    return "Bearer " + ", ".join(f'{key}="{value}"' for key, value in params.items())


def unauthenticated_response(request: HttpRequest, caller: OryCaller) -> HttpResponse:
    """JSON 401. Names `invalid_token` only when a credential was presented
    (RFC 6750 asks for no error code when there was none)."""
    if caller.presented_credential:
        error, description = "invalid_token", _("The credential is invalid, expired or revoked.")
    else:
        error, description = "", _("Authentication required.")
    response = JsonResponse({"error": error or "unauthenticated", "error_description": description}, status=401)
    response["WWW-Authenticate"] = bearer_challenge(error, description if error else "")
    return response


def unavailable_response(request: HttpRequest, caller: OryCaller) -> HttpResponse:
    """503 when Ory could not be asked: JSON for APIs, the shared page for browsers."""
    if wants_json(request, caller):
        response = JsonResponse(
            {"error": "temporarily_unavailable", "error_description": _("The sign-in service cannot be reached.")},
            status=503,
        )
        response["Retry-After"] = "5"
        return response
    return unavailable_page(request, OryUnavailable("Ory", _("could not check who is signed in")))


def insufficient_scope_response(scopes: tuple[str, ...]) -> HttpResponse:
    description = _("The access token lacks a required scope.")
    response = JsonResponse(
        {"error": "insufficient_scope", "error_description": description, "required_scopes": list(scopes)}, status=403
    )
    response["WWW-Authenticate"] = bearer_challenge("insufficient_scope", description, scope=" ".join(scopes))
    return response




# --- Django's own error handlers (handler400 / handler500 in a site's urls.py) ---


def _unavailable_part(exc: BaseException | None) -> str:
    """Which backing service a server error came from ("" for a bug)."""
    if isinstance(exc, DatabaseError):
        return "database"
    # Cache clients (redis-py, pymemcache) raise their own errors or OSError.
    module = type(exc).__module__ if exc is not None else ""
    if module.split(".")[0] in ("redis", "pymemcache", "pylibmc") or isinstance(exc, ConnectionError):
        return "cache"
    return ""


def server_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: a database or cache that is down, full or slow is the 503
    problem page with a retry link and a log line naming the part; anything
    else stays Django's plain 500. Middleware (sessions, auth) reads the
    database before any view runs, so only this handler can catch those.
    Rendered without context processors: they read the session from the very
    database that is down."""
    exc = sys.exc_info()[1]
    part = _unavailable_part(exc)
    if not part:
        return defaults.server_error(request)
    logger.error("The %s is unavailable on %s: %s: %s", part, request.path, type(exc).__name__, exc)
    page = render_to_string("oryauth/problem.html", {
        "title": _("Service temporarily unavailable"),
        "message": _("This site cannot reach its database right now. Please try again in a moment.") if part == "database"
        else _("This site cannot reach its cache right now. Please try again in a moment."),
        "retry_url": request.get_full_path(),
    })
    return with_policy_header(HttpResponse(page, status=503, headers={"Retry-After": "5"}))


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """`handler400`: a request Django refused before any view (a broken
    multipart body, a disallowed host, too many fields) gets a page that
    says so, or JSON for API callers; never Django's bare 400."""
    logger.info("Bad request on %s: %s", request.path, type(exception).__name__ if exception else "")
    if "application/json" in request.META.get("HTTP_ACCEPT", "") or request.META.get("HTTP_AUTHORIZATION"):
        return JsonResponse({"error": "invalid_request", "error_description": _("The request could not be read.")}, status=400)
    page = render_to_string("oryauth/problem.html", {
        "title": _("The request could not be read"),
        "message": _("This request was damaged or too large for this site. Please go back and try again."),
    })
    return with_policy_header(HttpResponse(page, status=400))


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
