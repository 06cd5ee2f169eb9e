"""Prints, as JSON, what a site registers: admin pages, URL namespaces and
oryauth paths. Run as `python -m tests.sites.describe` with
DJANGO_SETTINGS_MODULE naming the site (each site needs its own process)."""
import json

import django

django.setup()

from django.contrib import admin  # noqa: E402
from django.urls import URLPattern, URLResolver, get_resolver  # noqa: E402


def routes(patterns: list, prefix: str = "") -> list[str]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append(prefix + str(entry.pattern))
    return found


resolver = get_resolver()
print(json.dumps({
    "admin": sorted(f"{model._meta.app_label}.{model._meta.model_name}" for model in admin.site._registry),
    "namespaces": sorted(name for name in resolver.namespace_dict if name != "admin"),
    "routes": sorted(route for route in routes(resolver.url_patterns) if not route.startswith("admin/")),
}))
