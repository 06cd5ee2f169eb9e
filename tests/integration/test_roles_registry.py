"""Each role registers only its own admin pages and URLs: every role site
(tests/sites/) is loaded in its own process and asked what it registered."""
from __future__ import annotations

import pytest

from tests.sites.running import describe

DJANGO_ADMIN = ["auth.group", "auth.user"]


@pytest.mark.parametrize(
    ("site", "admin", "namespaces", "routes"),
    [
        ("client_only", DJANGO_ADMIN, ["oryauth_client"], ["auth/backchannel-logout", "auth/callback", "auth/logged-out", "auth/login",
                                                                 "auth/logout", "protected/"]),
        ("api_only", DJANGO_ADMIN, [], ["api/me/"]),
        (
            "identity_site",
            [*DJANGO_ADMIN, "oryauth_provider.scopeclaim"],
            ["oryauth_portal", "oryauth_provider"],
            ["account", "consent", "error", "login", "logout", "recovery", "registration", "sessions", "sessions/end",
             "sessions/end-others", "sessions/revoke", "settings", "signout", "verification"],
        ),
        ("client_admin_only", [*DJANGO_ADMIN, "oryauth_client_admin.oauth2clientrecord"], [], []),
    ],
)
def test_a_role_site_registers_its_own_admin_pages_and_urls_and_no_other_roles(
    site: str, admin: list[str], namespaces: list[str], routes: list[str]
) -> None:
    registered = describe(site)

    assert registered["admin"] == admin
    assert registered["namespaces"] == namespaces
    assert registered["routes"] == routes
