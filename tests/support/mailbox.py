"""Reading what the local SMTP sink (tools/mailsink) captured."""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

from .stack import RUN_DIR

MAIL_DIR = RUN_DIR / "mail"


@dataclass(frozen=True)
class Mail:
    to: list[str]
    subject: str
    text: str
    received_at: float


def messages_to(address: str) -> list[Mail]:
    """Every captured message to `address`, oldest first."""
    found = []
    for path in sorted(MAIL_DIR.glob("*.json")):
        record = json.loads(path.read_text())
        if address.lower() in record["to"]:
            found.append(Mail(record["to"], record["subject"], record["text"], record["received_at"]))
    return found


def wait_for_mail(address: str, *, after: float = 0.0, timeout: float = 20.0) -> Mail:
    """The newest message to `address` received after `after` (a time.time()),
    polling until `timeout` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        fresh = [m for m in messages_to(address) if m.received_at >= after]
        if fresh:
            return fresh[-1]
        if time.monotonic() > deadline:
            raise AssertionError(f"no mail to {address} within {timeout}s (looked in {MAIL_DIR})")
        time.sleep(0.1)


def latest_code(address: str, *, after: float = 0.0, timeout: float = 20.0) -> str:
    """The six-digit code (verification, recovery, login) in the newest mail to `address`."""
    mail = wait_for_mail(address, after=after, timeout=timeout)
    match = re.search(r"\b(\d{6})\b", mail.text)
    if not match:
        raise AssertionError(f"no six-digit code in the mail to {address}: {mail.text[:300]!r}")
    return match.group(1)


def latest_link(address: str, *, after: float = 0.0, timeout: float = 20.0) -> str:
    """The first http(s) link in the newest mail to `address`."""
    mail = wait_for_mail(address, after=after, timeout=timeout)
    match = re.search(r"https?://\S+", mail.text)
    if not match:
        raise AssertionError(f"no link in the mail to {address}: {mail.text[:300]!r}")
    return match.group(0)
