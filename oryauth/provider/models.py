"""Scope -> claim mappings staff edit in the admin (read at consent time)."""
from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# Claims Hydra sets itself; a mapping may not override them.
RESERVED_CLAIMS = frozenset(
    {"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "nonce", "auth_time", "acr", "amr", "azp", "sid",
     "at_hash", "c_hash", "rat", "scp", "client_id", "ext"}
)


class ScopeClaim(models.Model):
    """One claim that a granted scope puts into the tokens Hydra issues.

    The consent step reads the identity from Kratos (server-side) and, for
    every scope the user granted, evaluates that scope's mappings: the value
    comes from an identity trait, from several traits joined, from whether an
    address trait is verified, or from the identity's public metadata. Staff
    edit the mappings in the Django admin.
    """

    class Source(models.TextChoices):
        TRAIT = "trait", _("Identity trait (path such as email or name.first)")
        TRAITS_JOINED = "traits_joined", _("Several traits joined with spaces (paths separated by spaces)")
        VERIFIED = "verified", _("Whether the address in a trait is verified")
        METADATA_PUBLIC = "metadata_public", _("Public metadata (a path into it, or empty for all of it)")

    class Token(models.TextChoices):
        ID_TOKEN = "id_token", _("ID token")
        ACCESS_TOKEN = "access_token", _("Access token (introspection)")
        BOTH = "both", _("ID token and access token")

    scope = models.CharField(_("scope"), max_length=100, db_index=True)
    claim = models.CharField(_("claim"), max_length=100)
    source = models.CharField(_("value from"), max_length=20, choices=Source.choices, default=Source.TRAIT)
    path = models.CharField(
        _("path"), max_length=255, blank=True,
        help_text=_("Trait path (email, name.first), several paths separated by spaces for joined traits, "
                    "or a path into the public metadata."),
    )
    token = models.CharField(_("goes into"), max_length=20, choices=Token.choices, default=Token.ID_TOKEN)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("scope claim mapping")
        verbose_name_plural = _("scope claim mappings")
        ordering = ["scope", "claim"]
        constraints = [models.UniqueConstraint(fields=["scope", "claim"], name="oryauth_provider_scopeclaim_unique_scope_claim")]

    def __str__(self) -> str:
        return f"{self.scope} → {self.claim}"

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.claim in RESERVED_CLAIMS:
            errors["claim"] = _("%(claim)s is set by Hydra itself and cannot be mapped.") % {"claim": self.claim}
        if self.source != self.Source.METADATA_PUBLIC and not self.path.strip():
            errors["path"] = _("Name the trait this claim comes from.")
        if errors:
            raise ValidationError(errors)
