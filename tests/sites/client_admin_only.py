"""A site where staff manage Hydra's OAuth2 clients (oryauth.client_admin
alone): startproject's settings plus the README quickstart "Manage Hydra clients"."""
from .startproject import *  # noqa: F403

ROOT_URLCONF = "tests.sites.client_admin_only_urls"

# --- README quickstart, step 2 (verbatim) ---
INSTALLED_APPS += ["oryauth", "oryauth.client_admin"]  # noqa: F405
ORYAUTH = {
    "HYDRA_ADMIN_URL": "http://127.0.0.1:4445",
}
# --- end of step 2 ---
