"""Claims built from identity traits, per granted scope (oryauth.provider.claims)."""
from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import override_settings
from ory_client.models.identity import Identity
from ory_client.models.verifiable_identity_address import VerifiableIdentityAddress

from oryauth.provider.models import ScopeClaim
from oryauth.provider import claims as claims_module
from oryauth.provider.claims import (
    ClaimRule,
    TokenClaims,
    apply_claims_hook,
    build_claims,
    missing_trait_paths,
    rules_for_scopes,
    trait_paths_of_schema,
)

EMAIL = "ada@example.org"


def make_identity(
    traits: dict[str, Any] | None = None,
    verified: dict[str, bool] | None = None,
    metadata_public: Any = None,
) -> Identity:
    traits = {"email": EMAIL, "name": {"first": "Ada", "last": "Lovelace"}} if traits is None else traits
    addresses = [
        VerifiableIdentityAddress(value=value, via="email", verified=is_verified, status="completed" if is_verified else "pending")
        for value, is_verified in (verified if verified is not None else {EMAIL: True}).items()
    ]
    return Identity(
        id=str(uuid.uuid4()), schema_id="person", schema_url="http://127.0.0.1:4433/schemas/person",
        traits=traits, verifiable_addresses=addresses, metadata_public=metadata_public,
    )


def rule(scope: str, claim: str, source: str = "trait", path: str = "", token: str = "id_token") -> ClaimRule:
    return ClaimRule(scope=scope, claim=claim, source=source, path=path, token=token)


STANDARD = [
    rule("email", "email", path="email", token="both"),
    rule("email", "email_verified", source="verified", path="email", token="both"),
    rule("profile", "name", source="traits_joined", path="name.first name.last"),
    rule("profile", "given_name", path="name.first"),
    rule("profile", "family_name", path="name.last"),
    rule("phone", "phone_number", path="phone"),
    rule("phone", "phone_number_verified", source="verified", path="phone"),
]


def test_email_scope_yields_email_and_verified_in_both_tokens() -> None:
    claims = build_claims(make_identity(), ["openid", "email"], STANDARD)
    assert claims.id_token == {"email": EMAIL, "email_verified": True}
    assert claims.access_token == {"email": EMAIL, "email_verified": True}


def test_an_unverified_address_gives_email_verified_false() -> None:
    claims = build_claims(make_identity(verified={EMAIL: False}), ["email"], STANDARD)
    assert claims.id_token["email_verified"] is False


def test_an_address_missing_from_verifiable_addresses_counts_as_unverified() -> None:
    claims = build_claims(make_identity(verified={}), ["email"], STANDARD)
    assert claims.id_token["email_verified"] is False


def test_verified_matches_the_address_case_insensitively() -> None:
    identity = make_identity(traits={"email": "Ada@Example.org"}, verified={"ada@example.org": True})
    assert build_claims(identity, ["email"], STANDARD).id_token["email_verified"] is True


def test_scopes_that_were_not_granted_yield_no_claims() -> None:
    claims = build_claims(make_identity(), ["openid", "profile"], STANDARD)
    assert "email" not in claims.id_token and "email_verified" not in claims.id_token
    assert claims.access_token == {}
    assert claims.id_token == {"name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace"}


def test_nothing_granted_means_no_claims() -> None:
    assert build_claims(make_identity(), [], STANDARD) == TokenClaims()


def test_missing_traits_are_left_out_rather_than_sent_empty() -> None:
    identity = make_identity(traits={"email": EMAIL})
    claims = build_claims(identity, ["email", "profile", "phone"], STANDARD)
    assert claims.id_token == {"email": EMAIL, "email_verified": True}


def test_empty_trait_values_are_left_out() -> None:
    identity = make_identity(traits={"email": EMAIL, "name": {"first": "", "last": None}})
    claims = build_claims(identity, ["profile"], STANDARD)
    assert claims.id_token == {}


def test_joined_traits_skip_missing_parts() -> None:
    identity = make_identity(traits={"email": EMAIL, "name": {"last": "Lovelace"}})
    assert build_claims(identity, ["profile"], STANDARD).id_token == {"name": "Lovelace", "family_name": "Lovelace"}


