"""Saving one Hydra OAuth2 client: the service the admin form and
`manage.py oryauth_clients create` share, and the typed state of one client
page (what Hydra said about the client during this request).

Hydra is written first; Django's copy (`records`) only mirrors what Hydra
answered, so a refusal changes nothing anywhere.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.cache import caches
from ory_client.models.o_auth2_client import OAuth2Client

from .. import hydra_clients
from ..conf import oryauth_settings
from ..errors import OryError
from ..hydra_clients import hydra_values, initial_from_client

logger = logging.getLogger(__name__)

# A sent add form is remembered this long, so sending it twice creates one client.
SUBMISSION_MEMORY_SECONDS = 24 * 3600


@dataclass(frozen=True)
class ClientPage:
    """What one request knows about the client its page shows: the client as
    Hydra holds it now, or why Hydra could not be asked (None, None on the
    add page)."""

    hydra: OAuth2Client | None = None
    hydra_error: OryError | None = None

    @property
    def version(self) -> str:
        """Hydra's `updated_at` of the client as shown, to spot a change made
        in Hydra between showing the form and saving it."""
        return version_of(self.hydra)


@dataclass(frozen=True)
class SavedClient:
    """What a save did: the client as Hydra answered (with its secret when it
    was created: the only time Hydra shows it) and what staff should be told."""

    client: OAuth2Client
    created: bool
    new_secret: str | None
    # An edit turned a public client (auth method none) into one that needs a secret.
    needs_new_secret: bool


class ChangedInHydra(Exception):
    """The client changed in Hydra after the form was shown (its `updated_at`
    moved): saving would silently overwrite someone else's change."""

    def __init__(self, updated_at: str) -> None:
        self.updated_at = updated_at
        super().__init__(f"the client was changed in Hydra at {updated_at}")


class AlreadySubmitted(Exception):
    """This add form was sent before and created a client then."""


def version_of(client: OAuth2Client | None) -> str:
    updated: datetime | None = getattr(client, "updated_at", None) if client is not None else None
    return updated.isoformat() if updated else ""


def save_client(
    cleaned: dict[str, Any], *, current: OAuth2Client | None, shown_version: str, submission_id: str = ""
) -> SavedClient:
    """Create the client (`current` None) or change only the fields that differ
    from `current`. Raises ChangedInHydra when Hydra's `updated_at` is not
    `shown_version` (the one the form was shown with: someone changed it since), AlreadySubmitted for a repeated add form, and
    OryError when Hydra refuses or cannot be reached."""
    values = hydra_values(cleaned)
    if current is None:
        return _create(values, cleaned.get("client_id") or None, submission_id)
    if version_of(current) != shown_version:
        raise ChangedInHydra(version_of(current))
    held = hydra_values(initial_from_client(current))
    changes = {name: value for name, value in values.items() if held.get(name) != value}
    client = hydra_clients.update_client(current.client_id or "", changes, previous=held) if changes else current
    needs_secret = current.token_endpoint_auth_method == "none" and client.token_endpoint_auth_method != "none"
    return SavedClient(client, created=False, new_secret=None, needs_new_secret=needs_secret)


def _create(values: dict[str, Any], client_id: str | None, submission_id: str) -> SavedClient:
    remembered = submission_id and _remember_submission(submission_id)
    try:
        definition = OAuth2Client.from_dict({**values, "client_id": client_id})
        assert definition is not None  # from_dict returns None only for None
        client = hydra_clients.create_client(definition)
    except OryError:
        if remembered:
            _forget_submission(submission_id)  # nothing was created: sending it again is fine
        raise
    return SavedClient(client, created=True, new_secret=client.client_secret, needs_new_secret=False)


def _submission_key(submission_id: str) -> str:
    return f"oryauth:client-create:{submission_id}"


def _remember_submission(submission_id: str) -> bool:
    """Note that this add form was sent; AlreadySubmitted when it was before.

    False when the cache cannot be asked (Redis down): the client is still
    created, because refusing staff's save for a missing guard loses their
    work, while a second click during an outage at worst makes a second client
    they can delete."""
    try:
        added = caches[oryauth_settings().CACHE_ALIAS].add(_submission_key(submission_id), True, SUBMISSION_MEMORY_SECONDS)
    except Exception as exc:  # noqa: BLE001 (any backend: Redis, Memcached, database)
        logger.warning("The cache failed (%s: %s); creating the client without the double-submission guard.", type(exc).__name__, exc)
        return False
    if not added:
        raise AlreadySubmitted()
    return True


def _forget_submission(submission_id: str) -> None:
    try:
        caches[oryauth_settings().CACHE_ALIAS].delete(_submission_key(submission_id))
    except Exception as exc:  # noqa: BLE001
        logger.warning("The cache failed (%s: %s); this add form cannot be sent again for a day.", type(exc).__name__, exc)
