"""Hydra challenge pages; the demo site mounts them at the paths hydra.yml names.

`/login` is the self-service login page (it hands Hydra's login challenge to
`oryauth.provider.login.handle_login_challenge`).
"""
from django.urls import path

from . import views

app_name = "oryauth_provider"
urlpatterns = [
    path("consent", views.consent, name="consent"),
    path("logout", views.logout, name="logout"),
]