def test_a_trait_path_through_a_non_object_is_missing() -> None:
    identity = make_identity(traits={"email": EMAIL, "name": "Ada Lovelace"})
    assert build_claims(identity, ["profile"], [rule("profile", "given_name", path="name.first")]).id_token == {}


def test_a_trait_may_hold_an_object() -> None:
    address = {"street_address": "1 Analytical Way", "locality": "London"}
    identity = make_identity(traits={"email": EMAIL, "address": address})
    assert build_claims(identity, ["address"], [rule("address", "address", path="address")]).id_token == {"address": address}


def test_verified_of_a_missing_phone_trait_is_left_out() -> None:
    claims = build_claims(make_identity(), ["phone"], STANDARD)
    assert claims.id_token == {}


def test_verified_phone_number() -> None:
    identity = make_identity(traits={"email": EMAIL, "phone": "+441234567890"}, verified={"+441234567890": True})
    claims = build_claims(identity, ["phone"], STANDARD)
    assert claims.id_token == {"phone_number": "+441234567890", "phone_number_verified": True}


@pytest.mark.parametrize(
    ("path", "metadata", "expected"),
    [
        ("", {"plan": "gold", "org": {"id": 7}}, {"plan": "gold", "org": {"id": 7}}),
        ("plan", {"plan": "gold"}, "gold"),
        ("org.id", {"org": {"id": 7}}, 7),
        ("roles", {"roles": ["admin", "editor"]}, ["admin", "editor"]),
    ],
)
def test_public_metadata_whole_or_by_path(path: str, metadata: Any, expected: Any) -> None:
    mapping = [rule("org", "org_info", source="metadata_public", path=path, token="access_token")]
    claims = build_claims(make_identity(metadata_public=metadata), ["org"], mapping)
    assert claims.access_token == {"org_info": expected}
    assert claims.id_token == {}


@pytest.mark.parametrize(("path", "metadata"), [("", None), ("", {}), ("plan", {"other": 1}), ("plan", None)])
def test_absent_public_metadata_is_left_out(path: str, metadata: Any) -> None:
    mapping = [rule("org", "plan", source="metadata_public", path=path)]
    assert build_claims(make_identity(metadata_public=metadata), ["org"], mapping) == TokenClaims()


@pytest.mark.parametrize(
    ("token", "in_id_token", "in_access_token"),
    [("id_token", True, False), ("access_token", False, True), ("both", True, True)],
)
def test_each_mapping_goes_into_the_tokens_it_names(token: str, in_id_token: bool, in_access_token: bool) -> None:
    claims = build_claims(make_identity(), ["email"], [rule("email", "email", path="email", token=token)])
    assert ("email" in claims.id_token) is in_id_token
    assert ("email" in claims.access_token) is in_access_token


@pytest.mark.parametrize("reserved", ["sub", "iss", "aud", "exp", "acr", "amr", "sid", "nonce"])
def test_claims_hydra_sets_itself_are_never_overridden(reserved: str) -> None:
    claims = build_claims(make_identity(), ["email"], [rule("email", reserved, path="email")])
    assert claims == TokenClaims()


def test_an_unknown_source_is_ignored() -> None:
    claims = build_claims(make_identity(), ["email"], [rule("email", "email", source="telepathy", path="email")])
    assert claims == TokenClaims()


def test_identity_without_traits_object_yields_nothing() -> None:
    identity = make_identity()
    identity.traits = "not an object"
    assert build_claims(identity, ["email", "profile"], STANDARD) == TokenClaims()


# --- The site's hook ---------------------------------------------------------------


def add_groups(identity: Identity, granted_scopes: list[str], claims: TokenClaims) -> TokenClaims:
    if "groups" in granted_scopes:
        claims.id_token["groups"] = ["staff"]
        claims.access_token["sub"] = "forged"  # a hook may not override Hydra's claims
    return claims


def add_nothing_and_return_none(identity: Identity, granted_scopes: list[str], claims: TokenClaims) -> None:
    claims.id_token["seen"] = True


