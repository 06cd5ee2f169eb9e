"""Provisioning Django users from identities (the one place users are made)."""
from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from ory_client.models import Identity, VerifiableIdentityAddress

from oryauth.identities import IdentityClaims, LoginRejected, UserProvisioner, provision_user
from oryauth.models import IdentityLink
from tests.factories import IdentityClaimsFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_first_sight_creates_a_user_linked_to_the_identity_without_a_usable_password() -> None:
    claims = IdentityClaimsFactory(email="ada@example.org")
    user = provision_user(claims)
    assert user.username == claims.subject
    assert (user.email, user.first_name, user.last_name) == ("ada@example.org", "Ada", "Lovelace")
    assert not user.has_usable_password()
    assert IdentityLink.objects.get(issuer=claims.issuer, subject=claims.subject).user == user


def test_second_sight_reuses_the_user_and_syncs_a_changed_profile() -> None:
    claims = IdentityClaimsFactory()
    first = provision_user(claims)
    renamed = IdentityClaims(**{**claims.__dict__, "given_name": "Augusta", "email": "augusta@example.org"})
    second = provision_user(renamed)
    assert second.pk == first.pk
    second.refresh_from_db()
    assert (second.first_name, second.email) == ("Augusta", "augusta@example.org")
    assert get_user_model().objects.count() == 1


def test_a_taken_username_gets_a_stable_suffix_instead_of_taking_over_the_account() -> None:
    claims = IdentityClaimsFactory()
    existing = UserFactory(username=claims.subject)
    user = provision_user(claims)
    assert user.pk != existing.pk
    assert user.username.startswith(f"{claims.subject}-")


@pytest.mark.parametrize("verified", [True, False])
def test_the_username_comes_from_the_subject_never_from_the_email(verified: bool) -> None:
    """Before: the first to sign up with victim@example.org took it as a username, unverified."""
    claims = IdentityClaimsFactory(email="victim@example.org", email_verified=verified)
    user = provision_user(claims)
    assert user.username == claims.subject
    assert not get_user_model().objects.filter(username__icontains="victim").exists()


@pytest.mark.parametrize("link_by_email", [False, True])
def test_an_unverified_email_never_links_to_the_account_that_has_it(link_by_email: bool) -> None:
    victim = UserFactory(username="victim", email="victim@example.org")
    with override_settings(ORYAUTH={"LINK_USERS_BY_VERIFIED_EMAIL": link_by_email}):
        squatter = provision_user(IdentityClaimsFactory(email="Victim@Example.org", email_verified=False))
    assert squatter.pk != victim.pk
    assert not IdentityLink.objects.filter(user=victim).exists()


def test_a_verified_email_links_to_the_existing_account_only_when_the_setting_is_on() -> None:
    owner = UserFactory(username="owner", email="owner@example.org")
    claims = IdentityClaimsFactory(email="Owner@example.org", email_verified=True)

    assert provision_user(IdentityClaimsFactory(email="owner@example.org")).pk != owner.pk  # off by default
    with override_settings(ORYAUTH={"LINK_USERS_BY_VERIFIED_EMAIL": True}):
        linked = provision_user(claims)
    assert linked.pk == owner.pk
    assert IdentityLink.objects.get(subject=claims.subject).user == owner


def test_a_verified_email_shared_by_two_accounts_links_to_neither() -> None:
    UserFactory(username="one", email="shared@example.org")
    UserFactory(username="two", email="shared@example.org")
    with override_settings(ORYAUTH={"LINK_USERS_BY_VERIFIED_EMAIL": True}):
        user = provision_user(IdentityClaimsFactory(email="shared@example.org"))
    assert user.username not in ("one", "two")


def test_an_email_longer_than_the_user_column_is_left_out_not_cut() -> None:
    # Kratos's schema allows 320 characters; Django's email column holds 254.
    long_email = "a" * 300 + "@example.org"
    user = provision_user(IdentityClaimsFactory(email=long_email))
    user.refresh_from_db()
    assert user.email == ""
    user.full_clean()  # what a database enforcing the column length would check


