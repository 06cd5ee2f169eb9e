"""Relying-party views: start a sign-in at Hydra, finish it on the callback,
sign out. Each reads the request, calls one function of `flow`, and renders
or redirects; every failure becomes a clear page (`oryauth.responses`)."""
from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ..conf import oryauth_settings
from ..errors import LoginRejected, OryError, OryProtocolError, OryRejected, OryUnavailable
from ..parameters import parse_max_age
from ..redirects import safe_next_url
from ..resolution import forget_credentials_of
from ..responses import problem_page
from .backchannel import LogoutTokenInvalid, end_sessions, verify_logout_token
from .flow import authorization_url, complete_login, finish_sign_out, passthrough_parameters, sign_out
from .idtoken import IdTokenInvalid
from .state import PendingLogin, begin_login, restore_pending_login, take_pending_login
from .tokens import TokenEndpointError

logger = logging.getLogger(__name__)


def start_url(next_url: str | None = None) -> str:
    """The start view's URL, with `next` when given."""
    url = reverse("oryauth_client:login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@never_cache
@require_GET
def start_login(request: HttpRequest) -> HttpResponse:
    """Send the browser to Hydra to sign in; `?next=` says where to come back
    to (ignored unless it is on this site)."""
    extra = passthrough_parameters(request.GET)
    max_age = parse_max_age(extra.get("max_age"))
    pending = begin_login(request, safe_next_url(request, request.GET.get("next")), max_age=max_age)
    try:
        return HttpResponseRedirect(authorization_url(pending, extra))
    except OryProtocolError as exc:
        # Hydra's discovery document is unusable: for the person this is the
        # sign-in service being down (503 with a retry), the log says why.
        logger.error("Cannot start a sign-in: %s", exc)
        return problem_page(
            request,
            status=503,
            title=_("Signing in is not possible right now"),
            message=_("The sign-in service is not working properly. Please try again later."),
            retry_url=start_url(pending.next_url),
        )


@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Where Hydra sends the browser back with a code (or an error)."""
    pending = take_pending_login(request, request.GET.get("state"))
    if "error" in request.GET:
        return _provider_error_page(request, pending)
    if pending is None:
        logger.info("Callback with an unknown, used or expired state: refused")
        return problem_page(
            request,
            status=400,
            title=_("This sign-in link is no longer valid"),
            message=_(
                "It was already used, has expired, or was not started in this browser. "
                "Nothing was signed in. Please start again."
            ),
            retry_url=start_url(),
        )
    code = request.GET.get("code")
    if not code:
        return problem_page(
            request,
            status=400,
            title=_("Sign-in could not be completed"),
            message=_("The sign-in service sent no authorization code."),
            retry_url=start_url(pending.next_url),
        )
    try:
        complete_login(request, pending, code)
    except OryUnavailable:
        # The code is probably still good: keep the sign-in so the 503 page's
        # "Try again" (this same callback URL) can finish it.
        restore_pending_login(request, pending)
        raise
    except TokenEndpointError as exc:
        return _token_error_page(request, exc, pending)
    except IdTokenInvalid as exc:
        logger.warning("ID token refused (%s): %s", exc.reason, exc.message)
        return problem_page(
            request,
            status=400,
            title=_("Sign-in could not be verified"),
            message=_("The sign-in service's answer failed a security check, so nobody was signed in."),
            detail=f"{exc.reason}: {exc.message}",
            retry_url=start_url(pending.next_url),
        )
    except (OryProtocolError, OryRejected) as exc:
        # Hydra answered discovery, the JWKS or userinfo with something
        # unusable (or refused it): nobody was signed in, say so clearly.
        logger.warning("Sign-in refused, unusable answer from the sign-in service: %s", exc)
        return problem_page(
            request,
            status=400,
            title=_("Sign-in could not be completed"),
            message=_("The sign-in service sent an answer this site cannot use, so nobody was signed in. Please try again."),
            retry_url=start_url(pending.next_url),
        )
    except LoginRejected as exc:
        logger.info("Login refused by the user provisioner: %s", exc.reason)
        return problem_page(request, status=403, title=_("You cannot sign in to this site"), message=exc.reason)
    return HttpResponseRedirect(pending.next_url)


def _provider_error_page(request: HttpRequest, pending: PendingLogin | None) -> HttpResponse:
    error = request.GET.get("error", "")[:100]
    description = request.GET.get("error_description", "")[:500]
    logger.info("Hydra ended the sign-in with error %r", error)
    if error == "access_denied":
        title, message, status = (
            _("Sign-in was not completed"),
            _("Access was denied: the sign-in was cancelled, or permission to share your account with this site was refused."),
            403,
        )
    else:
        title, message, status = (
            _("Sign-in could not be completed"),
            _("The sign-in service reported a problem with this sign-in."),
            400,
        )
    detail = f"{error}: {description}" if description else error
    return problem_page(
        request, status=status, title=title, message=message, detail=detail,
        retry_url=start_url(pending.next_url if pending else None),
    )


def _token_error_page(request: HttpRequest, exc: TokenEndpointError, pending: PendingLogin) -> HttpResponse:
    if exc.misconfigured:
        # The site's settings are wrong: the operator needs the explanation,
        # the user needs to know it is not their fault.
        logger.error("Token endpoint refused this site's client: %s (%s)", exc.explanation, exc.detail)
        return problem_page(
            request,
            status=502,
            title=_("This site's sign-in is misconfigured"),
            message=_("The sign-in service refused this site. The site's administrators need to fix its settings."),
            detail=exc.explanation,
        )
    logger.info("Token endpoint refused the code: %s", exc)
    return problem_page(
        request,
        status=400,
        title=_("Sign-in could not be completed"),
        message=exc.explanation,
        detail=exc.detail,
        retry_url=start_url(pending.next_url),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST signs out here, at Hydra and (through Hydra's
    logout page) at the portal."""
    if request.method == "GET":
        return render(request, "oryauth/client/logout.html", {})
    destination = sign_out(request)
    # Caches keyed by this browser's credentials are invalidated here: the
    # middleware's answer for its Kratos cookie must not outlive the sign-out.
    forget_credentials_of(request)
    return HttpResponseRedirect(destination)


@never_cache
@require_GET
def logged_out(request: HttpRequest) -> HttpResponse:
    """Hydra's post-logout redirect target. By now Hydra has ended its login
    session and the Kratos session, so answers cached for this browser's
    credentials while they were still valid (e.g. on the portal's logout page)
    are dropped before the browser goes on."""
    forget_credentials_of(request)
    if finish_sign_out(request, request.GET.get("state")):
        messages.success(request, _("You are signed out."))
    return HttpResponseRedirect(oryauth_settings().CLIENT_DEFAULT_NEXT)


@csrf_exempt  # Hydra posts from its server: there is no browser, cookie or CSRF token
@never_cache
@require_POST
def backchannel_logout(request: HttpRequest) -> HttpResponse:
    """OpenID Connect Back-Channel Logout 1.0: Hydra posts a `logout_token`
    when a login session ends; the Django sessions it made here end too.
    200 when done, 400 with an OAuth2 error body when the token is refused
    or cannot be processed (never a 500: the spec knows only these two)."""
    try:
        logout = verify_logout_token(request.POST.get("logout_token"))
        ended = end_sessions(logout)
    except LogoutTokenInvalid as exc:
        logger.warning("Back-channel logout token refused (%s): %s", exc.reason, exc.message)
        return _backchannel_error(f"{exc.reason}: {exc.message}")
    except OryError as exc:
        logger.warning("Back-channel logout token cannot be verified now: %s", exc)
        return _backchannel_error("Hydra's signing keys cannot be read right now")
    except Exception:  # a database or session-store failure, an unreadable body: still an answer
        logger.exception("Back-channel logout could not be processed")
        return _backchannel_error("the logout could not be processed")
    logger.info("Back-channel logout ended %d sign-in(s) (sid %s)", ended, logout.sid or "-")
    response = HttpResponse(status=200)
    response["Cache-Control"] = "no-store"
    return response


def _backchannel_error(description: str) -> HttpResponse:
    response = JsonResponse({"error": "invalid_request", "error_description": description}, status=400)
    response["Cache-Control"] = "no-store"
    return response
