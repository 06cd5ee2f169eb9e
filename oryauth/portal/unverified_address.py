""""Email not verified" at sign-in.

Kratos's `require_verified_address` login hook (deploy/ory/kratos.yml)
refuses a password sign-in whose address was never verified: Kratos v1.3.1
sends the browser back to the same login flow carrying error 4000010, with
no session and the identifier field emptied. A sign-in form cannot fix that,
so the login page sends the person into a verification flow instead, with
Kratos's message (translated) and the sign-in to come back to afterwards.

The message travels in Django's messages framework, never in the URL: Ory's
reference UI puts it in a `message` query parameter, which lets anyone's link
write text onto the verification page.
"""
from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest

from .kratos_messages import kratos_text
from .nodes import ADDRESS_NOT_VERIFIED


def _not_verified_message(flow: Any) -> Any | None:
    ui = getattr(flow, "ui", None)
    return next((m for m in getattr(ui, "messages", None) or [] if m.id == ADDRESS_NOT_VERIFIED), None)


def address_not_verified(flow: Any) -> bool:
    """True when Kratos refused this login flow's sign-in for an unverified address."""
    return _not_verified_message(flow) is not None


def explain_verification_first(request: HttpRequest, flow: Any) -> None:
    """Tell the person, on the verification page, why they are there."""
    message = _not_verified_message(flow)
    if message is not None:
        messages.warning(request, kratos_text(message))
