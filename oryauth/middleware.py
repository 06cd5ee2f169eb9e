"""`request.user` and `request.ory` from the Kratos session cookie.

Add after Django's AuthenticationMiddleware::

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "oryauth.middleware.OryAuthenticationMiddleware",
        ...,
    ]

Who the caller is, and the cache that makes asking cheap, live in
`oryauth.resolution`. This class only applies the answer for the cookie:

- a valid Kratos session cookie sets `request.user` (the person's Django user);
- an invalid cookie, or none, leaves Django's own session login (e.g. from
  the relying-party callback) untouched;
- Ory unreachable: `UNAVAILABLE_POLICY` ("anonymous" by default; "fail"
  answers 503 here).

Header credentials (`Authorization: Bearer`, `X-Session-Token`) are *not*
read here: a token someone obtained for an API must not open the Django
admin or any page that did not ask for it. Views opt in with
`oryauth.decorators.accepts_header_credentials` (the API decorators and the
DRF classes do so themselves).
"""
from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .conf import oryauth_settings
from .resolution import caller_of, user_of
from .responses import unavailable_response


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
        elif caller.unavailable and oryauth_settings().UNAVAILABLE_POLICY == "fail":
            return unavailable_response(request, caller)
        return self.get_response(request)
