"""docs/settings.md documents every key of ORYAUTH, and only those, with the
default oryauth/conf.py really has and check ids that exist."""
from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from oryauth.conf import DEFAULTS, OryAuthSettings

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "docs" / "settings.md"
ROLES = {"core", "all", "portal", "provider", "client", "client_admin"}
ROW = re.compile(r"^\| `(?P<key>[A-Z_]+)` \| `(?P<default>[^`]*)` \| (?P<role>[^|]+) \| (?P<checks>[^|]+) \| (?P<meaning>[^|]+) \|$")


def documented() -> dict[str, dict[str, str]]:
    rows = [ROW.match(line) for line in REFERENCE.read_text().splitlines() if line.startswith("| `")]
    assert all(rows), "a settings row does not follow | `KEY` | `default` | role | checks | meaning |"
    keys = [row["key"] for row in rows if row]
    assert len(keys) == len(set(keys)), "a key is documented twice"
    return {row["key"]: row.groupdict() for row in rows if row}


def check_ids_in_the_code() -> set[str]:
    return {match for path in (REPO / "oryauth").rglob("*.py") for match in re.findall(r'id="oryauth\.([EW]\d{3})"', path.read_text())}


def test_every_oryauth_setting_is_documented_and_nothing_else() -> None:
    assert set(documented()) == {field.name for field in dataclasses.fields(OryAuthSettings)}


@pytest.mark.parametrize("key", [field.name for field in dataclasses.fields(OryAuthSettings)])
def test_the_documented_default_is_the_one_in_conf(key: str) -> None:
    default = ast.literal_eval(documented()[key]["default"])
    actual = getattr(DEFAULTS, key)

    assert (tuple(default) if isinstance(default, list) else default) == actual


@pytest.mark.parametrize("key", [field.name for field in dataclasses.fields(OryAuthSettings)])
def test_each_setting_names_a_role_and_only_check_ids_that_exist(key: str) -> None:
    row = documented()[key]
    roles = set(re.findall(r"[a-z_]+", row["role"]))
    checks = set(re.findall(r"[EW]\d{3}", row["checks"]))

    assert roles & ROLES, f"{key}: no role named in {row['role']!r}"
    assert checks <= check_ids_in_the_code(), f"{key}: unknown check ids {sorted(checks - check_ids_in_the_code())}"
    assert checks or row["checks"].strip() == "—"
