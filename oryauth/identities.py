"""Kratos identity <-> Django user: the one place users are created, linked
and kept in sync.

Everything that signs someone in (relying-party callback, middleware,
authentication backend) describes the person as `IdentityClaims` and calls
`provision_user`. Sites customise the mapping by subclassing
`UserProvisioner` and naming it in `ORYAUTH["USER_PROVISIONER"]`.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from ory_client.models.identity import Identity

from .conf import oryauth_settings
from .errors import LoginRejected
from .models import IdentityLink

__all__ = ["IdentityClaims", "LoginRejected", "UserProvisioner", "provision_user"]  # LoginRejected lives in errors


@dataclass(frozen=True)
class IdentityClaims:
    """Who someone is, whatever told us (a Kratos session or an ID token)."""

    issuer: str
    subject: str
    email: str = ""
    email_verified: bool = False
    given_name: str = ""
    family_name: str = ""

    @classmethod
    def from_kratos_identity(cls, identity: Identity) -> IdentityClaims:
        traits: Mapping[str, Any] = identity.traits if isinstance(identity.traits, Mapping) else {}
        email = str(traits.get("email") or "")
        given = traits.get("name")
        name: Mapping[str, Any] = given if isinstance(given, Mapping) else {}
        verified = address_is_verified(identity, email)
        return cls(
            issuer=oryauth_settings().hydra_issuer,
            subject=str(identity.id),
            email=email,
            email_verified=verified,
            given_name=str(name.get("first") or ""),
            family_name=str(name.get("last") or ""),
        )

    @classmethod
    def from_id_token(cls, claims: Mapping[str, Any]) -> IdentityClaims:
        return cls(
            issuer=str(claims["iss"]),
            subject=str(claims["sub"]),
            email=_text(claims.get("email")),
            email_verified=_is_true(claims.get("email_verified")),
            given_name=_text(claims.get("given_name")),
            family_name=_text(claims.get("family_name")),
        )


def address_is_verified(identity: Identity, address: Any) -> bool:
    """True when `address` is one of the identity's verified addresses
    (compared without case or surrounding spaces)."""
    wanted = str(address).strip().lower()
    return any(
        bool(candidate.verified) and str(candidate.value).strip().lower() == wanted
        for candidate in (identity.verifiable_addresses or [])
    )


# Kratos keeps a webauthn / passkey credential for every identity once the
# schema names an identifier for it, keys or not: it is set up only when its
# config lists registered keys (read with include_credential=KEY_CREDENTIALS).
KEY_CREDENTIALS = ["webauthn", "passkey"]


def credential_kinds_set_up(identity: Identity) -> set[str]:
    """The credential types the person can actually sign in with: a
    security-key or passkey entry counts only when it holds a key (the
    identity read with `include_credential=KEY_CREDENTIALS`)."""
    kinds = set()
    for kind, credential in (identity.credentials or {}).items():
        if kind in KEY_CREDENTIALS and not (credential.config or {}).get("credentials"):
            continue
        kinds.add(kind)
    return kinds


def _text(value: Any) -> str:
    """A string claim, or "" when a provider sent another type: str() of a
    list would become someone's email or name."""
    return value if isinstance(value, str) else ""


def _is_true(value: Any) -> bool:
    """A boolean claim; some providers send "true"/"false" strings, and
    `bool("false")` would call an unverified address verified."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


class UserProvisioner:
    """How a Django user is made from, and kept in line with, an identity.

    Override any method. The defaults name the user after the identity's
    stable subject and copy the email and names onto the user. An address is never a username:
    whoever registers first with someone else's unverified address must not
    take that address as an account name.
    """

    def check(self, claims: IdentityClaims) -> None:
        """Raise `LoginRejected` to refuse this identity (e.g. unverified email)."""

    def username_for(self, claims: IdentityClaims) -> str:
        User = get_user_model()
        wanted = claims.subject[:150]
        if not User._default_manager.filter(**{User.USERNAME_FIELD: wanted}).exists():
            return wanted
        # The same subject at another issuer (or a local user of that name):
        # make it unique per identity, the same way every time.
        suffix = hashlib.sha256(f"{claims.issuer}|{claims.subject}".encode()).hexdigest()[:8]
        return f"{wanted[:141]}-{suffix}"

    def profile_fields(self, claims: IdentityClaims) -> dict[str, str]:
        """User fields kept in sync with the identity on every sign-in."""
        # Kratos allows addresses longer than Django's email column (254): such
        # a one is left out rather than cut to someone else's address (and a
        # database that enforces the length would fail every sign-in).
        email_length = get_user_model()._meta.get_field("email").max_length or len(claims.email)
        # The address is copied whether verified or not (it is the person's
        # contact detail); it is never used to name, link or match accounts.
        email = claims.email if len(claims.email) <= email_length else ""
        return {"email": email, "first_name": claims.given_name[:150], "last_name": claims.family_name[:150]}

    def user_to_link_by_email(self, claims: IdentityClaims) -> AbstractBaseUser | None:
        """The existing user a new identity is linked to instead of creating
        one: with LINK_USERS_BY_VERIFIED_EMAIL on, the one user whose email is
        the identity's *verified* address and who has no other identity at
        this issuer. None otherwise (never for an unverified address)."""
        if not (oryauth_settings().LINK_USERS_BY_VERIFIED_EMAIL and claims.email_verified and claims.email.strip()):
            return None
        User = get_user_model()
        candidates = list(
            User._default_manager.filter(email__iexact=claims.email.strip()).exclude(ory_identities__issuer=claims.issuer)[:2]
        )
        # Two accounts with one address: which one is meant cannot be told.
        return candidates[0] if len(candidates) == 1 else None

    def create_user(self, claims: IdentityClaims) -> AbstractBaseUser:
        User = get_user_model()
        user = User(**{User.USERNAME_FIELD: self.username_for(claims)}, **self.profile_fields(claims))
        user.set_unusable_password()  # the password lives in Kratos, never here
        user.save()
        return user

    def update_user(self, user: AbstractBaseUser, claims: IdentityClaims) -> None:
        changed = [field for field, value in self.profile_fields(claims).items() if getattr(user, field) != value]
        for field in changed:
            setattr(user, field, self.profile_fields(claims)[field])
        if changed:
            user.save(update_fields=changed)


def get_provisioner() -> UserProvisioner:
    return import_string(oryauth_settings().USER_PROVISIONER)()


def provision_user(claims: IdentityClaims) -> AbstractBaseUser:
    """The Django user linked to this identity: created and linked on first
    sight, its profile updated when the identity's changed.

    Raises `LoginRejected` when the provisioner refuses the identity.
    """
    provisioner = get_provisioner()
    provisioner.check(claims)
    link = IdentityLink.objects.select_related("user").filter(issuer=claims.issuer, subject=claims.subject).first()
    if link is None:
        try:
            with transaction.atomic():
                user = provisioner.user_to_link_by_email(claims) or provisioner.create_user(claims)
                IdentityLink.objects.create(user=user, issuer=claims.issuer, subject=claims.subject)  # type: ignore[misc]  # the site's user model, not auth.User
        except IntegrityError:
            # A parallel request linked the same identity first: use its user.
            link = IdentityLink.objects.select_related("user").filter(issuer=claims.issuer, subject=claims.subject).first()
            if link is None:
                raise
        else:
            provisioner.update_user(user, claims)
            return user
    provisioner.update_user(link.user, claims)
    return link.user
