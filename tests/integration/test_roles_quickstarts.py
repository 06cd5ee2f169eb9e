"""The README's quickstarts are what tests/sites/ runs: each is at most four
steps, and its code is, line for line, the code of the site that follows it
(so the integration tests of that site test the quickstart as written)."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SITES = REPO / "tests" / "sites"

QUICKSTARTS = {
    "Sign users in through Hydra (`oryauth.client`)": ["client_only.py", "client_only_urls.py", "views.py"],
    "Protect an API (`oryauth` alone)": ["api_only.py", "api_only_urls.py", "views.py"],
    "Run the identity site (`oryauth.portal` + `oryauth.provider`)": ["identity_site.py", "identity_site_urls.py"],
    "Manage Hydra clients (`oryauth.client_admin`)": ["client_admin_only.py", "client_admin_only_urls.py"],
}
# Site files mark the quickstart's lines; a file shared by several sites names its quickstart.
VERBATIM = re.compile(r"# --- README quickstart(?: \"([^\"]+)\")?, step \d \(verbatim\) ---\n(.*?)# --- end of step \d ---", re.S)


def section(title: str) -> str:
    readme = (REPO / "README.md").read_text()
    start = readme.index(f"### {title}\n")
    end = readme.find("\n#", start + 4)
    return readme[start : end if end != -1 else None]


def code_lines(text: str) -> list[str]:
    """Non-blank lines, without lint markers, as a site file or README block holds them."""
    return [re.sub(r"\s+# noqa: \w+(?: \(.*\))?$", "", line).rstrip() for line in text.splitlines() if line.strip()]


def readme_blocks(title: str) -> list[str]:
    return [textwrap.dedent(block) for block in re.findall(r"```python\n(.*?)```", section(title), re.S)]


def site_text(files: list[str]) -> str:
    return "\n".join((SITES / name).read_text() for name in files)


@pytest.mark.parametrize("title", QUICKSTARTS)
def test_a_quickstart_has_at_most_four_steps(title: str) -> None:
    steps = re.findall(r"^(\d+)\. ", section(title), re.M)

    assert 1 <= len(steps) <= 4
    assert steps == [str(n) for n in range(1, len(steps) + 1)]
    assert "migrate" in section(title).split(f"\n{steps[-1]}. ")[1].splitlines()[0]


@pytest.mark.parametrize(("title", "files"), QUICKSTARTS.items())
def test_every_line_of_a_quickstart_is_in_the_site_that_follows_it(title: str, files: list[str]) -> None:
    site = set(code_lines(site_text(files)))
    blocks = readme_blocks(title)

    assert blocks
    for block in blocks:
        assert [line for line in code_lines(block) if line not in site] == []


@pytest.mark.parametrize(("title", "files"), QUICKSTARTS.items())
def test_the_sites_quickstart_lines_are_in_the_readme(title: str, files: list[str]) -> None:
    readme = set(code_lines("\n".join(readme_blocks(title))))
    marked = [code_lines(code) for name, code in VERBATIM.findall(site_text(files)) if not name or title.startswith(name)]

    assert marked
    for lines in marked:
        assert [line for line in lines if line not in readme] == []
