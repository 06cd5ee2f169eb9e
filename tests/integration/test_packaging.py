"""The reusable app is packaged alone, with everything it needs at run time
and the metadata a package page and a company's licence review need."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from email import message_from_string
from email.message import Message
from pathlib import Path

import pytest

from tests.support.stack import REPO

ROLES = ["portal", "provider", "client", "client_admin"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    # pip builds in an isolated environment: it fetches setuptools from the package index.
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--quiet", "--wheel-dir", str(out)],
        capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, f"pip wheel failed (does this machine reach the package index?):\n{built.stderr}"
    (path,) = out.glob("oryauth-*.whl")
    return zipfile.ZipFile(path)


@pytest.fixture(scope="module")
def metadata(wheel: zipfile.ZipFile) -> Message:
    (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
    return message_from_string(wheel.read(name).decode())


def source_files(folder: str, pattern: str) -> set[str]:
    """Every file under oryauth/ matching `pattern` inside a `folder` directory, as wheel paths."""
    root = REPO / "oryauth"
    return {
        path.relative_to(REPO).as_posix()
        for path in root.rglob(pattern)
        if folder in path.relative_to(root).parts and "__pycache__" not in path.parts
    }


def test_the_wheel_holds_oryauth_and_nothing_else(wheel: zipfile.ZipFile) -> None:
    packaged = {name.split("/")[0] for name in wheel.namelist() if not name.startswith("oryauth-")}

    assert packaged == {"oryauth"}


def test_the_wheel_holds_the_core_templates_static_files_and_migrations(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())

    assert {"oryauth/templates/oryauth/base.html", "oryauth/static/oryauth/oryauth.css", "oryauth/migrations/0001_initial.py"} <= names


@pytest.mark.parametrize("role", ROLES)
def test_the_wheel_holds_every_template_and_migration_of_each_role(wheel: zipfile.ZipFile, role: str) -> None:
    names = set(wheel.namelist())
    templates = {n for n in source_files("templates", "*.html") if n.startswith(f"oryauth/{role}/")}
    migrations = {n for n in source_files("migrations", "*.py") if n.startswith(f"oryauth/{role}/")}
    # e.g. the portal's script that runs Kratos's WebAuthn functions
    static = {n for n in source_files("static", "*.*") if n.startswith(f"oryauth/{role}/")}

    assert templates, f"found no templates of oryauth.{role} to look for"
    assert f"oryauth/{role}/apps.py" in names
    assert templates <= names, sorted(templates - names)
    assert migrations <= names, sorted(migrations - names)
    assert static <= names, sorted(static - names)


def test_the_licence_is_apache_2_and_ships_in_the_metadata(wheel: zipfile.ZipFile, metadata: Message) -> None:
    (licence,) = [n for n in wheel.namelist() if n.endswith(".dist-info/licenses/LICENSE")]

    assert metadata["License-Expression"] == "Apache-2.0"
    assert wheel.read(licence).decode() == (REPO / "LICENSE").read_text()
    assert "Apache License\n                           Version 2.0, January 2004" in (REPO / "LICENSE").read_text()


def test_the_metadata_names_supported_versions_urls_and_the_drf_extra(metadata: Message) -> None:
    classifiers = metadata.get_all("Classifier")

    assert metadata["Requires-Python"] == ">=3.11"
    assert {"Framework :: Django :: 5.2", "Programming Language :: Python :: 3.11"} <= set(classifiers)
    assert {url.split(",")[0] for url in metadata.get_all("Project-URL")} >= {"Homepage", "Changelog", "Issues"}
    assert metadata.get_all("Provides-Extra") == ["drf"]
    assert any(req.startswith("djangorestframework") and 'extra == "drf"' in req for req in metadata.get_all("Requires-Dist"))


def test_the_package_page_describes_the_package_not_the_repository(metadata: Message) -> None:
    description = metadata.get_payload()

    assert metadata["Description-Content-Type"] == "text/markdown"
    assert "pip install oryauth" in description
    assert "make run" not in description and "make test" not in description
