"""Browser pages for Kratos's self-service flows (login, registration, ...)."""
