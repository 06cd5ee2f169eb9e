"""The portal's pages for Kratos's browser flows.

Each flow page either sends the browser to Kratos to create a flow (no
`?flow=`), or fetches the flow with the browser's cookies and renders its
form, which posts straight to Kratos: Django never sees a password.
"""
from __future__ import annotations

import contextlib
import logging
import time
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.http import MAX_URL_REDIRECT_LENGTH
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_GET, require_POST

from .. import ory
from ..csp import allow_source, allow_sources
from ..errors import OryError, OryProtocolError, OryRejected, OryUnavailable
from ..kratos_urls import FlowType, create_flow_url
from ..redirects import absolute_safe_url, is_kratos_url, safe_next_url, safe_url
from ..resolution import caller_of, forget_credentials_of
from ..responses import error_page_for, problem_page
from ..sessions import has_session_cookie, ory_cookie_header
from . import error_pages
from .flows import (
    FORWARDED_PARAMS,
    URL_PARAMS,
    FlowProblem,
    fetch_flow,
    login_hint,
    oauth2_login_challenge,
    oauth2_login_request,
    requesting_client,
)
from .nodes import ADDRESS_NOT_VERIFIED, flow_ui
from .unverified_address import address_not_verified, explain_verification_first

logger = logging.getLogger(__name__)

# A browser that drops cookies would bounce between us and Kratos forever:
# after this many restarts within RESTART_WINDOW seconds we show a page instead.
MAX_RESTARTS = 3
RESTART_WINDOW = 60.0


