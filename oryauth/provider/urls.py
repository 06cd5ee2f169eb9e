"""Hydra challenge pages; the demo site mounts them at the paths hydra.yml names.

`/login` is the self-service login page (it hands Hydra's login challenge to
`oryauth.provider.login.handle_login_challenge`).
"""
from django.urls import path

from ..csp import with_content_security_policy
from ..responses import answers_ory_errors
from . import views

# Every view answers an Ory failure with a page (503 when Ory is down), with
# or without OryErrorPageMiddleware.
app_name = "oryauth_provider"
urlpatterns = [
    path("consent", answers_ory_errors(views.consent), name="consent"),
    path("logout", answers_ory_errors(views.logout), name="logout"),
]
# oryauth's Content-Security-Policy on every page of this role (oryauth/csp.py).
urlpatterns = with_content_security_policy(urlpatterns)
