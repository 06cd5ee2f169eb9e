"""startproject's urls.py plus the quickstart's include()."""
from django.contrib import admin
from django.urls import include, path

urlpatterns = [path("admin/", admin.site.urls)]

# --- README quickstart, step 3 (verbatim) ---
urlpatterns += [path("", include("oryauth.urls"))]
# --- end of step 3 ---
