"""A login rush and an API load against the real stack, on both profiles.

    .venv/bin/python benchmarks/rush.py [--profiles default,production] [--sizes 8,32,128]
                                        [--api-callers 200] [--api-tokens 50] [--api-seconds 30]

Prints figures, never asserts. For each profile it starts the stack with the
project's own scripts (`make ory-down`, `make setup PROFILE=...`), serves the
site the way that profile does (runserver for default, gunicorn 4 x 8 for
production), and measures:

- the rush: N people who already have accounts (made through Kratos's admin
  API beforehand, not timed) sign in at the same moment through the relying
  party (/auth/login -> portal login -> consent -> /auth/callback ->
  /protected/), each in its own cookie jar (tests/support/site_browser.py):
  signed in / N, wall time, p50 / p95 / p99 of one sign-in, sign-ins per
  second, 5xx answers (any server) and 500s from the site itself;
- the API: C concurrent callers holding T distinct Bearer tokens
  (client_credentials) call /api/me/ for S seconds: requests per second,
  p95, non-200 answers, and the introspections Hydra's own log shows.

Needs 127.0.0.1:4433-4445, 1025, 8000 (and 5439, 6389) free: run it where no
other stack runs (e.g. in a network namespace). Stops everything at the end.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.site_browser import SiteBrowser  # noqa: E402

RUN_DIR = Path(os.environ.get("ORY_RUN_DIR", REPO / ".ory-run"))
SITE = "http://127.0.0.1:8000"
KRATOS_ADMIN = "http://127.0.0.1:4434"
HYDRA_PUBLIC = "http://127.0.0.1:4444"
HYDRA_ADMIN = "http://127.0.0.1:4445"
PASSWORD = "a long and unguessable passphrase 42"


def sh(*command: str, env: dict[str, str] | None = None) -> None:
    """Run a project command, its output shown only when it fails."""
    result = subprocess.run(command, cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"rush: {' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    sys.exit(f"rush: {url} did not answer 200 within {seconds}s")


class Site:
    """The stack and the site of one profile, started and stopped by the project's scripts."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.runserver: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Site:
        print(f"\n== profile {self.profile}: starting the stack (make setup PROFILE={self.profile}) ...", flush=True)
        sh("make", "-s", "ory-down")
        if self.profile == "default":
            (REPO / "db.sqlite3").unlink(missing_ok=True)  # a fresh site database, like a first run
        sh("make", "-s", "setup", f"PROFILE={self.profile}")
        if self.profile == "production":
            sh("tools/production/site.sh", "up")
        else:
            log = (RUN_DIR / "runserver.log").open("wb")
            self.runserver = subprocess.Popen(
                [str(REPO / ".venv/bin/python"), "manage.py", "runserver", "127.0.0.1:8000", "--noreload"],
                cwd=REPO, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PROFILE": "default"},
            )
        wait_for(f"{SITE}/health/live")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runserver is not None:
            self.runserver.send_signal(signal.SIGINT)
            self.runserver.wait(timeout=20)
        sh("make", "-s", "ory-down")


def create_people(count: int) -> list[str]:
    """`count` identities with verified addresses, made through Kratos's admin API; their emails."""
    def one(_: int) -> str:
        email = f"rush-{uuid.uuid4().hex[:12]}@example.org"
        body = {
            "schema_id": "person",
            "traits": {"email": email, "name": {"first": "Rush", "last": "Hour"}},
            "credentials": {"password": {"config": {"password": PASSWORD}}},
            "verifiable_addresses": [{"value": email, "via": "email", "verified": True, "status": "completed"}],
        }
        answer = requests.post(f"{KRATOS_ADMIN}/admin/identities", json=body, timeout=30)
        answer.raise_for_status()
        return email
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(one, range(count)))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))] if ordered else float("nan")


def rush(size: int) -> dict[str, object]:
    emails = create_people(size)
    barrier = threading.Barrier(size)

    def sign_in(email: str):  # noqa: ANN202
        browser = SiteBrowser(timeout=30)
        barrier.wait()  # everybody presses "Sign in" at the same moment
        return browser.sign_in(email, PASSWORD)

    started = time.monotonic()
    with ThreadPoolExecutor(size) as pool:
        results = list(pool.map(sign_in, emails))
    wall = time.monotonic() - started
    ok = [r for r in results if r.signed_in]
    seconds = [r.seconds for r in ok]
    problems: dict[str, int] = {}
    for r in results:
        if not r.signed_in:
            problems[r.problem] = problems.get(r.problem, 0) + 1
    server_errors = [e for r in results for e in r.server_errors]
    return {
        "n": size, "signed_in": len(ok), "wall": wall,
        "p50": percentile(seconds, 0.50), "p95": percentile(seconds, 0.95), "p99": percentile(seconds, 0.99),
        "rate": len(ok) / wall if wall else 0.0,
        "5xx": len(server_errors),
        "site_500": sum(1 for status, url in server_errors if status == 500 and url.startswith(SITE)),
        "problems": problems,
        "details": sorted({r.detail for r in results if r.detail})[:3],
    }


