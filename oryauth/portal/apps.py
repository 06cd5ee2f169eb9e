"""The app (AppConfig) of this role; see the package docstring."""
from django.apps import AppConfig


class OryAuthPortalConfig(AppConfig):
    name = "oryauth.portal"
    label = "oryauth_portal"
    verbose_name = "Ory portal (Kratos self-service pages)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers this role's system checks)
