"""Staff edit scope -> claim mappings in the Django admin; mappings that read a
trait the (real) Kratos identity schema lacks are flagged."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from oryauth.provider.models import ScopeClaim
from oryauth.provider.claims import SCHEMA_CACHE_KEY

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_schema_cache() -> None:
    cache.delete(SCHEMA_CACHE_KEY)


def test_changelist_flags_mappings_to_traits_the_schema_lacks(admin_client: Client) -> None:
    response = admin_client.get(reverse("admin:oryauth_provider_scopeclaim_changelist"))

    assert response.status_code == 200
    page = response.content.decode()
    warning = next(str(m) for m in response.context["messages"] if "schema lacks" in str(m))
    assert "phone → phone_number" in warning and "address → address" in warning
    assert "email → email" not in warning
    assert "No such trait: phone" in page


def test_change_page_says_ok_for_a_mapping_the_schema_has(admin_client: Client) -> None:
    mapping = ScopeClaim.objects.get(scope="email", claim="email")
    response = admin_client.get(reverse("admin:oryauth_provider_scopeclaim_change", args=[mapping.pk]))
    assert response.status_code == 200
    assert "No such trait" not in response.content.decode()


def test_saving_a_mapping_to_a_missing_trait_warns_and_keeps_it(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:oryauth_provider_scopeclaim_add"),
        {"scope": "profile", "claim": "nickname", "source": "trait", "path": "nickname", "token": "id_token", "enabled": "on"},
        follow=True,
    )
    assert response.status_code == 200
    assert ScopeClaim.objects.filter(scope="profile", claim="nickname").exists()
    assert any("nickname" in str(m) and "lacks" in str(m) for m in response.context["messages"])


def test_a_mapping_to_a_reserved_claim_is_refused(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:oryauth_provider_scopeclaim_add"),
        {"scope": "profile", "claim": "sub", "source": "trait", "path": "email", "token": "id_token", "enabled": "on"},
    )
    assert response.status_code == 200  # the form again, with the error
    assert "set by Hydra itself" in response.content.decode()
    assert not ScopeClaim.objects.filter(claim="sub").exists()


def test_saving_a_mapping_hydra_does_not_advertise_says_what_to_put_in_hydras_config(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:oryauth_provider_scopeclaim_add"),
        {"scope": "groups", "claim": "groups", "source": "metadata_public", "path": "groups", "token": "id_token",
         "enabled": "on"},
        follow=True,
    )

    assert response.status_code == 200
    [warning] = [str(m) for m in response.context["messages"] if "discovery" in str(m)]
    assert "scopes_supported lacks groups" in warning and "claims_supported lacks groups" in warning
    soup = BeautifulSoup(response.content, "html.parser")
    assert "      - groups\n" in soup.select_one('[data-testid="scopeclaim/hydra-yaml"]').get_text()


def test_deleting_back_to_what_hydra_advertises_says_nothing(admin_client: Client) -> None:
    extra = ScopeClaim.objects.create(scope="groups", claim="groups", source="metadata_public", path="groups",
                                      token="id_token")

    response = admin_client.post(reverse("admin:oryauth_provider_scopeclaim_delete", args=[extra.pk]), {"post": "yes"},
                                 follow=True)

    assert response.status_code == 200
    assert not [m for m in response.context["messages"] if "discovery" in str(m)]
