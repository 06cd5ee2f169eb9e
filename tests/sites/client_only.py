"""A site that signs its users in through Hydra (oryauth.client alone):
startproject's settings plus the README quickstart "Sign users in through Hydra"."""
from .startproject import *  # noqa: F403

ROOT_URLCONF = "tests.sites.client_only_urls"

# --- README quickstart, step 2 (verbatim) ---
INSTALLED_APPS += ["oryauth", "oryauth.client"]  # noqa: F405
ORYAUTH = {
    "HYDRA_PUBLIC_URL": "http://127.0.0.1:4444",
    "CLIENT_ID": "my-site",
    "CLIENT_SECRET": "my-site-secret-as-registered-in-hydra",
    "CLIENT_REDIRECT_URI": "http://127.0.0.1:8001/auth/callback",
    "CLIENT_POST_LOGOUT_REDIRECT_URI": "http://127.0.0.1:8001/auth/logged-out",
}
# Only when this site shares its host name with the identity site (cookies ignore ports):
SESSION_COOKIE_NAME = "mysite_sessionid"
CSRF_COOKIE_NAME = "mysite_csrftoken"
# --- end of step 2 ---
