"""`include("oryauth.urls")` mounts the portal: the Kratos self-service pages
and the Hydra challenge pages, at the paths deploy/ory/*.yml point at.

The relying-party views are separate (`include("oryauth.client.urls")`), since
a site may be a relying party without being the portal.
"""
from django.urls import include, path

urlpatterns = [
    path("", include("oryauth.selfservice.urls")),
    path("", include("oryauth.provider.urls")),
]
