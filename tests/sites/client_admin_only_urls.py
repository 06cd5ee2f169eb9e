"""startproject's urls.py: the clients live in the Django admin it already mounts."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls)]
# The quickstart's include(): mounts nothing here (the client admin has no pages outside the admin).
urlpatterns += [path("", include("oryauth.urls"))]
