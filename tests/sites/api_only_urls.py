"""startproject's urls.py plus the API view of the quickstart."""
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [path("admin/", admin.site.urls)]
# The quickstart's include(): mounts nothing on an API-only site (no role installed).
urlpatterns += [path("", include("oryauth.urls"))]
urlpatterns += [path("api/me/", views.me)]
