"""The reusable app is packaged alone, with everything it needs at run time."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.support.stack import REPO


def test_the_wheel_holds_oryauth_with_templates_static_files_and_migrations_and_nothing_else(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(REPO), "--no-deps", "--quiet", "--wheel-dir", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("oryauth-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    packaged = {name.split("/")[0] for name in names if not name.startswith("oryauth-")}

    assert packaged == {"oryauth"}
    assert "oryauth/templates/oryauth/base.html" in names
    assert "oryauth/static/oryauth/oryauth.css" in names
    assert "oryauth/migrations/0001_identity_link.py" in names
