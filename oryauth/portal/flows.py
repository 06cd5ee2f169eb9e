"""Fetching Kratos browser flows for a browser, and deciding what to do when
Kratos will not hand one out (expired, unknown, someone else's, no session).

Views call `fetch_flow`; it either returns the flow or raises `FlowProblem`
saying what the page should do instead.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Literal

from django.apps import apps
from django.http import HttpRequest
from django.utils.translation import gettext as _

from .. import ory
from ..errors import OryRejected
from ..kratos_urls import FlowType
from ..redirects import safe_http_url
from ..sessions import ory_cookie_header

# What to do instead of rendering: start a new flow (with a message), send the
# browser to sign in first, or follow a redirect Kratos named (step-up login).
Action = Literal["restart", "login", "redirect"]

# The query parameters each Kratos "create browser flow" endpoint accepts.
# Not `organization`: open-source Kratos v1.3 has no organizations, and a flow
# created for one comes back without a form (`ui.nodes: null`), which the
# ory-client model refuses; the page then shows the ordinary form instead.
FORWARDED_PARAMS: dict[str, tuple[str, ...]] = {
    "login": ("return_to", "login_challenge", "aal", "refresh", "via"),
    "registration": ("return_to", "login_challenge", "after_verification_return_to"),
    "recovery": ("return_to",),
    "verification": ("return_to",),
    "settings": ("return_to",),
}
# Those of them that name where Kratos sends the browser later: each is checked
# (oryauth.redirects) before we forward it.
URL_PARAMS = frozenset({"return_to", "after_verification_return_to"})


@dataclass
class FlowProblem(Exception):
    """Kratos did not give us the flow; `action` says what the page does next."""

    action: Action
    message: str = ""
    redirect_to: str = ""
    # Where the lost flow was to send the browser (Kratos names it for an
    # expired flow), so the new flow keeps it.
    return_to: str = ""


def _restart(message: str) -> FlowProblem:
    return FlowProblem("restart", message)


def problem_for_rejection(flow_type: FlowType, exc: OryRejected) -> FlowProblem | None:
    """Map Kratos's refusal to hand out a flow to what the page should do.

    Returns None for refusals a new flow would not fix (the caller then shows
    the shared error page).
    """
    body: dict[str, Any] = exc.body if isinstance(exc.body, dict) else {}
    error: dict[str, Any] = body["error"] if isinstance(body.get("error"), dict) else {}
    details: dict[str, Any] = error["details"] if isinstance(error.get("details"), dict) else {}

    if exc.error_id == "session_aal2_required":
        target = str(details.get("redirect_browser_to") or body.get("redirect_browser_to") or "")
        return FlowProblem("redirect", _("Please confirm it is you with your second factor."), target)
    if exc.status == 401 and flow_type == "settings":
        return FlowProblem("login", _("Please sign in to change your account settings."))
    if exc.status == 410 or exc.error_id == "self_service_flow_expired":
        problem = _restart(_("That page expired before it was sent, so we started over. Please try again."))
        problem.return_to = str(details.get("return_to") or "")
        return problem
    if exc.error_id == "security_csrf_violation":
        return _restart(
            _("We could not confirm that this page was opened in this browser, so we started over. "
              "Please try again (your browser must accept cookies).")
        )
    if exc.status in (403, 404):
        return _restart(_("That page is no longer valid, so we started a new one. Please try again."))
    return None


def parse_flow_id(raw: str) -> str | None:
    """The flow id as a canonical UUID string, or None when it is not one."""
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return None


def fetch_flow(request: HttpRequest, flow_type: FlowType, raw_flow_id: str) -> Any:
    """The Kratos flow `raw_flow_id`, fetched with this browser's Ory cookies.

    Raises `FlowProblem` when the page should restart the flow, send the
    browser to sign in, or follow Kratos's redirect; lets `OryUnavailable`
    through (the error-page middleware shows a 503).
    """
    flow_id = parse_flow_id(raw_flow_id)
    if flow_id is None:
        raise _restart(_("That page is no longer valid, so we started a new one. Please try again."))
    getter: Any = {  # ory-client methods wrapped by pydantic (no precise type)
        "login": ory.kratos_frontend().get_login_flow,
        "registration": ory.kratos_frontend().get_registration_flow,
        "recovery": ory.kratos_frontend().get_recovery_flow,
        "verification": ory.kratos_frontend().get_verification_flow,
        "settings": ory.kratos_frontend().get_settings_flow,
    }[flow_type]
    try:
        return getter(id=flow_id, cookie=ory_cookie_header(request))
    except OryRejected as exc:
        problem = problem_for_rejection(flow_type, exc)
        if problem is None:
            raise
        raise problem from None


def oauth2_login_challenge(flow: Any) -> str:
    """The Hydra login challenge a login or registration flow carries, if any
    (`oauth2_login_request.challenge`, or the older `oauth2_login_challenge`):
    only when Kratos itself accepts challenges (its `oauth2_provider.url`),
    i.e. on a site without the provider role."""
    request = getattr(flow, "oauth2_login_request", None)
    if request is not None and request.challenge:
        return str(request.challenge)
    return str(getattr(flow, "oauth2_login_challenge", None) or "")


def oauth2_login_request(request: HttpRequest, flow: Any) -> Any:
    """The Hydra login request a login or registration flow serves, or None:
    with the provider role, the one whose challenge the flow's `return_to`
    carries (oryauth.provider.login_return); otherwise the one Kratos copied
    into the flow."""
    if apps.is_installed("oryauth.provider"):
        from ..provider.login_return import login_request_returned_to

        return login_request_returned_to(request, getattr(flow, "return_to", None))
    return getattr(flow, "oauth2_login_request", None)


def login_hint(login_request: Any) -> str:
    """The OIDC `login_hint` of a Hydra login request, to pre-fill the
    identifier field (Kratos v1.3 does not fill it itself)."""
    context = getattr(login_request, "oidc_context", None)
    return str(getattr(context, "login_hint", None) or "")


@dataclass(frozen=True)
class RequestingClient:
    """The OAuth2 client a sign-in is for, as the page shows it."""

    name: str
    logo_uri: str | None


def requesting_client(login_request: Any) -> RequestingClient | None:
    """The client of a Hydra login request, or None for a plain sign-in. Its
    logo is shown only when it is an absolute http(s) URL (a client's
    `logo_uri` is chosen by whoever registered it)."""
    client = getattr(login_request, "client", None)
    if client is None:
        return None
    name = str(client.client_name or client.client_id or "")
    return RequestingClient(name=name, logo_uri=safe_http_url(client.logo_uri)) if name else None
