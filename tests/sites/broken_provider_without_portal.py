"""The identity site without its portal (E043)."""
from .identity_site import *  # noqa: F403

INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "oryauth.portal"]  # noqa: F405
