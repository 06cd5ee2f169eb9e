"""Django REST framework support (optional: import only where DRF is installed).

    REST_FRAMEWORK = {
        "DEFAULT_AUTHENTICATION_CLASSES": ["oryauth.drf.OryAuthentication"],
        "DEFAULT_PERMISSION_CLASSES": ["oryauth.drf.IsOryAuthenticated"],
    }

    class Reports(APIView):
        permission_classes = [HasScope]
        required_scopes = ["reports:read"]

`request.auth` is the `OryCaller` (identity id, client id, scopes, aal,
expiry). A client_credentials token authenticates with an anonymous
`request.user`: use `IsOryAuthenticated` (not DRF's `IsAuthenticated`) to let
machines in, `IsAuthenticated` to require a person.
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from .conf import oryauth_settings
from .decorators import needs_introspection
from .resolution import OryCaller, caller_accepting_headers, caller_confirmed_by_ory, user_of
from .responses import bearer_challenge


class OryUnavailableError(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = _("The sign-in service cannot be reached.")
    default_code = "temporarily_unavailable"


class InsufficientScope(exceptions.PermissionDenied):
    default_detail = _("The access token lacks a required scope.")
    default_code = "insufficient_scope"


def _caller(request: Request) -> OryCaller:
    # Listing OryAuthentication is a DRF view's opt-in to header credentials.
    return caller_accepting_headers(request._request)


class OryAuthentication(BaseAuthentication):
    """Authenticates by a header credential (Bearer, X-Session-Token) or the
    Kratos session cookie (with DRF's CSRF check for unsafe methods)."""

    def authenticate(self, request: Request) -> tuple[Any, OryCaller] | None:
        caller = _caller(request)
        if caller.is_authenticated:
            if caller.via == "session_cookie":
                # Browsers send cookies cross-site: unsafe methods need Django's
                # CSRF token, as with DRF's SessionAuthentication.
                SessionAuthentication().enforce_csrf(request)
            return user_of(caller), caller
        if caller.unavailable:
            if oryauth_settings().UNAVAILABLE_POLICY == "fail":
                raise OryUnavailableError()
            return None  # permission classes below answer 503
        if caller.presented_credential:
            raise exceptions.AuthenticationFailed(_("The credential is invalid, expired or revoked."))
        return None

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) with a Bearer challenge.
        return bearer_challenge()


class IsOryAuthenticated(BasePermission):
    """Any caller Ory vouched for: a person, or a machine's access token."""

    def has_permission(self, request: Request, view: Any) -> bool:
        caller = _caller(request)
        if caller.unavailable:
            raise OryUnavailableError()
        return caller.is_authenticated


class HasScope(IsOryAuthenticated):
    """An access token granted every scope in the view's `required_scopes`.
    A JWT access token verified locally is introspected at Hydra as well when
    the view sets `introspect = True` or a scope is in INTROSPECT_SCOPES."""

    def has_permission(self, request: Request, view: Any) -> bool:
        required = tuple(getattr(view, "required_scopes", ()))
        if getattr(view, "introspect", False) or needs_introspection(required):
            confirmed = caller_confirmed_by_ory(request._request)
            # DRF authenticated the request with the local answer: follow Hydra's.
            request.user, request.auth = user_of(confirmed), confirmed
        if not super().has_permission(request, view):
            return False
        if not _caller(request).has_scopes(*required):
            raise InsufficientScope({"error": "insufficient_scope", "required_scopes": list(required)})
        return True
