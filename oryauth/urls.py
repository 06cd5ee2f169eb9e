"""One `include()` for every role the site installs::

    path("", include("oryauth.urls")),

mounts, for each installed role, its pages at the paths the shipped Kratos
and Hydra configs name (deploy/ory/): the portal's `/account`, `/login`, `/registration`,
`/recovery`, `/verification`, `/settings`, `/error`, `/signout`; the
provider's `/consent` and `/logout`; the relying party's `/auth/login`,
`/auth/callback`, `/auth/logout`, `/auth/logged-out`. A role that is not
installed registers nothing. (The client admin lives in the Django admin.)
A site that wants other paths includes `oryauth.<role>.urls` itself.
"""
from django.apps import apps
from django.urls import URLPattern, URLResolver, include, path

# (role, prefix): the provider's pages sit beside the portal's, at the root.
_MOUNTS = (("portal", ""), ("provider", ""), ("client", "auth/"))

urlpatterns: list[URLPattern | URLResolver] = [
    path(prefix, include(f"oryauth.{role}.urls")) for role, prefix in _MOUNTS if apps.is_installed(f"oryauth.{role}")
]
