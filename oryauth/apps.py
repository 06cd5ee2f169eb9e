from django.apps import AppConfig


class OryAuthConfig(AppConfig):
    name = "oryauth"
    verbose_name = "Ory authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the system checks and the settings-changed hook.
        from . import checks, conf  # noqa: F401
