"""Self-service pages; the demo site mounts them at the paths kratos.yml names."""
from django.urls import path

from . import views

app_name = "oryauth_selfservice"
urlpatterns = [
    path("login", views.login, name="login"),
    path("registration", views.registration, name="registration"),
    path("recovery", views.recovery, name="recovery"),
    path("verification", views.verification, name="verification"),
    path("settings", views.settings, name="settings"),
    path("error", views.error, name="error"),
    path("signout", views.signout, name="signout"),
]
