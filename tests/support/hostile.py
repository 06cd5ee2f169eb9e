"""A hostile or broken OpenID provider on loopback: a real threaded HTTP
server that answers each path with whatever the test chose (absurd JSON,
wrong content types, truncated or 10 MB bodies, slow drips).

It is an extra peer beside the real Kratos and Hydra, standing in for a
provider that misbehaves: the relying party is pointed at it with
`HostileProvider.relying_party_settings()`. `HostileProvider.openid()` makes
it a working provider first (discovery, JWKS, token endpoint with an ID token
signed by a key it generated), so each test breaks exactly one answer.
"""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk, jws

KEY_ID = "hostile-key"
_SIGNING_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Answer:
    """One canned HTTP answer."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    # Announce more bytes than are sent, then close: a truncated body.
    declared_length: int | None = None
    # Send the body one byte at a time with this many seconds between bytes
    # (each gap shorter than the client's read timeout: a slow drip).
    drip_interval: float = 0.0

    @classmethod
    def json(cls, value: Any, **options: Any) -> Answer:
        return cls(body=json.dumps(value).encode(), **options)

    @classmethod
    def raw_json(cls, text: str, **options: Any) -> Answer:
        """JSON text as written, for what json.dumps will not produce (1e400, NaN)."""
        return cls(body=text.encode(), **options)


class HostileProvider:
    """Serves `answers[path]` on 127.0.0.1 (a free port); 404 for other paths.
    Records the paths asked (`requests`)."""

    def __init__(self) -> None:
        self.answers: dict[str, Answer] = {}
        self.requests: list[str] = []
        self._closing = threading.Event()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                provider._answer(self)

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                provider._answer(self)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                """Quiet: the test output is the report."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="hostile-provider", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/"

    def close(self) -> None:
        self._closing.set()  # ends any drip in progress
        self._server.shutdown()
        self._server.server_close()

    def _answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = urlsplit(handler.path).path
        self.requests.append(path)
        answer = self.answers.get(path, Answer(status=404, body=b'{"error":"not_found"}'))
        handler.send_response(answer.status)
        handler.send_header("Content-Type", answer.content_type)
        handler.send_header("Content-Length", str(answer.declared_length or len(answer.body)))
        for name, value in answer.headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        try:
            if answer.drip_interval:
                for index in range(len(answer.body)):
                    handler.wfile.write(answer.body[index:index + 1])
                    handler.wfile.flush()
                    if self._closing.wait(answer.drip_interval):  # the drip itself, not a test wait
                        return
            else:
                handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            return  # the client gave up: that is what a timeout looks like from here
        if answer.declared_length:
            handler.close_connection = True

    # --- A working OpenID provider, to break one answer at a time ---------------

    def relying_party_settings(self, base: dict[str, Any], **extra: Any) -> dict[str, Any]:
        """`base` (the site's ORYAUTH) pointed at this provider."""
        return {**base, "HYDRA_PUBLIC_URL": self.url, "HYDRA_ISSUER": self.issuer, "HTTP_TIMEOUT": 1.0, **extra}

    def discovery_document(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.url}/oauth2/auth",
            "token_endpoint": f"{self.url}/oauth2/token",
            "jwks_uri": f"{self.url}/.well-known/jwks.json",
            "userinfo_endpoint": f"{self.url}/userinfo",
            "end_session_endpoint": f"{self.url}/oauth2/sessions/logout",
            "revocation_endpoint": f"{self.url}/oauth2/revoke",
        }

    def public_jwk(self) -> dict[str, Any]:
        return {**jwk.construct(_SIGNING_KEY.public_key(), "RS256").to_dict(), "kid": KEY_ID, "use": "sig", "alg": "RS256"}

    def id_token(self, *, client_id: str, nonce: str, subject: str, **claims: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.issuer, "sub": subject, "aud": [client_id], "iat": now, "exp": now + 3600, "nonce": nonce,
            "email": f"{subject}@example.org", "email_verified": True, **claims,
        }
        pem = _SIGNING_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return jws.sign(json.dumps(payload).encode(), pem, headers={"kid": KEY_ID}, algorithm="RS256")

    def token_answer(self, *, client_id: str, nonce: str, subject: str, **fields: Any) -> dict[str, Any]:
        return {
            "access_token": f"hostile-at-{subject}",
            "refresh_token": f"hostile-rt-{subject}",
            "token_type": "bearer",
            "expires_in": 3600,
            "scope": "openid offline_access email profile",
            "id_token": self.id_token(client_id=client_id, nonce=nonce, subject=subject),
            **fields,
        }

    def openid(self, *, client_id: str, nonce: str, subject: str) -> None:
        """Answer as a working provider would for a sign-in with `nonce`."""
        self.answers |= {
            "/.well-known/openid-configuration": Answer.json(self.discovery_document()),
            "/.well-known/jwks.json": Answer.json({"keys": [self.public_jwk()]}),
            "/oauth2/token": Answer.json(self.token_answer(client_id=client_id, nonce=nonce, subject=subject)),
            "/userinfo": Answer.json({"sub": subject, "email": f"{subject}@example.org", "email_verified": True}),
            "/oauth2/revoke": Answer(body=b""),
        }
