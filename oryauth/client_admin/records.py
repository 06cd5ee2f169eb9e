"""Django's copy of Hydra's client list (`OAuth2ClientRecord`): written only
from what Hydra answered, so the admin changelist, its search and its
permissions work on rows while Hydra stays the source of truth."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from ory_client.models.o_auth2_client import OAuth2Client

from ..hydra_clients import list_clients
from .models import OAuth2ClientRecord


@dataclass(frozen=True)
class SyncReport:
    """What a reconciliation with Hydra changed in Django's copy."""

    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    total: int


def record_values(client: OAuth2Client) -> dict[str, Any]:
    """The fields of Django's copy, from a client as Hydra answered it."""
    return {
        "client_name": client.client_name or "",
        "grant_types": list(client.grant_types or []),
        "redirect_uris": list(client.redirect_uris or []),
        "token_endpoint_auth_method": client.token_endpoint_auth_method or "",
        "skip_consent": bool(client.skip_consent),
        "created_in_hydra": client.created_at,
    }


def record_client(client: OAuth2Client) -> OAuth2ClientRecord:
    """Write Django's copy of one client exactly as Hydra answered it."""
    record, _ = OAuth2ClientRecord.objects.update_or_create(client_id=client.client_id, defaults=record_values(client))
    return record


def sync_client_records() -> SyncReport:
    """Make Django's copy equal to Hydra's list: add clients created elsewhere
    (Hydra CLI), update changed ones, drop deleted ones. Reads every page
    Hydra has; raises OryError (and changes nothing) when Hydra cannot be read."""
    clients = list_clients()
    existing = {record.client_id: record for record in OAuth2ClientRecord.objects.all()}
    added: list[str] = []
    updated: list[str] = []
    with transaction.atomic():
        for client in clients:
            values = record_values(client)
            record = existing.pop(client.client_id or "", None)
            if record is None:
                OAuth2ClientRecord.objects.create(client_id=client.client_id or "", **values)
                added.append(client.client_id or "")
            elif any(getattr(record, name) != value for name, value in values.items()):
                OAuth2ClientRecord.objects.filter(pk=record.pk).update(**values, synced_at=timezone.now())
                updated.append(record.client_id)
        removed = tuple(existing)
        OAuth2ClientRecord.objects.filter(pk__in=removed).delete()
    return SyncReport(tuple(added), tuple(updated), removed, len(clients))
