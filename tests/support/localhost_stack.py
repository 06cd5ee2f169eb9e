"""The "localhost" variant of the stack (tools/ory/up-localhost.sh).

WebAuthn refuses IP addresses as relying-party ids, so passkey, security-key
and social sign-in tests run against a second Kratos on http://localhost:4533
(passkey, webauthn and oidc enabled), "Example ID" (a second Hydra on
127.0.0.1:4544 standing in for an outside OpenID provider) and the demo site
on http://localhost:8100 with its own database. The site runs in its own
process, so these tests observe it through the browser and the Ory APIs.
"""
from __future__ import annotations

import os
import subprocess
import sys

import requests

from tests.support.stack import REPO

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


def _unhealthy() -> list[str]:
    failing = []
    for url in HEALTH_URLS:
        try:
            if requests.get(url, timeout=2).status_code != 200:
                failing.append(url)
        except requests.RequestException:
            failing.append(url)
    return failing


def ensure_localhost_stack_up() -> None:
    """Start the variant with the project's script unless it already answers.

    Raises RuntimeError with the script's output when it cannot start: the
    tests must fail loudly, never skip.
    """
    if not _unhealthy():
        return
    result = subprocess.run(
        [str(REPO / "tools" / "ory" / "up-localhost.sh")],
        cwd=REPO,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
    )
    still = _unhealthy()
    if result.returncode != 0 or still:
        raise RuntimeError(
            "The localhost variant (passkeys, Example ID) is not running and "
            "tools/ory/up-localhost.sh could not start it.\n"
            f"Not answering: {', '.join(still) or 'none'}\n"
            f"--- script output ---\n{result.stdout}\n{result.stderr}"
        )
