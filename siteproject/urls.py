"""URLs of the demo site."""
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # A page only signed-in users see (login_required sends others to /auth/login).
    path("protected/", views.protected, name="protected"),
    # Who is calling (cookie, session token or access token), as JSON.
    path("api/me/", views.api_me, name="api-me"),
    path("admin/", admin.site.urls),
    # Liveness and readiness for load balancers (oryauth/health.py).
    path("health/", include("oryauth.health")),
    # Django's set_language view: the language switcher on oryauth's pages posts here.
    path("i18n/", include("django.conf.urls.i18n")),
    # Every installed oryauth role: the portal (/login, /registration, ...),
    # the provider (/consent, /logout) and the relying party (/auth/...).
    path("", include("oryauth.urls")),
]


# oryauth's pages for what Django answers before or after any view: a
# malformed request (400) and a database or cache that is down (503 instead
# of a bare 500). Django uses them with DEBUG off.
handler400 = "oryauth.responses.bad_request"
handler500 = "oryauth.responses.server_error"