def _redirect(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _redirect_or_explain(request: HttpRequest, url: str) -> HttpResponse:
    """303 to `url`, or a clear 400 page when the parameters we forward made
    it longer than Django lets a redirect be (it would raise DisallowedRedirect,
    a bare 400 page, or Django's debug page with DEBUG on)."""
    if len(url) > MAX_URL_REDIRECT_LENGTH:
        logger.info("Refused to redirect to a %d-character URL from %s", len(url), request.path)
        return problem_page(
            request,
            status=400,
            title=_("This link is too long"),
            message=_("The link that brought you here carries more data than a sign-in page accepts. "
                      "Please go back to the application and start again."),
            retry_url=request.path,
        )
    return _redirect(url)


def _start_flow(request: HttpRequest, flow_type: FlowType, params: dict[str, str | None]) -> HttpResponse:
    """303 to Kratos's endpoint that creates the flow and sends the browser back."""
    # Ask Kratos whether it is up first: a dead Kratos then gets our 503 page
    # with a retry link instead of the browser's own connection error.
    ory.get_json(ory.KRATOS_PUBLIC, "/health/alive")
    provider = apps.is_installed("oryauth.provider")
    challenge_return = ""
    if provider:
        # The provider accepts login challenges: Kratos gets a return_to back to it.
        from ..provider.login_return import challenge_return_for_new_flow

        challenge_return = challenge_return_for_new_flow(request, params)
    allowed = FORWARDED_PARAMS[flow_type]
    forwarded = {k: v for k, v in params.items() if k in allowed}
    for name in URL_PARAMS & forwarded.keys():
        # Kratos v1.3 does not check every one of these: an unsafe value is
        # dropped here, so Kratos falls back to its configured default.
        forwarded[name] = absolute_safe_url(request, forwarded[name])
        given = params[name] or ""
        if given and not forwarded[name]:
            logger.warning("Ignored %s=%r: not on this site, Kratos, Hydra or ORYAUTH['REDIRECT_ALLOWED_HOSTS']",
                           name, given[:200])
    if provider:
        forwarded.pop("login_challenge", None)
    if challenge_return:
        forwarded["return_to"] = challenge_return
    return _redirect_or_explain(request, create_flow_url(flow_type, **forwarded))


def login_first(request: HttpRequest, message: str, come_back_to: str = "settings") -> HttpResponse:
    """Send the browser to sign in, coming back to the portal page
    `come_back_to` (the settings page unless said otherwise) after."""
    messages.info(request, message)
    return_to = request.build_absolute_uri(reverse(f"oryauth_portal:{come_back_to}"))
    return _redirect(reverse("oryauth_portal:login") + "?" + urlencode({"return_to": return_to}))


def _too_many_restarts(request: HttpRequest, flow_type: str) -> bool:
    """Record a restart of `flow_type`; True when the browser keeps coming back."""
    key = f"oryauth_restarts_{flow_type}"
    now = time.time()
    recent = [t for t in request.session.get(key, []) if now - t < RESTART_WINDOW] + [now]
    request.session[key] = recent
    return len(recent) > MAX_RESTARTS


def _handle_problem(request: HttpRequest, flow_type: FlowType, problem: FlowProblem) -> HttpResponse:
    if problem.action == "login":
        return login_first(request, problem.message)
    if problem.action == "redirect" and is_kratos_url(problem.redirect_to):
        messages.info(request, problem.message)
        return _redirect(problem.redirect_to)
    if _too_many_restarts(request, flow_type):
        return problem_page(
            request,
            status=400,
            title=_("This page keeps expiring"),
            message=_("We started over several times without success. Please make sure your browser accepts "
                      "cookies from this site, then try again."),
            retry_url=reverse(f"oryauth_portal:{flow_type}"),
        )
    messages.warning(request, problem.message)
    return _start_flow(request, flow_type, {"return_to": request.GET.get("return_to") or problem.return_to})


def _link(name: str, **params: str | None) -> str:
    query = urlencode({k: v for k, v in params.items() if v})
    url = reverse(f"oryauth_portal:{name}")
    return f"{url}?{query}" if query else url


def _page_context(request: HttpRequest, flow_type: FlowType, flow: Any, login_request: Any) -> dict[str, Any]:
    """What every flow template gets: the flow, its forms, and cross links
    that keep `return_to` and the OAuth2 login challenge."""
    # Kratos v1.3 does not fill the identifier from the OIDC login_hint itself.
    hint = login_hint(login_request) if flow_type == "login" else ""
    ui = flow_ui(flow.ui, prefill={"identifier": hint}, link_is_safe=lambda url: bool(safe_url(request, url)))
    if not safe_url(request, ui.action):
        # The form would send what the person types to a host we do not trust.
        # (Kratos, or this site: a passed verification "continues" to return_to.)
        logger.error("Kratos flow %s has the form action %r, not on a trusted host", getattr(flow, "id", ""), ui.action)
        raise OryProtocolError("Kratos public", "the flow's form does not post to Kratos or this site")
    # Kratos v1.3 stores the return_to it was given without checking it.
    return_to = safe_url(request, getattr(flow, "return_to", None))
    challenge = oauth2_login_challenge(flow) or str(getattr(login_request, "challenge", None) or "")
    requested_aal = getattr(flow, "requested_aal", None)  # enums in ory-client
    state = getattr(flow, "state", None)
    return {
        "flow": flow,
        "flow_type": flow_type,
        "ui": ui,
        "return_to": return_to,
        "login_challenge": challenge,
        "login_url": _link("login", return_to=return_to, login_challenge=challenge),
        "registration_url": _link("registration", return_to=return_to, login_challenge=challenge),
        "recovery_url": _link("recovery", return_to=return_to, login_challenge=challenge),
        "verification_url": _link("verification", return_to=return_to),
        "address_not_verified": ADDRESS_NOT_VERIFIED in ui.message_ids,
        "requested_aal2": getattr(requested_aal, "value", requested_aal) == "aal2",
        "refresh": bool(getattr(flow, "refresh", False)),
        "flow_state": str(getattr(state, "value", state) or ""),
        # "To continue to Notes": the client that asked for this sign-in, if any.
        "requesting_client": requesting_client(login_request),
    }


def flow_page(request: HttpRequest, flow_type: FlowType) -> HttpResponse:
    """Create (redirect to Kratos) or render the `flow_type` flow."""
    raw_flow_id = request.GET.get("flow", "")
    if not raw_flow_id:
        if flow_type == "settings" and not has_session_cookie(request):
            return login_first(request, _("Please sign in to change your account settings."))
        # login_challenge too: any flow started from a challenge's page returns to it.
        wanted = (*FORWARDED_PARAMS[flow_type], "login_challenge")
        return _start_flow(request, flow_type, {k: request.GET.get(k) for k in wanted})
    try:
        flow = fetch_flow(request, flow_type, raw_flow_id)
    except FlowProblem as problem:
        return _handle_problem(request, flow_type, problem)
    except OryRejected as exc:
        return error_page_for(request, exc)
    if flow_type == "login" and address_not_verified(flow):
        # Verify first, then sign in again (with the same application's challenge).
        explain_verification_first(request, flow)
        sign_in_again = _link("login", return_to=safe_url(request, getattr(flow, "return_to", None)),
                              login_challenge=oauth2_login_challenge(flow))
        return _start_flow(request, "verification", {"return_to": sign_in_again})
    login_request = oauth2_login_request(request, flow) if flow_type in ("login", "registration") else None
    with _client_language(request, login_request):
        try:
            context = _page_context(request, flow_type, flow, login_request)
        except OryProtocolError as exc:
            return error_page_for(request, exc)
        response = render(request, f"oryauth/portal/{flow_type}.html", context)
        response.headers.setdefault("Content-Language", translation.get_language())
    _allow_page_sources(response, login_request, context)
    return response


def _client_language(request: HttpRequest, login_request: Any) -> Any:
    """The page in the language the OAuth2 client asked for (OIDC `ui_locales`)."""
    if login_request is None or not apps.is_installed("oryauth.provider"):
        return contextlib.nullcontext()
    from ..provider.ui_locales import in_client_language

    return in_client_language(request, login_request.oidc_context)


def _allow_page_sources(response: HttpResponse, login_request: Any, context: dict[str, Any]) -> None:
    """Widen this page's Content-Security-Policy for what it legitimately
    uses: the requesting client's logo, and where a post may end up (Kratos
    redirects to `return_to`, or through Hydra to the client's redirect URI)."""
    client = getattr(login_request, "client", None)
    if context.get("requesting_client"):
        allow_sources(response, "img-src", [context["requesting_client"].logo_uri])
    allow_sources(response, "form-action", [context["return_to"], *(getattr(client, "redirect_uris", None) or [])])
    if context["ui"].offers_providers:
        # A provider button posts to Kratos, which redirects to the provider
        # Kratos is configured with (and Chromium checks form-action on that
        # redirect). Django cannot read Kratos's provider list, so any HTTPS
        # origin is allowed here; a provider on plain http (development) is
        # added by the site in CONTENT_SECURITY_POLICY["form-action"].
        allow_source(response, "form-action", "https:")


@xframe_options_deny  # account forms are never framed, even on sites without XFrameOptionsMiddleware
@require_GET
def login(request: HttpRequest) -> HttpResponse:
    """`/login`: Hydra's login challenge (handled by the provider) or Kratos's login flow."""
    if request.GET.get("login_challenge") and not request.GET.get("flow") and apps.is_installed("oryauth.provider"):
        # The provider accepts the challenge, or sends the person to a Kratos
        # flow returning here. Without the provider role, Kratos itself
        # completes the challenge after sign-in (its oauth2_provider.url setting).
        from ..provider.login import handle_login_challenge

        return handle_login_challenge(request)
    return flow_page(request, "login")


@xframe_options_deny
@require_GET
def registration(request: HttpRequest) -> HttpResponse:
    return flow_page(request, "registration")


@xframe_options_deny
@require_GET
def recovery(request: HttpRequest) -> HttpResponse:
    return flow_page(request, "recovery")


@xframe_options_deny
@require_GET
def verification(request: HttpRequest) -> HttpResponse:
    return flow_page(request, "verification")


@xframe_options_deny
@require_GET
def settings(request: HttpRequest) -> HttpResponse:
    """`/settings`: needs a Kratos session; without one, sign in first."""
    return flow_page(request, "settings")


@require_GET
def error(request: HttpRequest) -> HttpResponse:
    """`/error`: a Kratos flow error (`?id=`) or a Hydra error (`?error=`)."""
    if request.GET.get("id"):
        return error_pages.kratos_error_page(request, request.GET["id"])
    return error_pages.hydra_error_page(request, request.GET.get("error", ""), request.GET.get("error_description", ""),
                                        request.GET.get("error_hint", ""))


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """`/signout` (POST, Django CSRF-protected): end the Kratos session.

    Creates Kratos's browser logout flow with the browser's cookies and sends
    the browser to its logout URL, where Kratos clears the session cookie.
    """
    requested = safe_next_url(request, request.POST.get("return_to", ""), default="")
    home = requested or "/"
    if not has_session_cookie(request):
        return _redirect(home)
    try:
        # Without a return_to Kratos sends the browser to its configured
        # logout destination (this site's home page).
        logout_flow = ory.kratos_frontend().create_browser_logout_flow(
            cookie=ory_cookie_header(request), return_to=request.build_absolute_uri(requested) if requested else None
        )
    except OryRejected as exc:
        if exc.status == 401:  # the Kratos session had already ended
            forget_credentials_of(request)  # this site may still hold it as valid in its cache
            return _redirect(home)
        raise
    except OryUnavailable as exc:
        # Not the shared 503 page: its retry link would GET this POST-only URL.
        logger.warning("Ory unavailable on %s: %s", request.path, exc)
        return problem_page(request, status=503, title=_("Sign-in service unavailable"),
                            message=_("We could not reach the sign-in service to sign you out. Please try again "
                                      "in a moment."), detail=str(exc), retry_url=home)
    # Anything this site caches about the Kratos session must be forgotten
    # here, before the browser leaves for Kratos's logout URL.
    identity_id = caller_of(request).identity_id
    forget_credentials_of(request)
    if identity_id and apps.is_installed("oryauth.provider"):
        _end_remembered_oauth2_logins(identity_id)
    return _redirect(logout_flow.logout_url)


def _end_remembered_oauth2_logins(identity_id: str) -> None:
    """Kratos's logout does not tell Hydra: without this, an OAuth2 client
    could sign the person in again without a password while Hydra still
    remembers the login. A Hydra outage must not block signing out of Kratos."""
    try:
        from ..provider.logout import forget_remembered_logins

        forget_remembered_logins(identity_id)
    except OryError as exc:
        logger.warning("Signed out of Kratos, but Hydra's remembered logins could not be ended: %s", exc)
