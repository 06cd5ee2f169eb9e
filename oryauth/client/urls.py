"""Relying-party views; the demo site mounts them under /auth/."""

app_name = "oryauth_client"
urlpatterns: list = []
