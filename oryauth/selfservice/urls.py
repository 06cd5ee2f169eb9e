"""Self-service pages; the demo site mounts them at the paths kratos.yml names."""

app_name = "oryauth_selfservice"
urlpatterns: list = []
