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
    # Every installed oryauth role: the portal (/login, /registration, ...),
    # the provider (/consent, /logout) and the relying party (/auth/...).
    path("", include("oryauth.urls")),
]
