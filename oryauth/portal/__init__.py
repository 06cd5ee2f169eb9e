"""Browser pages for Kratos's self-service flows (login, registration, recovery,
verification, settings, error, sign-out). Needs `KRATOS_PUBLIC_URL`.
"""
