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
    # The portal: /login, /registration, ..., /consent, /logout (see deploy/ory).
    path("", include("oryauth.urls")),
    # This site as a relying party of Hydra.
    path("auth/", include("oryauth.client.urls")),
]
