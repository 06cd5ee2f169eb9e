"""`request.user` and `request.ory` from a Kratos session cookie, a Kratos
session token or a Hydra access token.

Add after Django's AuthenticationMiddleware::

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "oryauth.middleware.OryAuthenticationMiddleware",
        ...,
    ]

Who the caller is, and the cache that makes asking cheap, live in
`oryauth.resolution`. This class only applies the answer:

- a valid credential sets `request.user` (the person's Django user;
  anonymous for a machine's client_credentials token);
- an invalid or malformed header credential (Bearer, X-Session-Token) makes
  the caller anonymous, whatever Django session came with it;
- an invalid cookie, or no credential, leaves Django's own session login
  (e.g. from the relying-party callback) untouched;
- Ory unreachable: `UNAVAILABLE_POLICY` ("anonymous" by default; "fail"
  answers 503 here).
"""
from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse

from .conf import oryauth_settings
from .decorators import unavailable_response
from .resolution import caller_of, user_of


class OryAuthenticationMiddleware:
    """Sets `request.ory` (an `OryCaller`) and, for a valid credential,
    `request.user`. Place after Django's AuthenticationMiddleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        caller = caller_of(request)
        if caller.is_authenticated:
            # Eager: on warm requests the user is built from this process's
            # copy of its row (no query), cheaper than a lazy wrapper.
            request.user = user_of(caller)
            if caller.via_header:
                # A header credential cannot be sent cross-site by a browser,
                # so CSRF protection (meant for cookies) does not apply.
                request._dont_enforce_csrf_checks = True  # type: ignore[attr-defined]
        elif caller.unavailable:
            if oryauth_settings().UNAVAILABLE_POLICY == "fail":
                return unavailable_response(request, caller)
            if caller.via_header:
                request.user = AnonymousUser()
        elif caller.via_header:
            request.user = AnonymousUser()
        return self.get_response(request)
