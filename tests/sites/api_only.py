"""A site that only protects an API with Ory tokens (the core alone):
startproject's settings plus the README quickstart "Protect an API"."""
from .startproject import *  # noqa: F403

ROOT_URLCONF = "tests.sites.api_only_urls"

# --- README quickstart, step 2 (verbatim) ---
INSTALLED_APPS += ["oryauth"]  # noqa: F405
ORYAUTH = {
    "HYDRA_ADMIN_URL": "http://127.0.0.1:4445",
    "KRATOS_PUBLIC_URL": "http://127.0.0.1:4433",
    "ACCESS_TOKEN_AUDIENCE": ["http://127.0.0.1:8002/api/"],
}
# --- end of step 2 ---
