from django.apps import AppConfig


class OryAuthConfig(AppConfig):
    name = "oryauth"
    verbose_name = "Ory authentication"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.conf import settings
        from django.db.models.signals import post_save

        # Registers the system checks and the settings-changed hook.
        from . import checks, conf, local_token_checks  # noqa: F401
        from .resolution import user_saved

        # A user changed by staff is seen as changed by every process.
        post_save.connect(user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="oryauth.resolution.user_saved")
