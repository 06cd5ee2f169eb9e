"""Relying-party views; `include("oryauth.urls")` mounts them under /auth/."""
from django.urls import path

from ..csp import with_content_security_policy
from ..responses import answers_ory_errors
from . import views

# Every view answers an Ory failure with a page (503 when Ory is down), with
# or without OryErrorPageMiddleware.
app_name = "oryauth_client"
urlpatterns = [
    path("login", answers_ory_errors(views.start_login), name="login"),
    path("callback", answers_ory_errors(views.callback), name="callback"),
    path("logout", answers_ory_errors(views.logout_view), name="logout"),
    path("logged-out", answers_ory_errors(views.logged_out), name="logged-out"),
    # Answers every failure itself (400, never a page): Hydra is the caller.
    path("backchannel-logout", views.backchannel_logout, name="backchannel-logout"),
]
# oryauth's Content-Security-Policy on every page of this role (oryauth/csp.py).
urlpatterns = with_content_security_policy(urlpatterns)
