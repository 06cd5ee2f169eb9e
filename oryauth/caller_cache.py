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
- Answers a process works out without asking anyone (a JWT's signature
  checked locally) stay in that process (`remember_in_process`): sharing
  them would cost more than redoing the work.
- `single_flight` lets concurrent requests with one credential share one
  call: threads of this process wait for their leader, and other processes
  wait for the one holding a short lock in the shared cache.
- A shared cache that fails (Redis down, full, slow) is logged and read as
  empty: callers then ask Ory, they never get a 500.

Nothing here knows about Ory; values are opaque.
"""
from __future__ import annotations

import logging
import math
import pickle
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, TypeVar

from django.db import DEFAULT_DB_ALIAS

T = TypeVar("T")

logger = logging.getLogger(__name__)
# How often a process waiting for another one's answer looks at the shared cache.
_FLIGHT_POLL_SECONDS = 0.02


def _cache_failed(action: str, exc: Exception) -> None:
    # The backend's message, never a value: keys are hashes, values are callers.
    logger.warning("The oryauth cache failed (%s): %s: %s; asking Ory instead.", action, type(exc).__name__, exc)

_MAX_ENTRIES = 10_000

# --- Answers ------------------------------------------------------------------------

_local_answers: dict[str, tuple[str, Any]] = {}


def read(cache: Any, key: str) -> Any:
    """The answer stored under `key`, or None (also when the cache fails)."""
    try:
        entry = cache.get(key)
    except Exception as exc:  # noqa: BLE001 (any backend: Redis, Memcached, database)
        _cache_failed("read", exc)
        return None
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
    try:
        cache.set(key, (version, pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)), seconds)
    except Exception as exc:  # noqa: BLE001
        _cache_failed("write", exc)
        return  # not kept locally either: other processes could not see it
    _keep_local(key, version, answer)


def forget(cache: Any, keys: Iterable[str]) -> None:
    keys = list(keys)
    if keys:
        try:
            cache.delete_many(keys)
        except Exception as exc:  # noqa: BLE001
            _cache_failed("delete", exc)
    for key in keys:
        _local_answers.pop(key, None)
        _own_answers.pop(key, None)


# Answers this process worked out itself (a JWT's signature checked here):
# any process can repeat the work, so they are not shared. key -> (until, answer)
_own_answers: dict[str, tuple[float, Any]] = {}


def remember_in_process(key: str, answer: Any, seconds: int) -> None:
    if len(_own_answers) >= _MAX_ENTRIES:
        _own_answers.clear()  # a crude bound: the work is redone on the next request
    _own_answers[key] = (time.monotonic() + seconds, answer)


def recalled_in_process(key: str) -> Any:
    """What `remember_in_process` kept under `key`, or None once expired."""
    entry = _own_answers.get(key)
    if entry is None or entry[0] <= time.monotonic():
        return None
    return entry[1]


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
    try:
        return str(cache.get(_USER_VERSION_PREFIX + str(pk)) or "")
    except Exception as exc:  # noqa: BLE001
        _cache_failed("read", exc)
        return "unreadable"  # matches no remembered version: ask again


def bump_user_version(cache: Any, pk: Any) -> None:
    """Make every copy of this user's row and every cached answer naming the
    user stale, in every process that shares `cache`."""
    try:
        cache.set(_USER_VERSION_PREFIX + str(pk), secrets.token_hex(8), None)
    except Exception as exc:  # noqa: BLE001
        _cache_failed("write", exc)
    for key in [key for key in _user_rows if key[0] == pk]:
        _user_rows.pop(key, None)


class _UserRow(NamedTuple):
    until: float  # time.monotonic()
    version: str  # user_version when the row was read
    model: Any
    names: list[str]
    values: list[Any]
    is_active: bool


# (pk, identity id) -> the row as read
_user_rows: dict[tuple[Any, str], _UserRow] = {}
# identity id -> pk of the user whose row is kept (a token names only its subject)
_identity_users: dict[str, Any] = {}


def remember_user(user: Any, identity_id: str, seconds: int, version: str = "") -> None:
    if len(_user_rows) >= _MAX_ENTRIES:
        now = time.monotonic()
        expired = [key for key, row in list(_user_rows.items()) if row.until <= now]
        for key in expired or list(_user_rows)[: _MAX_ENTRIES // 2]:
            _user_rows.pop(key, None)
        if len(_identity_users) >= _MAX_ENTRIES:
            _identity_users.clear()
    names = [f.attname for f in user._meta.concrete_fields]
    values = [getattr(user, n) for n in names]
    until = time.monotonic() + max(seconds, 0)
    _user_rows[(user.pk, identity_id)] = _UserRow(until, version, type(user), names, values, bool(getattr(user, "is_active", True)))
    _identity_users[identity_id] = user.pk


def remembered_user(pk: Any, identity_id: str, version: str = "") -> Any:
    """A fresh user instance from this process's copy of its row, or None
    (none, expired, or made under another `version`)."""
    row = _user_rows.get((pk, identity_id))
    if row is None or row.until <= time.monotonic() or row.version != version:
        return None
    return row.model.from_db(DEFAULT_DB_ALIAS, row.names, row.values)


def remembered_person(cache: Any, identity_id: str) -> tuple[Any, str, bool] | None:
    """The user this process keeps a current copy of for the identity (a
    token names only its subject), as (pk, version, is_active), without
    building the user; None when there is no copy at the user's current
    version in `cache`."""
    pk = _identity_users.get(identity_id)
    if pk is None:
        return None
    row = _user_rows.get((pk, identity_id))
    if row is None or row.until <= time.monotonic():
        return None
    version = user_version(cache, pk)
    return (pk, version, row.is_active) if row.version == version else None


def forget_user(pk: Any, identity_id: str) -> None:
    _user_rows.pop((pk, identity_id), None)


# --- One call per credential at a time --------------------------------------------------


class _Flight:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.result: Any = None


_flights: dict[str, _Flight] = {}
_flights_lock = threading.Lock()


def single_flight(
    key: str,
    compute: Callable[[], T],
    *,
    wait: float,
    cache: Any = None,
    read_shared: Callable[[], T | None] | None = None,
) -> T:
    """Run `compute` once for concurrent callers with the same key; the others
    wait (at most `wait` seconds) and share its result. Within this process
    they share the leader's result; with `cache` and `read_shared`, other
    processes wait for the one holding the key's lock in `cache` and read
    what it stored there (`read_shared`)."""
    if cache is not None and read_shared is not None:
        shared = read_shared

        def leader_compute() -> T:
            return _across_processes(cache, key, compute, shared, wait)
    else:
        leader_compute = compute
    with _flights_lock:
        flight = _flights.get(key)
        leader = flight is None
        if leader:
            flight = _flights[key] = _Flight()
    assert flight is not None
    if not leader:
        if flight.done.wait(timeout=wait) and flight.result is not None:
            return flight.result
        return leader_compute()  # the leader failed or hung: ask ourselves
    try:
        flight.result = leader_compute()
        return flight.result
    finally:
        with _flights_lock:
            _flights.pop(key, None)
        flight.done.set()


def _across_processes(cache: Any, key: str, compute: Callable[[], T], read_shared: Callable[[], T | None], wait: float) -> T:
    """`compute` in the process that gets the key's lock in the shared cache;
    the others poll `read_shared` until it answers, the lock is gone (the
    leader stored nothing, e.g. Ory was down) or `wait` is over, then compute
    themselves. A failing cache means no lock: everyone computes."""
    lock = key + ":flight"
    try:
        leader = cache.add(lock, 1, timeout=math.ceil(wait))
    except Exception as exc:  # noqa: BLE001
        _cache_failed("lock", exc)
        return compute()
    if leader:
        try:
            return compute()
        finally:
            try:
                cache.delete(lock)
            except Exception as exc:  # noqa: BLE001
                _cache_failed("unlock", exc)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(_FLIGHT_POLL_SECONDS)
        answer = read_shared()
        if answer is not None:
            return answer
        try:
            if cache.get(lock) is None:
                break
        except Exception as exc:  # noqa: BLE001
            _cache_failed("lock", exc)
            break
    return compute()
