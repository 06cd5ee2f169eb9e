"""The app (AppConfig) of this role; see the package docstring."""
from django.apps import AppConfig


class OryAuthClientConfig(AppConfig):
    name = "oryauth.client"
    label = "oryauth_client"
    verbose_name = "Ory relying party"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers this role's system checks)
