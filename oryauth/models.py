"""The core's one model: which Django user an identity (issuer, subject) is."""
from __future__ import annotations

from django.conf import settings
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
