"""Kratos identities as staff see them: the one place the identity admin
reads and changes identities (through the Kratos admin API, server-side).

Kratos is the source of truth: nothing here is stored in Django. Secrets
never leave this module: a person's credentials are described by type,
identifiers and dates only (Kratos sends no hash unless asked, and we never ask).
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ory_client.models.create_recovery_code_for_identity_body import CreateRecoveryCodeForIdentityBody
from ory_client.models.identity import Identity
from ory_client.models.json_patch import JsonPatch
from ory_client.models.session import Session

from .. import ory
from ..errors import OryRejected
from ..identities import KEY_CREDENTIALS, credential_kinds_set_up

PAGE_SIZE = 25
# Credential types Kratos names, as staff read them.
CREDENTIAL_LABELS = {
    "password": "Password",
    "totp": "Authenticator app (TOTP)",
    "lookup_secret": "Backup codes",
    "webauthn": "Security key (WebAuthn)",
    "passkey": "Passkey",
    "code": "One-time code by email",
    "oidc": "Social sign-in",
}


@dataclass(frozen=True)
class Address:
    value: str
    via: str
    verified: bool = False
    status: str = ""


@dataclass(frozen=True)
class Credential:
    """Which way a person can sign in. Never a secret."""

    kind: str
    label: str
    identifiers: tuple[str, ...]
    created_at: datetime | None
    updated_at: datetime | None


@dataclass(frozen=True)
class DeviceSession:
    id: str
    active: bool
    aal: str
    authenticated_at: datetime | None
    expires_at: datetime | None
    methods: tuple[str, ...]
    devices: tuple[str, ...]  # "IP, browser" per device Kratos saw


@dataclass(frozen=True)
class PersonSummary:
    """One row of the list."""

    id: str
    email: str
    name: str
    state: str
    created_at: datetime | None


@dataclass(frozen=True)
class Person(PersonSummary):
    """Everything the person page shows."""

    traits: dict[str, Any]
    schema_id: str
    updated_at: datetime | None
    verifiable_addresses: tuple[Address, ...]
    recovery_addresses: tuple[Address, ...]
    credentials: tuple[Credential, ...]

    @property
    def trait_rows(self) -> list[tuple[str, str]]:
        """Traits as (dotted path, value) rows: name.first, name.last, ..."""
        rows: list[tuple[str, str]] = []

        def walk(prefix: str, value: Any) -> None:
            if isinstance(value, dict):
                for key, inner in value.items():
                    walk(f"{prefix}.{key}" if prefix else str(key), inner)
            else:
                rows.append((prefix, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))

        walk("", self.traits)
        return rows


@dataclass(frozen=True)
class PersonPage:
    people: tuple[PersonSummary, ...]
    next_page_token: str | None


def _text(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def _summary_fields(identity: Identity) -> dict[str, Any]:
    traits = identity.traits if isinstance(identity.traits, dict) else {}
    given = traits.get("name")
    name: dict[str, Any] = given if isinstance(given, dict) else {}
    return {
        "id": str(identity.id),
        "email": str(traits.get("email") or ""),
        "name": " ".join(str(part) for part in (name.get("first"), name.get("last")) if part),
        "state": _text(identity.state) or "active",
        "created_at": identity.created_at,
    }


def _summary(identity: Identity) -> PersonSummary:
    return PersonSummary(**_summary_fields(identity))


def list_people(query: str = "", page_token: str | None = None, page_size: int = PAGE_SIZE) -> PersonPage:
    """One page of identities, as Kratos pages them (keyset page tokens).

    `query`: an identity id finds that identity; anything else is matched
    against sign-in identifiers (email) with Kratos's similarity search."""
    query = query.strip()
    if query:
        try:
            identity_id = str(uuid.UUID(query))
        except ValueError:
            found = ory.kratos_identities().list_identities(preview_credentials_identifier_similar=query, page_size=page_size)
            return PersonPage(tuple(_summary(identity) for identity in found[:page_size]), None)
        person = get_person(identity_id)
        return PersonPage((person,) if person else (), None)
    response = ory.kratos_identities().list_identities_with_http_info(page_size=page_size, page_token=page_token)
    people = tuple(_summary(identity) for identity in response.data or [])
    return PersonPage(people, ory.next_page_token(dict(response.headers or {})))


