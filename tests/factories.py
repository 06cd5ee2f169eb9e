"""factory-boy factories shared by the test suite."""
from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from oryauth.identities import IdentityClaims
from oryauth.models import IdentityLink


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.LazyAttribute(lambda user: user.username)


class IdentityLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IdentityLink

    user = factory.SubFactory(UserFactory)
    issuer = "http://127.0.0.1:4444/"
    subject = factory.Faker("uuid4")


class IdentityClaimsFactory(factory.Factory):
    class Meta:
        model = IdentityClaims

    issuer = "http://127.0.0.1:4444/"
    subject = factory.Faker("uuid4")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    email_verified = True
    given_name = "Ada"
    family_name = "Lovelace"
