"""`manage.py oryauth_clear_tokens`: remove relying-party token rows nothing
can use any more (run it daily, e.g. from cron, like `clearsessions`);
`--reencrypt` also re-encrypts the remaining rows with the newest key of
ORYAUTH["CLIENT_TOKEN_ENCRYPTION_KEYS"] after a key rotation."""
from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from oryauth.client.models import RelyingPartyTokens


class Command(BaseCommand):
    help = "Remove expired relying-party tokens; --reencrypt re-encrypts the rest with the newest key."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--reencrypt", action="store_true",
            help="Re-encrypt every remaining row with the first key of CLIENT_TOKEN_ENCRYPTION_KEYS (after adding a key).",
        )

    def handle(self, *args: Any, reencrypt: bool = False, **options: Any) -> None:
        removed, _ = RelyingPartyTokens.objects.expired().delete()
        self.stdout.write(f"Removed {removed} expired relying-party token row(s).")
        if not reencrypt:
            return
        rewritten = unreadable = 0
        for pk in RelyingPartyTokens.objects.values_list("pk", flat=True).iterator():
            with transaction.atomic():
                tokens = RelyingPartyTokens.objects.select_for_update().filter(pk=pk).first()
                if tokens is None:
                    continue
                if not tokens.access_token:
                    tokens.delete()  # no configured key opens it: unusable
                    unreadable += 1
                    continue
                # Saving writes every token field again, encrypted with the newest key.
                tokens.save(update_fields=["access_token", "refresh_token", "id_token"])
                rewritten += 1
        self.stdout.write(f"Re-encrypted {rewritten} row(s) with the newest key; removed {unreadable} no key could open.")
