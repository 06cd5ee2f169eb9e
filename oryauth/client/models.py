"""What the relying party keeps server-side about a sign-in."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .encryption import EncryptedTextField


class RelyingPartyTokensQuerySet(models.QuerySet["RelyingPartyTokens"]):
    def expired(self) -> RelyingPartyTokensQuerySet:
        """Rows no request can use any more: the access token has expired and
        either there is no refresh token, or nothing touched the row for
        longer than SESSION_COOKIE_AGE (the Django session that named it has
        expired by then, and nothing else refers to a row)."""
        now = timezone.now()
        abandoned_before = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        return self.filter(expires_at__lt=now).filter(
            models.Q(refresh_token="")
            | models.Q(refreshed_at__isnull=True, created_at__lt=abandoned_before)
            | models.Q(refreshed_at__lt=abandoned_before)
        )


class RelyingPartyTokens(models.Model):
    """The tokens Hydra issued when a user signed in to this site through it
    (relying party). Kept server-side only: the Django session holds just this
    row's id, so no token ever reaches a cookie or JavaScript.

    One row per sign-in (a user signed in from two browsers has two rows).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ory_rp_tokens")
    issuer = models.CharField(_("issuer"), max_length=255)
    subject = models.CharField(_("subject"), max_length=255, db_index=True)
    # Stored at sign-in so a back-channel logout from Hydra (which names the
    # Hydra login session `sid` and/or the person `sub`) finds the Django
    # session to end: Hydra's `sid` claim of the ID token, and the key of the
    # Django session the sign-in made (empty where the session engine keeps
    # no server-side sessions, e.g. signed cookies).
    sid = models.CharField(_("Hydra session id"), max_length=255, blank=True, db_index=True)
    session_key = models.CharField(_("Django session key"), max_length=40, blank=True)
    # Encrypted at rest (see encryption.py): a database dump or backup alone
    # does not hand out working tokens.
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField(blank=True)
    id_token = EncryptedTextField(blank=True)
    scope = models.TextField(blank=True)
    expires_at = models.DateTimeField(_("access token expires at"))
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    objects = RelyingPartyTokensQuerySet.as_manager()

    class Meta:
        verbose_name = _("relying-party tokens")
        verbose_name_plural = _("relying-party tokens")

    def __str__(self) -> str:
        # Never the tokens themselves: this string shows up in logs and the admin.
        return f"tokens of {self.subject} @ {self.issuer}"
