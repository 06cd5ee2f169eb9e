"""A local SMTP sink for development and tests.

Kratos's courier delivers verification and recovery emails here instead of to
the outside world. Each message is written as one JSON file
(`<mail dir>/<timestamp>-<n>.json` with to, from, subject, text) that tests and
developers read; nothing is ever relayed.

Usage: python tools/mailsink/mailsink.py --port 1025 --dir .ory-run/mail
"""
from __future__ import annotations

import argparse
import asyncio
import email
import email.policy
import json
import os
import time
from pathlib import Path

from aiosmtpd.controller import Controller


class StoreMessages:
    """aiosmtpd handler that writes every accepted message to a folder."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        record = {
            "to": [address.lower() for address in envelope.rcpt_tos],
            "from": envelope.mail_from,
            "subject": str(message.get("Subject", "")),
            "text": body.get_content() if body is not None else "",
            "received_at": time.time(),
        }
        self.count += 1
        name = f"{time.time_ns()}-{self.count:06d}.json"
        # Write then rename, so a reader never sees half a message.
        temporary = self.directory / (name + ".tmp")
        temporary.write_text(json.dumps(record))
        os.replace(temporary, self.directory / name)
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    parser.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args()
    args.dir.mkdir(parents=True, exist_ok=True)
    controller = Controller(StoreMessages(args.dir), hostname=args.host, port=args.port)
    controller.start()
    print(f"mailsink: listening on {args.host}:{args.port}, storing in {args.dir}", flush=True)
    try:
        asyncio.run(asyncio.Event().wait())
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
