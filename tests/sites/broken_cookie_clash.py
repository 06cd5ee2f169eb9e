"""The relying-party site with Django's default cookie names beside the identity site (W023)."""
from .client_only import *  # noqa: F403

del SESSION_COOKIE_NAME, CSRF_COOKIE_NAME