def test_the_same_subject_at_two_issuers_is_two_users() -> None:
    subject = str(uuid.uuid4())
    one = provision_user(IdentityClaimsFactory(subject=subject, issuer="https://a.example/"))
    two = provision_user(IdentityClaimsFactory(subject=subject, issuer="https://b.example/"))
    assert one.pk != two.pk


class RequireVerifiedEmail(UserProvisioner):
    def check(self, claims: IdentityClaims) -> None:
        if not claims.email_verified:
            raise LoginRejected("Verify your email address first.")


def test_a_site_provisioner_can_reject_an_identity_and_nothing_is_created() -> None:
    with override_settings(ORYAUTH={"USER_PROVISIONER": f"{__name__}.RequireVerifiedEmail"}):
        with pytest.raises(LoginRejected, match="Verify your email"):
            provision_user(IdentityClaimsFactory(email_verified=False))
    assert not get_user_model().objects.exists()
    assert not IdentityLink.objects.exists()


def test_claims_from_a_kratos_identity_use_hydras_issuer_and_the_verified_flag() -> None:
    identity = Identity(
        id=str(uuid.uuid4()),
        schema_id="person",
        schema_url="http://127.0.0.1:4433/schemas/cGVyc29u",
        traits={"email": "Grace@example.org", "name": {"first": "Grace", "last": "Hopper"}},
        verifiable_addresses=[VerifiableIdentityAddress(value="grace@example.org", via="email", verified=True, status="completed")],
    )
    claims = IdentityClaims.from_kratos_identity(identity)
    assert claims.issuer == "http://127.0.0.1:4444/"
    assert claims.subject == str(identity.id)
    assert (claims.email, claims.email_verified, claims.given_name, claims.family_name) == (
        "Grace@example.org", True, "Grace", "Hopper",
    )


def test_claims_from_an_id_token() -> None:
    claims = IdentityClaims.from_id_token({"iss": "https://id.example/", "sub": "abc", "email": "x@example.org"})
    assert (claims.issuer, claims.subject, claims.email, claims.email_verified) == ("https://id.example/", "abc", "x@example.org", False)


@pytest.mark.parametrize(("sent", "verified"), [(True, True), ("true", True), (False, False), ("false", False), (None, False), (1, False)])
def test_email_verified_from_an_id_token_is_true_only_when_the_claim_says_true(sent: object, verified: bool) -> None:
    claims = IdentityClaims.from_id_token({"iss": "https://id.example/", "sub": "abc", "email_verified": sent})
    assert claims.email_verified is verified


def test_a_key_credential_counts_as_set_up_only_when_it_holds_a_key() -> None:
    from ory_client.models.identity import Identity

    from oryauth.identities import credential_kinds_set_up

    def identity(**credentials: dict) -> Identity:
        return Identity.from_dict({
            "id": "9f1e6a4c-0000-4000-8000-000000000001", "schema_id": "person", "schema_url": "http://k/s",
            "traits": {}, "credentials": credentials,
        })

    # What Kratos keeps for everyone once the schema names a webauthn identifier.
    empty_key = {"type": "webauthn", "identifiers": ["a@example.org"], "config": {"user_handle": "aGFuZGxl"}}
    registered_key = {**empty_key, "config": {"user_handle": "aGFuZGxl", "credentials": [{"id": "a2V5"}]}}
    password = {"type": "password", "identifiers": ["a@example.org"]}

    assert credential_kinds_set_up(identity(password=password, webauthn=empty_key)) == {"password"}
    assert credential_kinds_set_up(identity(password=password, webauthn=registered_key)) == {"password", "webauthn"}
    assert credential_kinds_set_up(identity(passkey={**empty_key, "type": "passkey"})) == set()
