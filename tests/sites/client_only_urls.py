"""startproject's urls.py plus the quickstart's include(), and a page of the site's own."""
from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [path("admin/", admin.site.urls)]

# --- README quickstart, step 3 (verbatim) ---
urlpatterns += [path("", include("oryauth.urls"))]
# --- end of step 3 ---

urlpatterns += [path("protected/", views.protected_page)]
