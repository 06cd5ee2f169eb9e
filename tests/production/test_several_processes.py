"""What only several web processes can show: gunicorn with 4 workers sharing
PostgreSQL and Redis (the production profile)."""
from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator

import psycopg
import pytest
import requests

from tests.support.kratos import browser_login, create_identity
from oryauth.client.models import RelyingPartyTokens
from tests.support.site_browser import SiteBrowser
from tests.support.stack import HYDRA_ADMIN, HYDRA_PUBLIC, hydra_cli

from .conftest import (
    SITE, WORKERS, answers_in, concurrently, hydra_log, kratos_log, run_script, site_access_log, site_log,
    until_every_worker_answered, wait_until,
)

ME = "/api/me/"


def me_with_cookie(cookie: str) -> int:
    return requests.get(f"{SITE}{ME}", cookies={"ory_kratos_session": cookie}, timeout=30).status_code


# The audience the demo site's API requires of access tokens (siteproject/settings.py).
API_AUDIENCE = "http://127.0.0.1:8000/api/"


@pytest.fixture
def machine_token() -> Iterator[str]:
    """A new client_credentials access token from a client made with the Hydra CLI."""
    # For the demo API's audience (ORYAUTH["ACCESS_TOKEN_AUDIENCE"]): other tokens are refused.
    created = json.loads(hydra_cli("create", "oauth2-client", "-e", HYDRA_ADMIN, "--format", "json",
                                   "--name", f"load test {secrets.token_hex(3)}", "--grant-type", "client_credentials",
                                   "--audience", API_AUDIENCE))
    answer = requests.post(f"{HYDRA_PUBLIC}/oauth2/token", data={"grant_type": "client_credentials", "audience": API_AUDIENCE},
                           auth=(created["client_id"], created["client_secret"]), timeout=10)
    assert answer.status_code == 200, answer.text
    yield answer.json()["access_token"]
    hydra_cli("delete", "oauth2-client", "-e", HYDRA_ADMIN, created["client_id"])


def test_a_portal_sign_out_is_seen_by_every_worker_on_its_next_request() -> None:
    identity = create_identity()
    browser = browser_login(identity)
    cookie = browser.cookies["ory_kratos_session"]
    # Every worker has resolved the session (and cached it for 60 s).
    answered = until_every_worker_answered(lambda: me_with_cookie(cookie), ME)
    assert {a.status for a in answered} == {200}

    site = SiteBrowser()
    site.http.cookies.set("ory_kratos_session", cookie, domain="127.0.0.1")
    signed_out = site.csrf_post("/signout")
    assert signed_out.status_code in (302, 303), signed_out.text[:300]
    # The browser follows the portal to Kratos's logout URL, which ends the session.
    assert site.get(signed_out.headers["Location"]).ok

    # The old cookie (another tab, a copy) is refused by every worker at once,
    # not when each one's cached answer expires.
    after = until_every_worker_answered(lambda: me_with_cookie(cookie), ME)
    assert {a.status for a in after} == {401}, f"some worker still accepted the signed-out session: {after}"


def test_concurrent_requests_with_one_new_bearer_token_cost_at_most_one_introspection_per_worker(machine_token: str) -> None:
    hydra = hydra_log()
    tail = site_access_log()
    statuses = concurrently(
        lambda: requests.get(f"{SITE}{ME}", headers={"Authorization": f"Bearer {machine_token}"}, timeout=30).status_code,
        64, threads=32,
    )
    assert set(statuses) == {200}
    workers_used = len({a.pid for a in answers_in(tail, ME)})
    calls = wait_until(lambda: hydra.requests_to("/admin/oauth2/introspect"), timeout=10, what="an introspection in Hydra's log")
    assert 1 <= calls <= workers_used, f"{calls} introspections for one token across {workers_used} workers"


def test_concurrent_requests_with_one_new_bearer_token_cost_one_upstream_call_across_workers(machine_token: str) -> None:
    hydra = hydra_log()
    statuses = concurrently(
        lambda: requests.get(f"{SITE}{ME}", headers={"Authorization": f"Bearer {machine_token}"}, timeout=30).status_code,
        64, threads=32,
    )
    assert set(statuses) == {200}
    calls = wait_until(lambda: hydra.requests_to("/admin/oauth2/introspect"), timeout=10, what="an introspection in Hydra's log")
    assert calls == 1, f"{calls} introspections for one token across {WORKERS} workers"


