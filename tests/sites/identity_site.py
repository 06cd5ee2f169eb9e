"""The identity site (oryauth.portal + oryauth.provider): startproject's
settings plus the README quickstart "Run the identity site"."""
from .startproject import *  # noqa: F403

ROOT_URLCONF = "tests.sites.identity_site_urls"

# --- README quickstart, step 2 (verbatim) ---
INSTALLED_APPS += ["oryauth", "oryauth.portal", "oryauth.provider"]  # noqa: F405
MIDDLEWARE.insert(  # noqa: F405
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,  # noqa: F405
    "oryauth.middleware.OryAuthenticationMiddleware",
)
ORYAUTH = {
    "KRATOS_PUBLIC_URL": "http://127.0.0.1:4433",
    "KRATOS_ADMIN_URL": "http://127.0.0.1:4434",
    "HYDRA_PUBLIC_URL": "http://127.0.0.1:4444",
    "HYDRA_ADMIN_URL": "http://127.0.0.1:4445",
    "CREDENTIALS": ["session_cookie"],
}
# --- end of step 2 ---
