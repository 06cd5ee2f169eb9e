"""oryauth's database models."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class IdentityLink(models.Model):
    """Ties a Django user to an identity at an issuer (`iss`, `sub`).

    The portal's Hydra uses the Kratos identity id as the subject, so Kratos
    sessions are linked under Hydra's issuer too: a person who signs in by
    cookie and through OAuth2 is one Django user.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ory_identities")
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("identity link")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="oryauth_identity_unique_issuer_subject")]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class OAuth2ClientRecord(models.Model):
    """Django's copy of one OAuth2 client that Hydra holds, for the admin
    changelist, its search and its permissions.

    Hydra is the source of truth: a record is written only after Hydra
    accepted a change, rebuilt from Hydra whenever the admin list or a client
    page is opened, and never holds the client secret.
    """

    client_id = models.CharField(_("client id"), max_length=255, primary_key=True)
    client_name = models.CharField(_("name"), max_length=255, blank=True)
    grant_types = models.JSONField(_("grant types"), default=list, blank=True)
    redirect_uris = models.JSONField(_("redirect URIs"), default=list, blank=True)
    token_endpoint_auth_method = models.CharField(_("token endpoint auth method"), max_length=64, blank=True)
    skip_consent = models.BooleanField(_("skip consent"), default=False)
    created_in_hydra = models.DateTimeField(_("created"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last read from Hydra"), auto_now=True)

    class Meta:
        verbose_name = _("OAuth2 client")
        verbose_name_plural = _("OAuth2 clients")
        ordering = ["client_name", "client_id"]

    def __str__(self) -> str:
        return f"{self.client_name} ({self.client_id})" if self.client_name else self.client_id


class RelyingPartyTokens(models.Model):
    """The tokens Hydra issued when a user signed in to this site through it
    (relying party). Kept server-side only: the Django session holds just this
    row's id, so no token ever reaches a cookie or JavaScript.

    One row per sign-in (a user signed in from two browsers has two rows).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ory_rp_tokens")
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255)
    access_token = models.TextField()
    refresh_token = models.TextField(blank=True)
    id_token = models.TextField(blank=True)
    scope = models.TextField(blank=True)
    expires_at = models.DateTimeField(_("access token expires at"))
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("relying-party tokens")
        verbose_name_plural = _("relying-party tokens")

    def __str__(self) -> str:
        # Never the tokens themselves: this string shows up in logs and the admin.
        return f"tokens of {self.subject} @ {self.issuer}"


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
        constraints = [models.UniqueConstraint(fields=["scope", "claim"], name="oryauth_scopeclaim_unique_scope_claim")]

    def __str__(self) -> str:
        return f"{self.scope} → {self.claim}"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.claim in RESERVED_CLAIMS:
            errors["claim"] = _("%(claim)s is set by Hydra itself and cannot be mapped.") % {"claim": self.claim}
        if self.source != self.Source.METADATA_PUBLIC and not self.path.strip():
            errors["path"] = _("Name the trait this claim comes from.")
        if errors:
            raise ValidationError(errors)
