"""Hydra's OAuth2 clients in the Django admin, and `manage.py oryauth_clients`.
Needs `HYDRA_ADMIN_URL`.
"""
