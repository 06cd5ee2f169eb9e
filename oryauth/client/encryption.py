"""Relying-party tokens encrypted at rest (Fernet from `cryptography`).

Keys come from ORYAUTH["CLIENT_TOKEN_ENCRYPTION_KEYS"], newest first: the
first encrypts, every one decrypts, so keys rotate by putting a new key in
front, running `manage.py oryauth_clear_tokens --reencrypt`, then dropping the
old key. Left empty, the keys are derived from SECRET_KEY (and
SECRET_KEY_FALLBACKS, so a rotated SECRET_KEY listed there still decrypts):
tokens are never stored in plain text, even on a site that configured
nothing, and a database dump alone does not reveal them. oryauth.W024 warns
in production, where keys of their own rotate independently of SECRET_KEY.
"""
from __future__ import annotations

import base64
import logging
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac

from ..conf import oryauth_settings

logger = logging.getLogger(__name__)

# Purpose of the derived keys: a SECRET_KEY-derived key is used for nothing else.
_DERIVATION_SALT = "oryauth.client.token-encryption"


def derived_key(secret: str) -> str:
    """A Fernet key derived from a Django secret key."""
    digest = salted_hmac(_DERIVATION_SALT, "fernet-key", secret=secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def configured_keys() -> tuple[str, ...]:
    """The keys in use, newest first."""
    keys = oryauth_settings().CLIENT_TOKEN_ENCRYPTION_KEYS
    if keys:
        return tuple(keys)
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return tuple(derived_key(secret) for secret in secrets)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def encrypt(plain: str) -> str:
    return _fernet(configured_keys()).encrypt(plain.encode()).decode("ascii")


def decrypt(stored: str) -> str | None:
    """The plain text, or None when no configured key opens it (a key was
    dropped too early, or the row predates encryption)."""
    try:
        return _fernet(configured_keys()).decrypt(stored.encode("ascii")).decode()
    except (InvalidToken, UnicodeError, ValueError):
        return None


class EncryptedTextField(models.TextField):
    """A TextField stored Fernet-encrypted; "" stays "" (no token). A value no
    key opens reads as "" (logged): the row's tokens are then unusable, which
    callers treat as "sign in again", never as a crash."""

    def get_prep_value(self, value: object) -> object:
        value = super().get_prep_value(value)
        return encrypt(value) if isinstance(value, str) and value else value

    def from_db_value(self, value: str | None, expression: object, connection: object) -> str | None:
        if not value:
            return value
        plain = decrypt(value)
        if plain is None:
            logger.warning("A stored %s cannot be decrypted with the configured keys", self.name)
            return ""
        return plain
