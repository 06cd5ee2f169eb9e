"""Every string oryauth shows has a translation in German, French and Spanish:
the strings marked in templates and Python (oryauth/locale/*/django.po, made
by `makemessages` inside oryauth/) and every Kratos message id we render
(oryauth/portal/kratos_messages.py and the ids in the recorded flows)."""
from __future__ import annotations

import ast
import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from oryauth.portal.kratos_messages import (
    GENERATED_LABEL,
    IDENTITY_SCHEMA_TITLES,
    KRATOS_MESSAGES,
    PASSTHROUGH_IDS,
)

ORYAUTH = Path(__file__).resolve().parents[2] / "oryauth"
LOCALE = ORYAUTH / "locale"
LANGUAGES = ["de", "fr", "es"]
FLOWS = Path(__file__).parent / "fixtures" / "flows"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sd]|\{\{ *[\w.]+ *\}\}")


@dataclass
class Entry:
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def missing(self) -> bool:
        return "fuzzy" in self.flags or not self.msgstr or any(not s.strip() for s in self.msgstr.values())


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (header left out; obsolete `#~` entries ignored)."""
    entries: list[Entry] = []
    current = Entry()
    target: tuple[str, int] = ("msgid", 0)
    started = False

    def finish() -> None:
        nonlocal current, started
        if started and current.msgid:
            entries.append(current)
        current, started = Entry(), False

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            finish()
        elif line.startswith("#,"):
            current.flags.update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            continue
        elif match := re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d)\])? (\".*\")$", line):
            keyword, index, value = match.group(1), int(match.group(2) or 0), ast.literal_eval(match.group(3))
            started = True
            target = (keyword, index)
            if keyword == "msgstr":
                current.msgstr[index] = value
            else:
                setattr(current, keyword, value)
        elif line.startswith('"'):
            keyword, index = target
            value = ast.literal_eval(line)
            if keyword == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, keyword, getattr(current, keyword) + value)
    finish()
    return entries


def catalogue(language: str) -> list[Entry]:
    return read_po(LOCALE / language / "LC_MESSAGES" / "django.po")


def kratos_ids_in_recorded_flows() -> set[int]:
    ids: set[int] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), int) and "text" in value and "type" in value:
                ids.add(value["id"])
            for child in value.values():
                walk(child)
        elif isinstance(value, list):
            for child in value:
                walk(child)

    for path in FLOWS.glob("*.json"):
        walk(json.loads(path.read_text()))
    return ids


def extracted_msgids(tmp_path: Path) -> set[tuple[str | None, str]]:
    """What `makemessages` finds in oryauth today, run into a scratch copy."""
    scratch = tmp_path / "oryauth"
    subprocess.run(["cp", "-r", str(ORYAUTH), str(scratch)], check=True)
    subprocess.run(
        ["django-admin", "makemessages", "-l", "de", "--ignore", "migrations/*", "--no-location", "--no-obsolete"],
        cwd=scratch, check=True, capture_output=True,
        env={"PATH": f"{Path(__import__('sys').executable).parent}:/usr/bin:/bin"},
    )
    return {(e.msgctxt, e.msgid) for e in read_po(scratch / "locale" / "de" / "LC_MESSAGES" / "django.po")}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_has_a_translation(language: str) -> None:
    missing = [e.msgid for e in catalogue(language) if e.missing]
    assert not missing, f"{len(missing)} strings untranslated (or fuzzy) in {language}: {missing[:10]}"


def test_the_catalogues_hold_every_string_marked_in_templates_and_python_today(tmp_path: Path) -> None:
    marked = extracted_msgids(tmp_path)
    for language in LANGUAGES:
        known = {(e.msgctxt, e.msgid) for e in catalogue(language)}
        new = sorted(m for _, m in marked - known)
        assert not new, (
            f"{len(new)} marked strings are not in the {language} catalogue; run `django-admin makemessages "
            f"-l de -l fr -l es --ignore 'migrations/*' --no-location` inside oryauth/, translate, compilemessages: {new[:10]}"
        )


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language: str) -> None:
    for entry in catalogue(language):
        wanted = sorted(set(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid)))
        for text in entry.msgstr.values():
            assert sorted(set(PLACEHOLDER.findall(text))) == wanted, (entry.msgid, text)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_up_to_date(language: str, tmp_path: Path) -> None:
    messages = LOCALE / language / "LC_MESSAGES"
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(messages / "django.po")], check=True)
    assert compiled.read_bytes() == (messages / "django.mo").read_bytes(), (
        "django.mo does not match django.po: run `django-admin compilemessages` inside oryauth/"
    )


def kratos_ids_we_render() -> set[int]:
    return set(KRATOS_MESSAGES) | kratos_ids_in_recorded_flows()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kratos_message_id_we_render_has_a_translation(language: str) -> None:
    translated = {int(e.msgctxt.rsplit(" ", 1)[1]) for e in catalogue(language)
                  if e.msgctxt and e.msgctxt.startswith("Kratos message ") and not e.missing}
    titles = {e.msgid for e in catalogue(language) if e.msgctxt is None and not e.missing}
    # Passthrough ids carry data (a secret, a code), not words; a generated
    # label is the identity schema's own title, translated as one.
    untranslated = kratos_ids_we_render() - translated - PASSTHROUGH_IDS - {GENERATED_LABEL}
    assert not untranslated, f"Kratos ids without a {language} translation: {sorted(untranslated)}"
    assert set(IDENTITY_SCHEMA_TITLES) <= titles


def test_the_recorded_flows_use_only_ids_our_catalogue_knows() -> None:
    unknown = kratos_ids_in_recorded_flows() - set(KRATOS_MESSAGES) - PASSTHROUGH_IDS - {GENERATED_LABEL}
    assert not unknown, f"add these Kratos ids to oryauth/portal/kratos_messages.py: {sorted(unknown)}"


def test_schema_titles_match_the_identity_schema_we_ship() -> None:
    schema = (ORYAUTH.parent / "deploy" / "ory").glob("*.schema.json")
    titles = set(re.findall(r'"title": "([^"]+)"', "".join(p.read_text() for p in schema)))
    assert set(IDENTITY_SCHEMA_TITLES) <= titles
