"""A sign-in through the real Hydra either completes or leaves nothing: no
user, identity link, token row or signed-in session. Signing out removes the
person's token rows nothing can use any more."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import DatabaseError
from django.test import Client
from django.utils import timezone

from oryauth.client.models import RelyingPartyTokens
from oryauth.models import IdentityLink
from tests.support.relying_party import AdminApiPortal, sign_in

pytestmark = pytest.mark.django_db


def row_counts() -> tuple[int, int, int, int]:
    signed_in = sum(1 for s in Session.objects.all() if "_auth_user_id" in s.get_decoded())
    return get_user_model().objects.count(), IdentityLink.objects.count(), RelyingPartyTokens.objects.count(), signed_in


def test_a_sign_in_that_fails_while_storing_the_tokens_leaves_no_user_link_or_session(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the user and identity link were created and committed first,
    so a failure after them (here: storing the tokens) left both behind."""
    browser = Client(raise_request_exception=False)
    portal = AdminApiPortal()
    before = row_counts()

    def storage_fails(*args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        raise DatabaseError("disk full")

    monkeypatch.setattr(RelyingPartyTokens.objects, "create", storage_fails)
    _, response = sign_in(browser, requests.Session(), portal)

    assert response.status_code == 503  # the site's "database unavailable" page; and nothing is half-made
    assert row_counts() == before
    assert not IdentityLink.objects.filter(subject=portal.subject).exists()
    assert "_auth_user_id" not in browser.session


def test_signing_out_removes_the_persons_unusable_token_rows(client: Client) -> None:
    portal = AdminApiPortal()
    sign_in(client, requests.Session(), portal)
    user = get_user_model().objects.get(ory_identities__subject=portal.subject)
    stale = RelyingPartyTokens.objects.create(
        user=user, issuer="http://127.0.0.1:4444/", subject=portal.subject, access_token="old",
        expires_at=timezone.now() - timedelta(hours=1),
    )
    someone_elses = RelyingPartyTokens.objects.create(
        user=get_user_model().objects.create(username="other"), issuer="http://127.0.0.1:4444/", subject="other",
        access_token="old", expires_at=timezone.now() - timedelta(hours=1),
    )

    response = client.post("/auth/logout")

    assert response.status_code == 302
    assert not RelyingPartyTokens.objects.filter(user=user).exists()
    assert not RelyingPartyTokens.objects.filter(pk=stale.pk).exists()
    assert RelyingPartyTokens.objects.filter(pk=someone_elses.pk).exists()  # the command's job, not this sign-out's
