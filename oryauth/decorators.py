"""Requirements for plain Django views, on top of `request.ory`.

- `accepts_header_credentials`: the view also accepts `Authorization: Bearer`
  (a Kratos session token or a Hydra access token) and `X-Session-Token`.
  Nothing else does: the middleware reads only the Kratos cookie, so a token
  obtained for an API never opens the Django admin or a cookie page. Requests
  authenticated by a header skip CSRF (a browser cannot send them cross-site);
  requests without one get Django's CSRF check as usual.
- `login_required`: a person: signed in with Kratos, or to this site's
  Django session (e.g. through the relying party). Browsers are sent to the
  site's way in (`login_redirect`); API callers get a JSON 401 with
  `WWW-Authenticate: Bearer`. Accepts header credentials only where the view
  is also decorated with `accepts_header_credentials` (outermost).
- `api_login_required`: any authenticated caller, including client_credentials
  tokens (machines); always JSON; accepts header credentials.
- `scope_required(*scopes, introspect=False)`: a Bearer access token granted
  every scope (403 `insufficient_scope` otherwise); accepts header
  credentials. A JWT access token verified locally (`JWT_ACCESS_TOKENS`) is
  introspected at Hydra as well when `introspect` is set or a scope is in
  INTROSPECT_SCOPES: sensitive views see revocations before the JWT expires.
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

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.utils.translation import gettext as _

from .conf import installed_roles, oryauth_settings
from .kratos_urls import create_flow_url
from .resolution import OryCaller, caller_accepting_headers, caller_confirmed_by_ory, caller_of, user_of
from .responses import (
    View,
    bearer_challenge,
    insufficient_scope_response,
    unauthenticated_response,
    unavailable_response,
    wants_json,
)


def login_redirect(request: HttpRequest, *, aal: str = "") -> HttpResponse:
    """Send an anonymous browser to this site's own way in, back here after:
    the relying party's start (`/auth/login?next=`) where `oryauth.client` is
    installed, else the portal's Kratos login where `oryauth.portal` is, else
    Django's LOGIN_URL. Never to a portal the site does not run. A step-up
    (`aal="aal2"`) needs the portal's Kratos session."""
    roles = installed_roles()
    if "portal" in roles and (aal or "client" not in roles):
        return HttpResponseRedirect(create_flow_url("login", return_to=request.build_absolute_uri(), aal=aal))
    if "client" in roles:
        return redirect_to_login(request.get_full_path(), reverse("oryauth_client:login"))
    return redirect_to_login(request.get_full_path())


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
    return login_redirect(request)


Refusal = Callable[[HttpRequest, OryCaller], HttpResponse | None]


def _requirement(refusal: Refusal, view: View) -> View:
    """`view`, answered by `refusal(request, caller)` instead when it says no."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        answer = refusal(request, caller_of(request))
        return answer if answer is not None else view(request, *args, **kwargs)

    return wrapper


def _unless_person(request: HttpRequest, caller: OryCaller) -> HttpResponse | None:
    # A person: vouched for by Ory, or signed in to this site's Django session
    # (the relying party's callback logs users in that way).
    user = getattr(request, "user", None)
    if caller.is_person or (not caller.presented_credential and user is not None and user.is_authenticated):
        return None
    return _refusal(request, caller)


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
        return login_redirect(request, aal="aal2")
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


def scope_required(*scopes: str, introspect: bool = False) -> Callable[[View], View]:
    """A Bearer access token granted all of `scopes`. With `introspect` (or
    one of `scopes` in INTROSPECT_SCOPES) a JWT access token verified locally
    is asked about at Hydra too, so a revoked one is refused here."""

    def unless_scopes(request: HttpRequest, caller: OryCaller) -> HttpResponse | None:
        if introspect or needs_introspection(scopes):
            caller = caller_confirmed_by_ory(request)
        refused = _unless_authenticated(request, caller)
        if refused is None and not caller.has_scopes(*scopes):
            return insufficient_scope_response(scopes)
        return refused

    return lambda view: accepts_header_credentials(_requirement(unless_scopes, view))


def needs_introspection(scopes: Any) -> bool:
    """Whether a view requiring `scopes` asks Hydra even about a JWT access
    token it could verify locally (INTROSPECT_SCOPES)."""
    return bool(set(scopes) & set(oryauth_settings().INTROSPECT_SCOPES))


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
