"""include("oryauth.urls") mounts every oryauth page a site switches on."""

app_name = "oryauth"
urlpatterns: list = []
