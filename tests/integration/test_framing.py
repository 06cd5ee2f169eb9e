"""Portal pages refuse to be framed (clickjacking), even on a site that does
not use Django's XFrameOptionsMiddleware."""
from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings

WITHOUT_FRAME_MIDDLEWARE = [m for m in settings.MIDDLEWARE if "XFrameOptionsMiddleware" not in m]


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/registration",
        "/recovery",
        "/verification",
        "/consent?consent_challenge=not-a-real-challenge",
        "/logout?logout_challenge=not-a-real-challenge",
    ],
)
@override_settings(MIDDLEWARE=WITHOUT_FRAME_MIDDLEWARE)
@pytest.mark.django_db
def test_portal_pages_forbid_framing(path: str) -> None:
    response = Client().get(path)
    assert response["X-Frame-Options"] == "DENY"
