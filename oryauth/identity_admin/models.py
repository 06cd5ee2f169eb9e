"""The identity admin's model: a name for Django's admin and permissions.

Kratos holds identities; this model has no table (`managed = False`) and no
row is ever read or written: the admin pages read Kratos. It exists so the
admin can list the pages, staff can be given view / change / delete
permissions, and every action lands in Django's admin log.
"""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class KratosIdentity(models.Model):
    id = models.CharField(_("identity id"), primary_key=True, max_length=36)
    email = models.CharField(_("email"), max_length=320, blank=True)

    class Meta:
        managed = False
        db_table = "oryauth_identity_admin_no_table"  # never queried: Kratos is the source of truth
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        default_permissions = ("view", "change", "delete")

    def __str__(self) -> str:
        # Shown in the admin log: the address people search for, and the id.
        return f"{self.email} ({self.id})" if self.email else str(self.id)
