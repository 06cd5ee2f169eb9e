"""Django authentication backend for Ory credentials.

    AUTHENTICATION_BACKENDS = [
        "oryauth.backends.OryBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]

`django.contrib.auth.authenticate(request)` then returns the user behind the
request's Kratos cookie, session token or access token (resolved and cached
by `oryauth.resolution`, like the middleware does), and a site that wants a
Django session as well can pass that user to `login()`. Users are created
only by `oryauth.identities.provision_user`, never here.
"""
from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from .resolution import caller_accepting_headers, user_of


class OryBackend(ModelBackend):
    """Authenticates a request by its Ory credential; permissions as ModelBackend."""

    def authenticate(
        self, request: HttpRequest | None, username: str | None = None, password: str | None = None, **credentials: Any
    ) -> Any:
        if request is None or username is not None or password is not None or credentials:
            return None  # username/password and other backends' logins are not ours
        # Calling authenticate(request) is the site opting in to header credentials.
        user = user_of(caller_accepting_headers(request))
        return user if user.is_authenticated and self.user_can_authenticate(user) else None
