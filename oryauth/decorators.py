"""Requirements for plain Django views, on top of `request.ory`.

- `accepts_header_credentials`: the view also accepts `Authorization: Bearer`
  (a Kratos session token or a Hydra access token) and `X-Session-Token`.
  Nothing else does: the middleware reads only the Kratos cookie, so a token
  obtained for an API never opens the Django admin or a cookie page. Requests
  authenticated by a header skip CSRF (a browser cannot send them cross-site);
  requests without one get Django's CSRF check as usual.
- `login_required`: a person signed in with Kratos. Browsers are sent to the
  portal login with `return_to`; API callers get a JSON 401 with
  `WWW-Authenticate: Bearer`. Accepts header credentials only where the view
  is also decorated with `accepts_header_credentials` (outermost).
- `api_login_required`: any authenticated caller, including client_credentials
  tokens (machines); always JSON; accepts header credentials.
- `scope_required(*scopes)`: a Bearer access token granted every scope
  (403 `insufficient_scope` otherwise); accepts header credentials.
- `aal2_required`: a person whose session is aal2 (second factor); browsers
  are sent to a step-up login, API callers get RFC 9470's 401
  `insufficient_user_authentication`.

When Ory could not be asked (`UNAVAILABLE_POLICY = "anonymous"`), each of
these answers 503 instead of treating a perhaps valid caller as a stranger.
Class-based views use `method_decorator(login_required, name="dispatch")` or
the mixins at the end.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _

from .conf import oryauth_settings
from .errors import OryUnavailable
from .pages import unavailable_page
from .resolution import OryCaller, caller_accepting_headers, caller_of, has_header_credential, user_of
from .selfservice.browser_urls import create_flow_url

View = Callable[..., HttpResponse]


# --- Responses (also used by the middleware and DRF) -----------------------------


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


def portal_login_redirect(request: HttpRequest, **params: str) -> HttpResponse:
    """To the portal login (through Kratos, which creates the flow), back here after."""
    return HttpResponseRedirect(create_flow_url("login", return_to=request.build_absolute_uri(), **params))


# --- Decorators ----------------------------------------------------------------------


def _csrf_refusal(request: HttpRequest, view: View) -> HttpResponse | None:
    """Django's own CSRF check (CsrfViewMiddleware), for a cookie caller of a
    view that accepts header credentials; None when the request passes."""
    check = CsrfViewMiddleware(lambda request: HttpResponse())
    check.process_request(request)
    return check.process_view(request, view, (), {})


def accepts_header_credentials(view: View) -> View:
    """Let `Authorization: Bearer` and `X-Session-Token` authenticate `view`.

    A header credential, when present, decides `request.user` and
    `request.ory` (an invalid one makes the caller anonymous, whatever cookie
    or Django session came with it) and the request needs no CSRF token.
    Without one, the cookie and Django session apply, CSRF included."""
    if getattr(view, "accepts_header_credentials", False):
        return view

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        caller = caller_accepting_headers(request)
        if caller.via_header:
            if caller.unavailable and oryauth_settings().UNAVAILABLE_POLICY == "fail":
                return unavailable_response(request, caller)
            request.user = user_of(caller)
        elif not getattr(view, "csrf_exempt", False):
            refused = _csrf_refusal(request, view)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    # CSRF is checked above for the requests it protects (cookie callers);
    # CsrfViewMiddleware would refuse a header-authenticated POST.
    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    wrapper.accepts_header_credentials = True  # type: ignore[attr-defined]
    return wrapper


def _refusal(request: HttpRequest, caller: OryCaller) -> HttpResponse:
    if caller.unavailable:
        return unavailable_response(request, caller)
    if caller.is_authenticated:
        # A machine (client_credentials token) on a view meant for people.
        return JsonResponse(
            {"error": "person_required", "error_description": _("This resource is for signed-in people only.")},
            status=403,
        )
    if wants_json(request, caller):
        return unauthenticated_response(request, caller)
    return portal_login_redirect(request)


Refusal = Callable[[HttpRequest, OryCaller], HttpResponse | None]


def _requirement(refusal: Refusal, view: View) -> View:
    """`view`, answered by `refusal(request, caller)` instead when it says no."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = refusal(request, caller_of(request))
        return answer if answer is not None else view(request, *args, **kwargs)

    return wrapper


def _unless_person(request: HttpRequest, caller: OryCaller) -> HttpResponse | None:
    return None if caller.is_person else _refusal(request, caller)


def _unless_authenticated(request: HttpRequest, caller: OryCaller) -> HttpResponse | None:
    if caller.unavailable:
        return unavailable_response(request, caller)
    return None if caller.is_authenticated else unauthenticated_response(request, caller)


def _unless_aal2(request: HttpRequest, caller: OryCaller) -> HttpResponse | None:
    if not caller.is_person:
        return _refusal(request, caller)
    if caller.aal == "aal2":
        return None
    if not wants_json(request, caller):
        return portal_login_redirect(request, aal="aal2")
    description = _("A second factor is required.")
    response = JsonResponse({"error": "insufficient_user_authentication", "error_description": description}, status=401)
    response["WWW-Authenticate"] = bearer_challenge("insufficient_user_authentication", description, acr_values="aal2")
    return response


def login_required(view: View) -> View:
    """Only for a person signed in with Kratos (see module docstring)."""
    return _requirement(_unless_person, view)


def api_login_required(view: View) -> View:
    """Any authenticated caller, person or machine; JSON 401 otherwise.
    Accepts header credentials."""
    return accepts_header_credentials(_requirement(_unless_authenticated, view))


def scope_required(*scopes: str) -> Callable[[View], View]:
    """A Bearer access token granted all of `scopes`."""

    def unless_scopes(request: HttpRequest, caller: OryCaller) -> HttpResponse | None:
        refused = _unless_authenticated(request, caller)
        if refused is None and not caller.has_scopes(*scopes):
            return insufficient_scope_response(scopes)
        return refused

    return lambda view: accepts_header_credentials(_requirement(unless_scopes, view))


def aal2_required(view: View) -> View:
    """A person whose Kratos session passed a second factor (aal2)."""
    return _requirement(_unless_aal2, view)


# --- Mixins for class-based views ---------------------------------------------------------


class _RequirementMixin:
    requirement: Callable[[View], View]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        parent = super().dispatch  # type: ignore[misc]
        return type(self).requirement(parent)(request, *args, **kwargs)


class OryLoginRequiredMixin(_RequirementMixin):
    requirement = staticmethod(login_required)


class ApiLoginRequiredMixin(_RequirementMixin):
    requirement = staticmethod(api_login_required)


class Aal2RequiredMixin(_RequirementMixin):
    requirement = staticmethod(aal2_required)