def count_in_hydra_log(path: str, offset: int) -> int:
    with (RUN_DIR / "hydra.log").open("rb") as log:
        log.seek(offset)
        return sum(1 for line in log.read().decode(errors="replace").splitlines()
                   if "started handling request" in line and f"path:{path} " in line)


API_AUDIENCE = "http://127.0.0.1:8000/api/"


def api_load(callers: int, tokens: int, duration: float) -> dict[str, object]:
    client = requests.post(f"{HYDRA_ADMIN}/admin/clients", json={
        "client_name": "rush api load", "grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_basic",
        "audience": [API_AUDIENCE],
    }, timeout=10).json()
    auth = (client["client_id"], client["client_secret"])
    # The demo API takes only tokens for its audience (ORYAUTH["ACCESS_TOKEN_AUDIENCE"]).
    bearer = [requests.post(f"{HYDRA_PUBLIC}/oauth2/token", data={"grant_type": "client_credentials", "audience": API_AUDIENCE}, auth=auth,
                            timeout=10).json()["access_token"] for _ in range(tokens)]
    offset = (RUN_DIR / "hydra.log").stat().st_size
    latencies: list[list[float]] = [[] for _ in range(callers)]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.monotonic() + duration

    def caller(index: int) -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {bearer[index % tokens]}"}
        seen: dict[int, int] = {}
        while time.monotonic() < stop_at:
            started = time.monotonic()
            try:
                status = session.get(f"{SITE}/api/me/", headers=headers, timeout=30).status_code
            except requests.RequestException:
                status = 0
            latencies[index].append(time.monotonic() - started)
            seen[status] = seen.get(status, 0) + 1
        with lock:
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    started = time.monotonic()
    with ThreadPoolExecutor(callers) as pool:
        list(pool.map(caller, range(callers)))
    wall = time.monotonic() - started
    every = [value for per_caller in latencies for value in per_caller]
    time.sleep(1)  # let Hydra write its last log lines
    requests.delete(f"{HYDRA_ADMIN}/admin/clients/{client['client_id']}", timeout=10)
    return {
        "requests": len(every), "rps": len(every) / wall, "p95": percentile(every, 0.95),
        "not_200": sum(c for s, c in statuses.items() if s != 200), "statuses": statuses,
        "introspections": count_in_hydra_log("/admin/oauth2/introspect", offset),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", default="default,production")
    parser.add_argument("--sizes", default="8,32,128")
    parser.add_argument("--api-callers", type=int, default=200)
    parser.add_argument("--api-tokens", type=int, default=50)
    parser.add_argument("--api-seconds", type=float, default=30)
    args = parser.parse_args()
    sizes = [int(n) for n in args.sizes.split(",")]
    rows: list[tuple[str, dict[str, object]]] = []
    api: list[tuple[str, dict[str, object]]] = []
    for profile in args.profiles.split(","):
        with Site(profile):
            for size in sizes:
                print(f"   rush of {size} ...", flush=True)
                row = rush(size)
                rows.append((profile, row))
                print(f"   {row['signed_in']}/{size} signed in, {row['wall']:.1f} s; not signed in: {row['problems'] or '-'}", flush=True)
                for detail in row["details"]:  # type: ignore[union-attr]
                    print(f"     e.g. {detail}", flush=True)
            if args.api_seconds > 0:
                print(f"   API: {args.api_callers} callers, {args.api_tokens} tokens, {args.api_seconds:.0f} s ...", flush=True)
                api.append((profile, api_load(args.api_callers, args.api_tokens, args.api_seconds)))

    print("\nLogin rush (N people with accounts sign in at once through the relying party)")
    print(f"{'profile':<11}{'N':>5}{'signed in':>11}{'wall s':>8}{'p50 s':>7}{'p95 s':>7}{'p99 s':>7}{'sign-ins/s':>11}{'5xx':>5}{'site 500':>9}")
    for profile, r in rows:
        print(f"{profile:<11}{r['n']:>5}{str(r['signed_in']) + '/' + str(r['n']):>11}{r['wall']:>8.1f}{r['p50']:>7.2f}"
              f"{r['p95']:>7.2f}{r['p99']:>7.2f}{r['rate']:>11.2f}{r['5xx']:>5}{r['site_500']:>9}")
    if api:
        print(f"\nAPI load ({args.api_callers} callers, {args.api_tokens} distinct Bearer tokens, {args.api_seconds:.0f} s on /api/me/)")
        print(f"{'profile':<11}{'requests':>9}{'req/s':>8}{'p95 ms':>8}{'not 200':>8}{'introspections':>15}")
        for profile, a in api:
            print(f"{profile:<11}{a['requests']:>9}{a['rps']:>8.0f}{a['p95'] * 1000:>8.0f}{a['not_200']:>8}{a['introspections']:>15}"
                  f"   statuses {a['statuses']} (0 = no answer)")


if __name__ == "__main__":
    main()
