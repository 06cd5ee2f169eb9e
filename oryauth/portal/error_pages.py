"""The `/error` page: Kratos flow errors (`?id=`) and Hydra errors
(`?error=&error_description=`), a human sentence first and the technical
code second, with an HTTP status that matches the error."""
from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import ory
from ..errors import OryRejected
from ..responses import problem_page
from .flows import parse_flow_id

logger = logging.getLogger(__name__)


def _kratos_sentences() -> dict[str, str]:
    return {
        "self_service_flow_return_to_forbidden": _(
            "The page you were to be sent back to afterwards is not on the list of allowed addresses, "
            "so the sign-in service refused to continue."
        ),
        "self_service_flow_expired": _("The page you were on expired. Please start again."),
        "security_csrf_violation": _(
            "We could not confirm that the request came from this browser. Please start again, and make sure "
            "your browser accepts cookies."
        ),
        "session_already_available": _("You are already signed in."),
        "self_service_flow_disabled": _("This feature is switched off on this site."),
    }


def kratos_error_page(request: HttpRequest, raw_id: str) -> HttpResponse:
    """Show the Kratos flow error `raw_id` with Kratos's own status code."""
    error_id = parse_flow_id(raw_id)
    try:
        if error_id is None:
            raise OryRejected(ory.KRATOS_PUBLIC, 404)
        flow_error = ory.kratos_frontend().get_flow_error(id=error_id)
    except OryRejected as exc:
        if exc.status != 404:
            raise
        return problem_page(
            request,
            status=404,
            title=_("Error details not found"),
            message=_("We could not find the details of this error; they may have expired. Please start again."),
        )
    error: dict[str, Any] = flow_error.error or {}
    code = error.get("code")
    status = code if isinstance(code, int) and 400 <= code < 500 else 400
    technical_id, reason = ory.kratos_error_id_and_message(error)
    if isinstance(code, int) and code >= 500:
        # Kratos failed (e.g. its database was busy): this site did not. A 503
        # with a way to start again, not a 500 of ours.
        detail = " — ".join(part for part in (f"{technical_id or code}", reason) if part)
        response = problem_page(
            request, status=503, title=_("Sign-in service unavailable"),
            message=_("The sign-in service ran into a problem. Please start again in a moment."),
            detail=detail, retry_url=reverse("oryauth_portal:login"),
        )
        response["Retry-After"] = "5"
        return response
    sentence = _kratos_sentences().get(technical_id) or _("The sign-in service could not complete this request.")
    detail = " — ".join(part for part in (f"{technical_id or status}", reason) if part)
    return problem_page(request, status=status, title=_("Something went wrong"), message=sentence, detail=detail)


# OAuth2 / OpenID Connect error codes Hydra sends to its `urls.error`, with
# the HTTP status our page answers with.
_HYDRA_STATUS = {
    "access_denied": 403,
    "consent_required": 403,
    "login_required": 401,
    "unauthorized_client": 401,
    "invalid_client": 401,
    "request_unauthorized": 401,
    "request_forbidden": 403,
    "server_error": 502,
    "temporarily_unavailable": 503,
}


def _hydra_sentences() -> dict[str, str]:
    return {
        "invalid_request": _("The application that sent you here made a request the sign-in service cannot accept."),
        "invalid_client": _("The application that sent you here is not known to the sign-in service."),
        "unauthorized_client": _("The application that sent you here is not allowed to sign you in this way."),
        "invalid_scope": _("The application that sent you here asked for permissions that do not exist."),
        "access_denied": _("Access was denied."),
        "consent_required": _("Your consent is needed to continue."),
        "login_required": _("You need to sign in to continue."),
        "request_forbidden": _("This request is not allowed."),
        "request_unauthorized": _("This request is not allowed."),
        "server_error": _("The sign-in service ran into a problem. Please try again later."),
        "temporarily_unavailable": _("The sign-in service is temporarily unavailable. Please try again later."),
        "unsupported_response_type": _("The application that sent you here used a sign-in method that is not supported."),
    }


def hydra_error_page(request: HttpRequest, code: str, description: str, hint: str = "") -> HttpResponse:
    """Show an OAuth2 error Hydra redirected the browser to us with."""
    if not code:
        return problem_page(
            request,
            status=400,
            title=_("Something went wrong"),
            message=_("No error was named. If you followed a link, please start again from the application."),
        )
    # Only known codes become part of the sentence; the code itself is shown as
    # technical detail (escaped by the template), never trusted as markup.
    sentence = _hydra_sentences().get(code, _("The sign-in could not be completed."))
    detail = " — ".join(part for part in (code[:100], description[:500], hint[:500]) if part)
    return problem_page(request, status=_HYDRA_STATUS.get(code, 400), title=_("Sign-in failed"), message=sentence,
                        detail=detail)