def _addresses(items: list[Any] | None) -> tuple[Address, ...]:
    return tuple(
        Address(str(item.value), str(item.via), bool(getattr(item, "verified", False)), _text(getattr(item, "status", "")))
        for item in items or []
    )


def _credentials(identity: Identity) -> tuple[Credential, ...]:
    found = []
    set_up = credential_kinds_set_up(identity)
    for kind, credential in sorted((identity.credentials or {}).items()):
        if kind not in set_up:
            continue
        found.append(
            Credential(
                kind=kind,
                label=CREDENTIAL_LABELS.get(kind, kind),
                identifiers=tuple(credential.identifiers or []),
                created_at=credential.created_at,
                updated_at=credential.updated_at,
            )
        )
    return tuple(found)


def get_person(identity_id: str) -> Person | None:
    """The identity with this id, or None when Kratos has none."""
    try:
        # Key credentials' config says whether a key is registered (public keys only, no secret).
        identity = ory.kratos_identities().get_identity(identity_id, include_credential=KEY_CREDENTIALS)
    except OryRejected as exc:
        if exc.status in (400, 404):  # 400: not even a UUID
            return None
        raise
    return Person(
        **_summary_fields(identity),
        traits=identity.traits if isinstance(identity.traits, dict) else {},
        schema_id=identity.schema_id,
        updated_at=identity.updated_at,
        verifiable_addresses=_addresses(identity.verifiable_addresses),
        recovery_addresses=_addresses(identity.recovery_addresses),
        credentials=_credentials(identity),
    )


def _device_session(session: Session) -> DeviceSession:
    methods = tuple(_text(getattr(step, "method", "")) for step in session.authentication_methods or [])
    devices = tuple(
        ", ".join(part for part in (getattr(device, "ip_address", "") or "", getattr(device, "user_agent", "") or "") if part)
        for device in session.devices or []
    )
    return DeviceSession(
        id=str(session.id),
        active=bool(session.active),
        aal=_text(session.authenticator_assurance_level),
        authenticated_at=session.authenticated_at,
        expires_at=session.expires_at,
        methods=methods,
        devices=devices,
    )


def active_sessions(identity_id: str) -> tuple[DeviceSession, ...]:
    sessions = ory.kratos_identities().list_identity_sessions(identity_id, active=True, page_size=100)
    return tuple(_device_session(session) for session in sessions or [])


def end_sessions(identity_id: str) -> None:
    """End every session of the person (all devices). Kratos answers 404 when
    there was none, which is what was wanted."""
    try:
        ory.kratos_identities().delete_identity_sessions(identity_id)
    except OryRejected as exc:
        if exc.status != 404:
            raise


def set_state(identity_id: str, state: str) -> None:
    """`active` or `inactive` (an inactive identity cannot sign in)."""
    ory.kratos_identities().patch_identity(identity_id, [JsonPatch(op="replace", path="/state", value=state)])


def recovery_code(identity_id: str, expires_in: str = "1h") -> tuple[str, str]:
    """A one-time recovery code and the link where the person enters it."""
    answer = ory.kratos_identities().create_recovery_code_for_identity(
        CreateRecoveryCodeForIdentityBody(identity_id=uuid.UUID(identity_id), expires_in=expires_in)
    )
    return answer.recovery_code, answer.recovery_link


def delete_person(identity_id: str) -> bool:
    """Delete the identity (its sessions go with it). False when it was already gone."""
    try:
        ory.kratos_identities().delete_identity(identity_id)
    except OryRejected as exc:
        if exc.status == 404:
            return False
        raise
    return True
