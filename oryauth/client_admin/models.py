"""Django's copy of Hydra's OAuth2 client list (Hydra is the source of truth)."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
