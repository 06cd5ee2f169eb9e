"""The provider's pages: Hydra's consent and logout challenges.

(The login challenge arrives at the self-service `/login` page, which hands
it to `oryauth.provider.login.handle_login_challenge`.)
Views stay thin: read the request, call one function of consent.py or
logout.py, render or redirect. Forms post back to the same URL, whose query
string carries the challenge.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_http_methods
from ory_client.models.o_auth2_consent_request import OAuth2ConsentRequest

from ..csp import allow_sources
from ..redirects import safe_http_url
from ..resolution import forget_credentials_of
from ..responses import problem_page
from . import consent as consent_steps
from . import logout as logout_steps
from .binding import require_subject
from .challenges import (
    ChallengeProblem,
    challenge_problem_page,
    client_display_name,
    read_challenge,
    remember_client,
)
from .ui_locales import in_client_language


def _redirect(url: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(url, status=303)


def _unknown_action(request: HttpRequest) -> HttpResponse:
    return problem_page(
        request,
        status=400,
        title=_("Unknown choice"),
        message=_("Please use one of the buttons on the page."),
        retry_url=request.get_full_path(),
    )


@xframe_options_deny  # a framed consent page could be clickjacked into "Allow"
@never_cache
@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest) -> HttpResponse:
    """`/consent`: skip, or ask which scopes the client may have."""
    try:
        challenge = read_challenge(request, consent_steps.CHALLENGE)
        consent_request = consent_steps.get_consent_request(challenge)
        remember_client(request, challenge, consent_request.client)
        # Only the person it was issued for may see, skip, allow or deny it.
        require_subject(request, consent_steps.CHALLENGE, consent_request.subject, consent_request.login_session_id)
        if request.method == "GET":
            if consent_steps.consent_can_be_skipped(consent_request):
                return _redirect(consent_steps.accept_skipped_consent(consent_request))
            with in_client_language(request, consent_request.oidc_context):
                context = _consent_context(consent_request)
                response = render(request, "oryauth/provider/consent.html", context)
            # The answer goes through Hydra to the client's redirect URI.
            allow_sources(response, "form-action", (consent_request.client.redirect_uris or []) if consent_request.client else [])
            allow_sources(response, "img-src", [context["logo_uri"]])
            return response
        action = request.POST.get("action")
        if action == "deny":
            return _redirect(consent_steps.reject_consent(consent_request))
        if action != "allow":
            return _unknown_action(request)
        return _redirect(
            consent_steps.accept_consent(
                consent_request,
                consent_steps.granted_scopes(consent_request, request.POST.getlist("scope")),
                list(consent_request.requested_access_token_audience or []),
                remember=request.POST.get("remember") == "yes",
            )
        )
    except ChallengeProblem as problem:
        return challenge_problem_page(request, problem)


def _consent_context(consent_request: OAuth2ConsentRequest) -> dict[str, Any]:
    """What the consent page shows; client links only when they are http(s)."""
    client = consent_request.client
    return {
        "client_name": client_display_name(client),
        "logo_uri": safe_http_url(client.logo_uri) if client else None,
        "client_uri": safe_http_url(client.client_uri) if client else None,
        "policy_uri": safe_http_url(client.policy_uri) if client else None,
        "tos_uri": safe_http_url(client.tos_uri) if client else None,
        "scopes": consent_steps.scope_choices(consent_request),
        "audience": list(consent_request.requested_access_token_audience or []),
    }


def _accept_logout(request: HttpRequest, challenge: str) -> HttpResponse:
    destination = logout_steps.accept_logout(challenge)
    # Hydra ends the Kratos session once the browser follows `destination`;
    # the answer cached for this browser's session must not outlive it.
    forget_credentials_of(request)
    return _redirect(destination)


@xframe_options_deny
@never_cache
@require_http_methods(["GET", "POST"])
def logout(request: HttpRequest) -> HttpResponse:
    """`/logout`: Hydra's logout challenge; asks "Sign out of <client>?"
    unless the client may sign people out without asking."""
    try:
        challenge = read_challenge(request, logout_steps.CHALLENGE)
        logout_request = logout_steps.get_logout_request(challenge)
        # Only the person being signed out may accept or refuse.
        require_subject(request, logout_steps.CHALLENGE, logout_request.subject, logout_request.sid)
        if request.method == "GET":
            if logout_steps.logout_can_be_skipped(logout_request):
                return _accept_logout(request, challenge)
            response = render(
                request, "oryauth/provider/logout.html", {"client_name": client_display_name(logout_request.client)}
            )
            client = logout_request.client
            allow_sources(response, "form-action", (client.post_logout_redirect_uris or []) if client else [])
            return response
        action = request.POST.get("action")
        if action == "yes":
            return _accept_logout(request, challenge)
        if action != "no":
            return _unknown_action(request)
        destination = logout_steps.reject_logout(logout_request)
        messages.info(request, _("You are still signed in."))
        return _redirect(destination)
    except ChallengeProblem as problem:
        return challenge_problem_page(request, problem)
