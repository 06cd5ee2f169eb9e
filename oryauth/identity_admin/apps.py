"""The app (AppConfig) of this role; see the package docstring."""
from django.apps import AppConfig


class OryAuthIdentityAdminConfig(AppConfig):
    name = "oryauth.identity_admin"
    label = "oryauth_identity_admin"
    verbose_name = "Kratos identities"
    default_auto_field = "django.db.models.BigAutoField"
