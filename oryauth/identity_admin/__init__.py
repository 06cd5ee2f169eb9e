"""Kratos identities in the Django admin: find a person, see how they sign in
and where they are signed in, end their sessions, send a recovery code,
deactivate, reactivate or delete them. Kratos is the source of truth (read
through its admin API on every visit). Needs `KRATOS_ADMIN_URL`.
"""
