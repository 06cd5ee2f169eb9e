"""The "localhost" variant of the stack (tools/ory/up-localhost.sh).

WebAuthn refuses IP addresses as relying-party ids, so passkey, security-key
and social sign-in tests run against a second Kratos on http://localhost:4533
(passkey, webauthn and oidc enabled), "Example ID" (a second Hydra on
127.0.0.1:4544 standing in for an outside OpenID provider) and the demo site
on http://localhost:8100 with its own database. The site runs in its own
process, so these tests observe it through the browser and the Ory APIs.
"""
from __future__ import annotations

from tests.support.stack import ensure_up

SITE = "http://localhost:8100"
KRATOS_PUBLIC = "http://localhost:4533"
KRATOS_ADMIN = "http://127.0.0.1:4534"
UPSTREAM_PUBLIC = "http://127.0.0.1:4544"
UPSTREAM_ADMIN = "http://127.0.0.1:4545"
# Where Example ID sends browsers to sign in and consent (hydra.upstream.yml).
# Tests serve these pages (tests/support/example_id.py), accepting through UPSTREAM_ADMIN.
UPSTREAM_LOGIN_UI = "http://127.0.0.1:4546/login"
UPSTREAM_CONSENT_UI = "http://127.0.0.1:4546/consent"

HEALTH_URLS = [
    "http://127.0.0.1:4533/health/ready",
    f"{KRATOS_ADMIN}/admin/health/ready",
    f"{UPSTREAM_PUBLIC}/health/ready",
    f"{UPSTREAM_ADMIN}/health/ready",
    "http://127.0.0.1:8100/health/live",
]


def ensure_localhost_stack_up() -> None:
    """Start the variant with tools/ory/up-localhost.sh unless it answers."""
    ensure_up("up-localhost.sh", HEALTH_URLS, "The localhost variant (passkeys, Example ID)")
