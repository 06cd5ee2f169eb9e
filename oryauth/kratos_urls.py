"""URLs of Kratos's browser endpoints, as the *browser* reaches them (used by
the portal, the provider and the decorators)."""
from __future__ import annotations

from typing import Literal
from urllib.parse import urlencode

from .conf import oryauth_settings

FlowType = Literal["login", "registration", "recovery", "verification", "settings"]


def create_flow_url(flow_type: FlowType, **params: str | None) -> str:
    """Kratos's endpoint that creates a browser flow and redirects back to our
    page with `?flow=<id>`. Empty parameters are left out (Kratos reads an
    empty `login_challenge` as a malformed one)."""
    query = urlencode({key: value for key, value in params.items() if value})
    base = f"{oryauth_settings().kratos_browser_url.rstrip('/')}/self-service/{flow_type}/browser"
    return f"{base}?{query}" if query else base
