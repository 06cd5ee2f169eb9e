"""What the client admin tells staff when Hydra refuses a save or cannot be
asked: the message, and the form field a refusal is about."""
from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from ..errors import OryError, OryRejected, OryUnavailable


def readable_time(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    except ValueError:
        return iso


def unreachable_message(exc: OryError) -> str:
    if isinstance(exc, OryUnavailable) and "timeout" in exc.reason:
        # A request that timed out may still have reached Hydra: say so honestly.
        return str(
            _("Hydra did not answer in time (%(reason)s). Django's copy was not changed; open the client again to "
              "see whether Hydra applied the change before it stopped answering.")
            % {"reason": exc}
        )
    return str(
        _("Hydra could not be asked (%(reason)s). Nothing was changed; your input is kept, save again when Hydra is back.")
        % {"reason": exc}
    )


def field_for_hydra_error(exc: OryRejected) -> str | None:
    """The form field a Hydra refusal is about, read from its error id and text."""
    if exc.status == 409:
        return "client_id"
    text = f"{exc.error_id} {exc.message}".lower()
    for needle, field in (
        ("post_logout_redirect_uri", "post_logout_redirect_uris"),
        ("invalid_redirect_uri", "redirect_uris"),
        ("redirect", "redirect_uris"),
        ("allowed_cors_origins", "allowed_cors_origins"),
        ("jwks", "jwks_uri"),
        ("subject type", "subject_type"),
        ("token_endpoint_auth", "token_endpoint_auth_method"),
        ("lifespan", None),
        ("metadata", "metadata"),
        ("scope", "scope"),
    ):
        if needle in text:
            return field
    return None