def test_a_redis_outage_degrades_to_asking_ory_and_is_logged_never_a_500() -> None:
    identity = create_identity()
    cookie = browser_login(identity).cookies["ory_kratos_session"]
    assert me_with_cookie(cookie) == 200

    kratos, log = kratos_log(), site_log()
    run_script("tools/production/redis.sh", "down")
    try:
        statuses = concurrently(lambda: me_with_cookie(cookie), 40)
        home = requests.get(f"{SITE}/", cookies={"ory_kratos_session": cookie}, timeout=30)
        ready = requests.get(f"{SITE}/health/ready", timeout=30)
    finally:
        run_script("tools/production/redis.sh", "up")

    assert set(statuses) == {200}, f"with Redis down the site answered {sorted(set(statuses))}"
    assert home.status_code == 200 and identity.email in home.text
    # Without a cache every request asked Kratos (per process, one at a time per credential).
    assert kratos.requests_to("/sessions/whoami") >= 2
    assert any("Cache unavailable (Redis at 127.0.0.1" in line for line in log.lines()), "the outage was not logged"
    assert ready.status_code == 503 and ready.json()["parts"]["cache"]["ok"] is False
    assert all(ready.json()["parts"][part]["ok"] for part in ("kratos", "hydra", "database"))


def test_postgres_stopped_is_the_503_page_and_the_site_recovers_when_it_is_back() -> None:
    identity = create_identity()
    run_script("tools/production/postgres.sh", "down")
    try:
        start = requests.get(f"{SITE}/auth/login", allow_redirects=False, timeout=30)
        ready = requests.get(f"{SITE}/health/ready", timeout=30)
    finally:
        run_script("tools/production/postgres.sh", "up")

    assert start.status_code == 503, start.text[:500]
    assert 'data-testid="problem/retry"' in start.text and "Traceback" not in start.text
    parts = ready.json()["parts"]
    assert ready.status_code == 503 and parts["database"]["ok"] is False and parts["cache"]["ok"] is True

    # Back: Kratos, Hydra and Django reconnect by themselves; a person signs in.
    wait_until(lambda: requests.get(f"{SITE}/health/ready", timeout=5).status_code == 200,
               timeout=60, what="readiness after PostgreSQL came back")
    signed_in = SiteBrowser().sign_in(identity.email, identity.password)
    assert signed_in.signed_in, f"{signed_in.problem}: {signed_in.steps}"


def test_a_relying_party_refresh_happens_once_across_workers() -> None:
    """Hydra rotates refresh tokens and treats a second use as theft, so the
    lock that makes parallel requests refresh once must hold across processes
    (it lives in Redis)."""
    identity = create_identity()
    browser = SiteBrowser()
    signed_in = browser.sign_in(identity.email, identity.password)
    assert signed_in.signed_in, f"{signed_in.problem}: {signed_in.steps}"
    # Make the site's stored access token due for a refresh: it is written
    # straight into the site's database (the one gunicorn uses).
    with psycopg.connect(_libpq_url(os.environ["DATABASE_URL"]), autocommit=True) as connection:
        updated = connection.execute(
            f"UPDATE {RelyingPartyTokens._meta.db_table} SET expires_at = now() WHERE subject = %s", [identity.id]
        ).rowcount
    assert updated == 1

    hydra, tail = hydra_log(), site_access_log()
    statuses = concurrently(lambda: browser.get("/protected/", allow_redirects=False).status_code, 48, threads=24)
    assert set(statuses) == {200}, statuses
    workers = {a.pid for a in answers_in(tail, "/protected/")}
    assert len(workers) >= 2, f"only {len(workers)} worker answered; the test shows nothing across processes"
    assert hydra.requests_to("/oauth2/token") == 1, "the tokens were refreshed more than once (or not at all)"
    # The refreshed tokens work: the page is still served on the next request.
    assert browser.get("/protected/", allow_redirects=False).status_code == 200


def _libpq_url(database_url: str) -> str:
    """DATABASE_URL without the options only Django understands (conn_max_age, ...)."""
    return database_url.split("?")[0]
