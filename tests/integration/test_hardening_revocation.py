"""Revocation is seen (issue 10): a staff member deactivating a Django user,
or ending the person's sessions, takes effect on the next request, not when
the cached answer and this process's copy of the user row expire. Against
the real Kratos."""
from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client

from oryauth import caller_cache, ory
from oryauth.conf import oryauth_settings
from oryauth.models import IdentityLink
from oryauth.resolution import forget_user_everywhere
from tests.support.kratos import browser_login, create_identity

pytestmark = pytest.mark.django_db


def signed_in_user(site: Client) -> Any:
    """The user /api/me/ reports, or None (it answers 401 to strangers)."""
    response = site.get("/api/me/")
    return response.json()["user"] if response.status_code == 200 else None


def signed_in_site() -> tuple[Client, str]:
    """This site's test client carrying a real Kratos session cookie; the identity id."""
    identity = create_identity()
    cookie = browser_login(identity).cookies["ory_kratos_session"]
    site = Client(HTTP_HOST="127.0.0.1:8000")
    site.cookies["ory_kratos_session"] = cookie
    assert signed_in_user(site) is not None  # the answer and the row are now cached
    return site, identity.id


def user_of_identity(identity_id: str) -> Any:
    return IdentityLink.objects.select_related("user").get(subject=identity_id).user


def test_deactivating_a_user_takes_effect_on_the_next_request() -> None:
    site, identity_id = signed_in_site()
    user = user_of_identity(identity_id)

    user.is_active = False
    user.save(update_fields=["is_active"])  # what the admin's "active" box does

    assert signed_in_user(site) is None


def test_a_change_made_by_another_process_is_seen_here() -> None:
    site, identity_id = signed_in_site()
    user = user_of_identity(identity_id)
    # Another web process saved the user: the database row and the shared
    # cache changed, this process's copies did not.
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    caches[oryauth_settings().CACHE_ALIAS].set(f"oryauth:user-version:{user.pk}", "changed-elsewhere", None)

    assert signed_in_user(site) is None


def test_ending_a_persons_sessions_takes_effect_on_the_next_request() -> None:
    site, identity_id = signed_in_site()
    user = user_of_identity(identity_id)

    ory.kratos_identities().delete_identity_sessions(identity_id)  # staff end the sessions at Kratos
    forget_user_everywhere(user.pk)

    assert signed_in_user(site) is None


def test_a_row_copied_under_another_version_is_not_used() -> None:
    user = get_user_model().objects.create(username="copy-check")
    caller_cache.remember_user(user, "identity", 60, version="")
    assert caller_cache.remembered_user(user.pk, "identity", "") is not None

    assert caller_cache.remembered_user(user.pk, "identity", "bumped") is None
