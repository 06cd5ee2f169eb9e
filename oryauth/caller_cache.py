"""How `oryauth.resolution` remembers answers: the shared cache, this
process's copies, and one call per credential at a time.

- The shared cache (Django's, `CACHE_ALIAS`) holds `(version, pickled
  answer)` under a hash of the credential. This process keeps the answer it
  unpickled for each version, so a warm request reads a few bytes and
  unpickles nothing big (measured: most of a warm request's cost otherwise).
  The shared cache stays the authority: an entry deleted or replaced there is
  seen by every process on its next request.
- This process keeps copies of the rows of recently seen users, so a warm
  request builds `request.user` without a query (a model is dearer to
  unpickle than to build from its row).
- `single_flight` lets concurrent requests with one credential share one call.

Nothing here knows about Ory; values are opaque.
"""
from __future__ import annotations

import pickle
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS

T = TypeVar("T")

_MAX_ENTRIES = 10_000

# --- Answers ------------------------------------------------------------------------

_local_answers: dict[str, tuple[str, Any]] = {}


def read(cache: Any, key: str) -> Any:
    """The answer stored under `key`, or None."""
    entry = cache.get(key)
    if not (isinstance(entry, tuple) and len(entry) == 2):
        _local_answers.pop(key, None)
        return None
    version, payload = entry
    local = _local_answers.get(key)
    if local is not None and local[0] == version:
        return local[1]
    answer = pickle.loads(payload)
    _keep_local(key, version, answer)
    return answer


def write(cache: Any, key: str, answer: Any, seconds: int) -> None:
    version = secrets.token_hex(8)
    cache.set(key, (version, pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)), seconds)
    _keep_local(key, version, answer)


def forget(cache: Any, keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        cache.delete_many(keys)
    for key in keys:
        _local_answers.pop(key, None)


def _keep_local(key: str, version: str, answer: Any) -> None:
    if len(_local_answers) >= _MAX_ENTRIES:
        _local_answers.clear()  # a crude bound: the shared cache refills it
    _local_answers[key] = (version, answer)


# --- Users ----------------------------------------------------------------------------
# Each user has a version in the shared cache, changed whenever staff change
# the user (deactivate, end sessions). A per-process row, or a cached answer,
# made under another version is not used: the change is seen by every
# process on its next request, not when the copy expires.

_USER_VERSION_PREFIX = "oryauth:user-version:"


def user_version(cache: Any, pk: Any) -> str:
    """The user's current version ("" until the user was first changed)."""
    if pk is None:
        return ""
    return str(cache.get(_USER_VERSION_PREFIX + str(pk)) or "")


def bump_user_version(cache: Any, pk: Any) -> None:
    """Make every copy of this user's row and every cached answer naming the
    user stale, in every process that shares `cache`."""
    cache.set(_USER_VERSION_PREFIX + str(pk), secrets.token_hex(8), None)
    for key in [key for key in _user_rows if key[0] == pk]:
        _user_rows.pop(key, None)


# (pk, identity id) -> (until, version, field names, values)
_user_rows: dict[tuple[Any, str], tuple[float, str, list[str], list[Any]]] = {}


def remember_user(user: Any, identity_id: str, seconds: int, version: str = "") -> None:
    if len(_user_rows) >= _MAX_ENTRIES:
        now = time.monotonic()
        expired = [key for key, row in list(_user_rows.items()) if row[0] <= now]
        for key in expired or list(_user_rows)[: _MAX_ENTRIES // 2]:
            _user_rows.pop(key, None)
    names = [f.attname for f in user._meta.concrete_fields]
    values = [getattr(user, n) for n in names]
    _user_rows[(user.pk, identity_id)] = (time.monotonic() + max(seconds, 0), version, names, values)


def remembered_user(pk: Any, identity_id: str, version: str = "") -> Any:
    """A fresh user instance from this process's copy of its row, or None
    (none, expired, or made under another `version`)."""
    row = _user_rows.get((pk, identity_id))
    if row is None or row[0] <= time.monotonic() or row[1] != version:
        return None
    return get_user_model().from_db(DEFAULT_DB_ALIAS, row[2], row[3])


def forget_user(pk: Any, identity_id: str) -> None:
    _user_rows.pop((pk, identity_id), None)


# --- One call per credential at a time --------------------------------------------------


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None


_flights: dict[str, _Flight] = {}
_flights_lock = threading.Lock()


def single_flight(key: str, compute: Callable[[], T], *, wait: float) -> T:
    """Run `compute` once for concurrent callers with the same key in this
    process; the others wait (at most `wait` seconds) and share its result."""
    with _flights_lock:
        flight = _flights.get(key)
        leader = flight is None
        if leader:
            flight = _flights[key] = _Flight()
    assert flight is not None
    if not leader:
        if flight.done.wait(timeout=wait) and flight.result is not None:
            return flight.result
        return compute()  # the leader failed or hung: ask ourselves
    try:
        flight.result = compute()
        return flight.result
    finally:
        with _flights_lock:
            _flights.pop(key, None)
        flight.done.set()
