"""The API-only site with HYDRA_ADMIN_URL pointing where no Hydra listens (the doctor's error)."""
from .api_only import *  # noqa: F403

ORYAUTH = {**ORYAUTH, "HYDRA_ADMIN_URL": "http://127.0.0.1:4999"}  # noqa: F405
