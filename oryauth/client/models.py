"""What the relying party keeps server-side about a sign-in."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
