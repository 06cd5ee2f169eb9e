"""Relying-party views; the demo site mounts them under /auth/."""
from django.urls import path

from . import views

app_name = "oryauth_client"
urlpatterns = [
    path("login", views.start_login, name="login"),
    path("callback", views.callback, name="callback"),
    path("logout", views.logout_view, name="logout"),
    path("logged-out", views.logged_out, name="logged-out"),
]