def test_the_claims_hook_adds_computed_claims_but_not_reserved_ones() -> None:
    with override_settings(ORYAUTH={"PROVIDER_CLAIMS_HOOK": f"{__name__}.add_groups"}):
        claims = apply_claims_hook(make_identity(), ["openid", "groups"], TokenClaims(id_token={"email": EMAIL}))
    assert claims.id_token == {"email": EMAIL, "groups": ["staff"]}
    assert claims.access_token == {}


def test_a_hook_that_returns_none_keeps_its_changes() -> None:
    with override_settings(ORYAUTH={"PROVIDER_CLAIMS_HOOK": f"{__name__}.add_nothing_and_return_none"}):
        claims = apply_claims_hook(make_identity(), ["openid"], TokenClaims())
    assert claims.id_token == {"seen": True}


def test_without_a_hook_claims_are_unchanged() -> None:
    original = TokenClaims(id_token={"email": EMAIL})
    assert apply_claims_hook(make_identity(), ["email"], original) is original


# --- Mappings in the database, as the migration seeds them ------------------------


@pytest.mark.django_db
def test_the_standard_scopes_are_seeded() -> None:
    seeded = {(row.scope, row.claim) for row in ScopeClaim.objects.all()}
    assert {("email", "email"), ("email", "email_verified"), ("profile", "name"), ("profile", "given_name"),
            ("profile", "family_name"), ("phone", "phone_number"), ("phone", "phone_number_verified"),
            ("address", "address")} <= seeded


@pytest.mark.django_db
def test_seeded_mappings_build_the_standard_claims() -> None:
    claims = build_claims(make_identity(), ["openid", "email", "profile"], rules_for_scopes(["openid", "email", "profile"]))
    assert claims.id_token == {
        "email": EMAIL, "email_verified": True, "name": "Ada Lovelace", "given_name": "Ada", "family_name": "Lovelace",
    }


@pytest.mark.django_db
def test_disabled_mappings_are_not_used() -> None:
    ScopeClaim.objects.filter(scope="email", claim="email").update(enabled=False)
    assert [r.claim for r in rules_for_scopes(["email"])] == ["email_verified"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("values", "field"),
    [({"claim": "sub", "path": "email"}, "claim"), ({"claim": "nickname", "path": " "}, "path")],
)
def test_a_mapping_naming_a_reserved_claim_or_no_trait_is_invalid(values: dict[str, str], field: str) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as raised:
        ScopeClaim(scope="profile", source="trait", **values).clean()
    assert field in raised.value.message_dict


@pytest.mark.django_db
def test_a_metadata_mapping_needs_no_path() -> None:
    ScopeClaim(scope="org", claim="org", source="metadata_public", path="").clean()


# --- Checking mappings against the identity schema ---------------------------------

PERSON_SCHEMA = {
    "properties": {
        "traits": {
            "type": "object",
            "properties": {
                "email": {"type": "string"},
                "name": {"type": "object", "properties": {"first": {"type": "string"}, "last": {"type": "string"}}},
            },
        }
    }
}


def test_trait_paths_of_a_schema_include_nested_ones() -> None:
    assert trait_paths_of_schema(PERSON_SCHEMA) == {"email", "name", "name.first", "name.last"}


def test_a_schema_without_traits_has_no_paths() -> None:
    assert trait_paths_of_schema({"properties": {}}) == set()


@pytest.mark.parametrize(
    ("mapping", "missing"),
    [
        (rule("email", "email", path="email"), []),
        (rule("profile", "name", source="traits_joined", path="name.first name.middle"), ["name.middle"]),
        (rule("phone", "phone_number_verified", source="verified", path="phone"), ["phone"]),
        (rule("org", "org", source="metadata_public", path="anything"), []),
    ],
)
def test_mappings_to_traits_the_schema_lacks_are_found(mapping: ClaimRule, missing: list[str]) -> None:
    assert missing_trait_paths(mapping, trait_paths_of_schema(PERSON_SCHEMA)) == missing


def test_known_trait_paths_is_none_when_kratos_cannot_be_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.core.cache import cache

    from oryauth.errors import OryUnavailable

    def unavailable(service: str, path: str) -> Any:
        raise OryUnavailable(service, "connection refused")

    cache.delete(claims_module.SCHEMA_CACHE_KEY)
    monkeypatch.setattr(claims_module.ory, "get_json", unavailable)
    assert claims_module.known_trait_paths() is None
