"""The demo site's Redis cache: Django's built-in RedisCache that treats an
unreachable Redis as an empty cache instead of raising.

Why: with the plain backend, every request with an Ory credential answers 500
while Redis is down (oryauth reads its answers cache on each one). With this
one a Redis outage costs what having no cache costs: oryauth asks Kratos or
Hydra on every request (one call per credential and process at a time), and
the first failure in each process is logged, naming Redis. Writes are dropped;
`add` answers False, so anything using it as a lock (the relying party's
token refresh) waits and gives up with the 503 page rather than doing the
guarded work twice. (django-redis calls this IGNORE_EXCEPTIONS.)
"""
from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("oryauth.cache")

_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_LOG_EVERY_SECONDS = 30.0


class OutageTolerantRedisCache(RedisCache):
    """RedisCache whose operations fall back to "not cached" when Redis is unreachable."""

    _last_logged = 0.0

    def _unreachable(self, operation: str, exc: Exception) -> None:
        # Once per 30 s per process: an outage must show in the log without flooding it.
        now = time.monotonic()
        if now - OutageTolerantRedisCache._last_logged >= _LOG_EVERY_SECONDS:
            OutageTolerantRedisCache._last_logged = now
            # Host and port only: a Redis URL may carry a password.
            where = urlsplit(self._servers[0]) if self._servers else None
            logger.warning("Cache unavailable (Redis at %s:%s) on %s: %s; going on without it (asking Ory directly)",
                           where and where.hostname, where and where.port, operation, exc)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except _UNREACHABLE as exc:
            self._unreachable("get", exc)
            return default

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except _UNREACHABLE as exc:
            self._unreachable("get_many", exc)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except _UNREACHABLE as exc:
            self._unreachable("has_key", exc)
            return False

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except _UNREACHABLE as exc:
            self._unreachable("set", exc)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except _UNREACHABLE as exc:
            self._unreachable("add", exc)
            return False  # never "you hold the lock" when nobody can know

    def set_many(self, data: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except _UNREACHABLE as exc:
            self._unreachable("set_many", exc)
            return list(data)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except _UNREACHABLE as exc:
            self._unreachable("touch", exc)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except _UNREACHABLE as exc:
            # A sign-out's cached answer could not be dropped: it expires with
            # SESSION_CACHE_TTL, and nobody can read it while Redis is down.
            self._unreachable("delete", exc)
            return False

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except _UNREACHABLE as exc:
            self._unreachable("delete_many", exc)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        try:
            return super().incr(key, delta, version)
        except _UNREACHABLE as exc:
            self._unreachable("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc
