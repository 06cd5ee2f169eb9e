#!/usr/bin/env python3
"""Make a key pair for Kratos's session tokenizer: the private JWKS Kratos
signs tokenized sessions with (a template's `jwks_url` in kratos.yml), and
the public JWKS Django verifies them with (ORYAUTH["SESSION_JWT_JWKS_FILE"]).

    .venv/bin/python tools/ory/session-jwks.py PRIVATE_OUT PUBLIC_OUT [--kid KID]

RS256 with a 2048-bit key: a signature check costs a few tens of
microseconds. Keep the private file where only Kratos reads it; Django needs
only the public one. To rotate, put the new key first in both files (Kratos
signs with the first, Django accepts every key listed), then drop the old
one once tokens signed with it have expired.
"""
from __future__ import annotations

import argparse
import json
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jose import jwk


def key_pair(kid: str) -> tuple[dict[str, str], dict[str, str]]:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    private = {**jwk.construct(pem, "RS256").to_dict(), "kid": kid, "use": "sig", "alg": "RS256"}
    public = {name: value for name, value in private.items() if name in ("kty", "n", "e", "kid", "use", "alg")}
    return private, public


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("private_out", type=Path)
    parser.add_argument("public_out", type=Path)
    parser.add_argument("--kid", default=f"session-{uuid.uuid4().hex[:12]}")
    args = parser.parse_args()
    private, public = key_pair(args.kid)
    descriptor = os.open(args.private_out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump({"keys": [private]}, file, indent=2)
    args.public_out.write_text(json.dumps({"keys": [public]}, indent=2) + "\n")
    print(f"session-jwks: key {args.kid}: private JWKS {args.private_out} (Kratos), public JWKS {args.public_out} (Django)")


if __name__ == "__main__":
    main()
