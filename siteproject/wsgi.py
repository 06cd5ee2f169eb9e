"""WSGI entry point of the oryauth demo site."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "siteproject.settings")
application = get_wsgi_application()
