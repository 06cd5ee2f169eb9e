"""The app (AppConfig) of this role; see the package docstring."""
from django.apps import AppConfig


class OryAuthClientAdminConfig(AppConfig):
    name = "oryauth.client_admin"
    label = "oryauth_client_admin"
    verbose_name = "Hydra OAuth2 clients"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers this role's system checks)
