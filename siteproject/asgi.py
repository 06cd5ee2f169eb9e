"""ASGI entry point of the oryauth demo site."""
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siteproject.settings")
application = get_asgi_application()
