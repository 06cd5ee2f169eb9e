"""Hydra challenge pages; the demo site mounts them at the paths hydra.yml names."""

app_name = "oryauth_provider"
urlpatterns: list = []
