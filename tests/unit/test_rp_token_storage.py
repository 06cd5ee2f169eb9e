"""Relying-party tokens at rest: encrypted with Fernet (keys rotate through
a list), expired rows removed by `oryauth_clear_tokens` and on sign-out."""
from __future__ import annotations

import importlib
from datetime import timedelta
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from oryauth.client import encryption
from oryauth.client.checks import check_token_encryption_keys
from oryauth.client.models import RelyingPartyTokens
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


def stored_columns(pk: int) -> tuple[str, str, str]:
    """The token columns as the database holds them."""
    table = connection.ops.quote_name(RelyingPartyTokens._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT access_token, refresh_token, id_token FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return cursor.fetchone()


def make_tokens(*, expires_in: int = 3600, refresh_token: str = "rt-secret", age: timedelta = timedelta(0)) -> RelyingPartyTokens:
    tokens = RelyingPartyTokens.objects.create(
        user=UserFactory(), issuer="http://127.0.0.1:4444/", subject="s", access_token="at-secret",
        refresh_token=refresh_token, id_token="eyJ.id-secret.sig", expires_at=timezone.now() + timedelta(seconds=expires_in),
    )
    if age:
        RelyingPartyTokens.objects.filter(pk=tokens.pk).update(created_at=timezone.now() - age)
    return tokens


def test_tokens_are_stored_encrypted_and_read_back_in_plain() -> None:
    """Before: the three columns held the tokens as they came from Hydra."""
    tokens = make_tokens()
    columns = stored_columns(tokens.pk)
    assert not any("secret" in column for column in columns)
    again = RelyingPartyTokens.objects.get(pk=tokens.pk)
    assert (again.access_token, again.refresh_token, again.id_token) == ("at-secret", "rt-secret", "eyJ.id-secret.sig")


def test_an_absent_refresh_token_stays_empty() -> None:
    assert stored_columns(make_tokens(refresh_token="").pk)[1] == ""


def test_keys_rotate_old_rows_stay_readable_and_reencrypt_moves_them_to_the_new_key() -> None:
    with override_settings(ORYAUTH={"CLIENT_TOKEN_ENCRYPTION_KEYS": [OLD_KEY]}):
        tokens = make_tokens()
    with override_settings(ORYAUTH={"CLIENT_TOKEN_ENCRYPTION_KEYS": [NEW_KEY, OLD_KEY]}):
        assert RelyingPartyTokens.objects.get(pk=tokens.pk).access_token == "at-secret"
        call_command("oryauth_clear_tokens", "--reencrypt", stdout=StringIO())
    assert Fernet(NEW_KEY.encode()).decrypt(stored_columns(tokens.pk)[0].encode()) == b"at-secret"
    with override_settings(ORYAUTH={"CLIENT_TOKEN_ENCRYPTION_KEYS": [NEW_KEY]}):
        assert RelyingPartyTokens.objects.get(pk=tokens.pk).access_token == "at-secret"


def test_a_row_no_key_opens_reads_as_no_token_not_a_crash() -> None:
    with override_settings(ORYAUTH={"CLIENT_TOKEN_ENCRYPTION_KEYS": [OLD_KEY]}):
        tokens = make_tokens()
    with override_settings(ORYAUTH={"CLIENT_TOKEN_ENCRYPTION_KEYS": [NEW_KEY]}):
        assert RelyingPartyTokens.objects.get(pk=tokens.pk).access_token == ""


def test_the_default_key_is_derived_from_secret_key_and_its_fallbacks(settings) -> None:  # noqa: ANN001
    tokens = make_tokens()
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-rotated-secret-key-" + "x" * 40
    assert RelyingPartyTokens.objects.get(pk=tokens.pk).access_token == "at-secret"
    assert encryption.configured_keys()[0] == encryption.derived_key(settings.SECRET_KEY)


def test_clear_tokens_removes_only_rows_nothing_can_use() -> None:
    """Before: no command, and expired rows stayed forever."""
    live = make_tokens()
    refreshable = make_tokens(expires_in=-60)
    no_refresh_token = make_tokens(expires_in=-60, refresh_token="")
    abandoned = make_tokens(expires_in=-60, age=timedelta(days=30))
    out = StringIO()

    call_command("oryauth_clear_tokens", stdout=out)

    assert set(RelyingPartyTokens.objects.values_list("pk", flat=True)) == {live.pk, refreshable.pk}
    assert not RelyingPartyTokens.objects.filter(pk__in=[no_refresh_token.pk, abandoned.pk]).exists()
    assert "Removed 2 expired" in out.getvalue()


def test_the_migration_encrypts_rows_stored_in_plain_text() -> None:
    tokens = make_tokens()
    table = connection.ops.quote_name(RelyingPartyTokens._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET access_token = 'plain-at', refresh_token = 'plain-rt', id_token = '' WHERE id = %s", [tokens.pk])  # noqa: S608
    migration = importlib.import_module("oryauth.client.migrations.0002_encrypt_relying_party_tokens")

    # The function only uses the schema editor's connection.
    migration.encrypt_plain_rows(apps, type("Editor", (), {"connection": connection})())

    assert "plain" not in "".join(stored_columns(tokens.pk))
    again = RelyingPartyTokens.objects.get(pk=tokens.pk)
    assert (again.access_token, again.refresh_token, again.id_token) == ("plain-at", "plain-rt", "")


@pytest.mark.parametrize(("keys", "debug", "ids"), [
    (["not-a-key"], True, ["oryauth.E015"]),
    ([NEW_KEY, "short"], False, ["oryauth.E015"]),
    (None, False, ["oryauth.W024"]),
    (None, True, []),
    ([NEW_KEY], False, []),
    (NEW_KEY, False, []),
])
def test_encryption_keys_are_checked(settings, keys: object, debug: bool, ids: list[str]) -> None:  # noqa: ANN001
    settings.DEBUG = debug
    settings.ORYAUTH = {k: v for k, v in {**settings.ORYAUTH, "CLIENT_TOKEN_ENCRYPTION_KEYS": keys}.items() if v is not None}
    assert [message.id for message in check_token_encryption_keys()] == ids
