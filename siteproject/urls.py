"""URLs of the demo site."""
import logging
import sys

from django.contrib import admin
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.urls import include, path
from django.views import defaults

try:
    from redis.exceptions import RedisError
except ImportError:  # the default profile does not need the redis client
    class RedisError(Exception):  # type: ignore[no-redef]
        """Never raised: stands in when redis is not installed."""

from . import views

logger = logging.getLogger("oryauth.site")

urlpatterns = [
    path("", views.home, name="home"),
    # A page only signed-in users see (login_required sends others to /auth/login).
    path("protected/", views.protected, name="protected"),
    # Who is calling (cookie, session token or access token), as JSON.
    path("api/me/", views.api_me, name="api-me"),
    path("admin/", admin.site.urls),
    # Liveness and readiness for load balancers (oryauth/health.py).
    path("health/", include("oryauth.health")),
    # Every installed oryauth role: the portal (/login, /registration, ...),
    # the provider (/consent, /logout) and the relying party (/auth/...).
    path("", include("oryauth.urls")),
]


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's last resort for an uncaught exception (DEBUG off): a database
    or cache that is down, full or slow is the 503 problem page with a retry
    link and a log line naming the part; anything else stays a plain 500.

    Needed for the production profile: PostgreSQL stopped makes the session
    and user lookups raise in middleware, where no view or app middleware can
    catch it. Rendered without context processors (they read the session
    from the very database that is down).
    """
    exc = sys.exc_info()[1]
    part = "database" if isinstance(exc, DatabaseError) else "cache" if isinstance(exc, RedisError) else ""
    if not part:
        return defaults.server_error(request)
    logger.error("The %s is unavailable on %s: %s: %s", part, request.path, type(exc).__name__, exc)
    page = render_to_string("oryauth/problem.html", {
        "title": "Service temporarily unavailable",
        "message": "This site cannot reach its %s right now. Please try again in a moment." % part,
        "retry_url": request.get_full_path(),
    })
    return HttpResponse(page, status=503, headers={"Retry-After": "5"})


handler500 = server_error
