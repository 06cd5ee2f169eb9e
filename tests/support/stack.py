"""The real Ory stack the integration and browser tests run against."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
RUN_DIR = Path(os.environ.get("ORY_RUN_DIR", REPO / ".ory-run"))
BIN_DIR = Path(os.environ.get("ORY_BIN_DIR", Path.home() / ".cache" / "oryauth" / "bin"))
CONFIG_DIR = REPO / "deploy" / "ory"

KRATOS_PUBLIC = "http://127.0.0.1:4433"
KRATOS_ADMIN = "http://127.0.0.1:4434"
HYDRA_PUBLIC = "http://127.0.0.1:4444"
HYDRA_ADMIN = "http://127.0.0.1:4445"

HEALTH_URLS = [
    f"{KRATOS_PUBLIC}/health/ready",
    f"{KRATOS_ADMIN}/admin/health/ready",
    f"{HYDRA_PUBLIC}/health/ready",
    f"{HYDRA_ADMIN}/health/ready",
]


def unhealthy_endpoints(urls: list[str] = HEALTH_URLS) -> list[str]:
    """The health URLs that do not answer 200 right now."""
    failing = []
    for url in urls:
        try:
            if requests.get(url, timeout=2).status_code != 200:
                failing.append(url)
        except requests.RequestException:
            failing.append(url)
    return failing


def ensure_up(script: str, health_urls: list[str], what: str) -> None:
    """Start `what` with the project's `script` (under tools/ory/) unless every
    health URL already answers.

    Raises RuntimeError with the script's explanation when it cannot start:
    the tests must fail loudly, never skip.
    """
    if not unhealthy_endpoints(health_urls):
        return
    result = subprocess.run(
        [str(REPO / "tools" / "ory" / script)],
        cwd=REPO,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=900,
    )
    still = unhealthy_endpoints(health_urls)
    if result.returncode != 0 or still:
        raise RuntimeError(
            f"{what} is not running and tools/ory/{script} could not start it.\n"
            f"Not answering: {', '.join(still) or '-'}\n{result.stdout}\n{result.stderr}"
        )


def ensure_stack_up() -> None:
    """Kratos, Hydra and the SMTP sink (tools/ory/up.sh)."""
    ensure_up("up.sh", HEALTH_URLS, "The Ory stack")


def hydra_cli(*args: str) -> str:
    """Run the Hydra binary as a CLI (a client nobody here wrote) and return stdout."""
    result = subprocess.run([str(BIN_DIR / "hydra"), *args], capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"hydra {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout
