"""The identity site without OryAuthenticationMiddleware (E036)."""
from .identity_site import *  # noqa: F403

MIDDLEWARE = [m for m in MIDDLEWARE if m != "oryauth.middleware.OryAuthenticationMiddleware"]  # noqa: F405
