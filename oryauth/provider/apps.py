"""The app (AppConfig) of this role; see the package docstring."""
from django.apps import AppConfig


class OryAuthProviderConfig(AppConfig):
    name = "oryauth.provider"
    label = "oryauth_provider"
    verbose_name = "Ory OpenID provider (Hydra challenges)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers this role's system checks)
