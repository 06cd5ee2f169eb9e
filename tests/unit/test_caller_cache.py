"""The caller cache's mechanics across processes and when the shared cache
fails (no Ory here: values are opaque)."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache.backends.locmem import LocMemCache

from oryauth import caller_cache


class BrokenCache:
    """A shared cache whose server is down: every call raises, as redis-py does."""

    def __getattr__(self, name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6389. Connection refused.")

        return fail


@pytest.fixture
def shared() -> LocMemCache:
    return LocMemCache("oryauth-test-shared", {})


def test_workers_with_one_new_credential_make_one_call_between_them(shared: LocMemCache) -> None:
    calls, started = [], threading.Event()

    def ask_ory() -> str:
        calls.append(1)
        started.set()
        threading.Event().wait(0.3)  # the upstream call takes a while
        caller_cache.write(shared, "key", "the caller", 60)
        return "the caller"

    def another_process() -> str:
        # A different process: no in-process flight to join, only the shared cache.
        return caller_cache._across_processes(shared, "key", ask_ory, lambda: caller_cache.read(shared, "key"), wait=5)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: another_process(), range(8)))

    assert answers == ["the caller"] * 8
    assert len(calls) == 1


def test_a_leader_that_stored_nothing_releases_the_others_at_once(shared: LocMemCache) -> None:
    calls = []

    def ory_down() -> None:
        calls.append(1)
        return None  # unavailable answers are never cached

    results = [caller_cache._across_processes(shared, "k", ory_down, lambda: caller_cache.read(shared, "k"), wait=5)
               for _ in range(2)]

    assert results == [None, None] and len(calls) == 2


def test_a_failing_shared_cache_is_a_miss_and_a_logged_warning_never_an_error(caplog: pytest.LogCaptureFixture) -> None:
    broken = BrokenCache()

    caller_cache.write(broken, "key", "answer", 60)
    assert caller_cache.read(broken, "key") is None
    caller_cache.forget(broken, ["key"])
    caller_cache.bump_user_version(broken, 1)
    answer = caller_cache.single_flight("key", lambda: "asked Ory", wait=1, cache=broken, read_shared=lambda: None)

    assert answer == "asked Ory"
    assert "The oryauth cache failed" in caplog.text
    assert "Connection refused" in caplog.text
