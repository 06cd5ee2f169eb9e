"""Second factors set up through Kratos's settings API (no browser), and the
codes an authenticator app or a printed list would give, for tests that sign
in with them."""
from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time
from typing import Any

import requests

from .kratos import TestIdentity
from .stack import KRATOS_PUBLIC


def totp_code(secret: str, at: float | None = None) -> str:
    """RFC 6238 code (SHA-1, 30 s, 6 digits) as an authenticator app computes it."""
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at or time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _api_session_token(identity: TestIdentity) -> str:
    flow = requests.get(f"{KRATOS_PUBLIC}/self-service/login/api", timeout=5).json()
    answer = requests.post(flow["ui"]["action"], json={
        "method": "password", "identifier": identity.email, "password": identity.password,
    }, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["session_token"]


def _node_text(flow: dict[str, Any], node_id: str) -> Any:
    node = next(n for n in flow["ui"]["nodes"] if n["attributes"].get("id") == node_id)
    return node["attributes"]["text"]


def _settings_flow(token: str) -> dict[str, Any]:
    headers = {"X-Session-Token": token}
    return requests.get(f"{KRATOS_PUBLIC}/self-service/settings/api", headers=headers, timeout=5).json()


def _update(token: str, flow: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    answer = requests.post(flow["ui"]["action"], json=body, headers={"X-Session-Token": token}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


def set_up_totp(identity: TestIdentity) -> str:
    """Add an authenticator app to `identity`; returns its secret."""
    token = _api_session_token(identity)
    flow = _settings_flow(token)
    secret = _node_text(flow, "totp_secret_key")["text"]
    _update(token, flow, {"method": "totp", "totp_code": totp_code(secret)})
    return secret


def set_up_lookup_codes(identity: TestIdentity) -> list[str]:
    """Give `identity` recovery (lookup) codes; returns them."""
    token = _api_session_token(identity)
    flow = _settings_flow(token)
    # Generated and confirmed in the same flow (Kratos keeps the codes in it).
    shown = _update(token, flow, {"method": "lookup_secret", "lookup_secret_regenerate": True})
    codes = [entry["text"] for entry in _node_text(shown, "lookup_secret_codes")["context"]["secrets"]]
    _update(token, flow, {"method": "lookup_secret", "lookup_secret_confirm": True})
    return codes
