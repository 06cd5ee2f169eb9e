"""Health endpoints for load balancers and orchestrators.

- `live`: the process answers (no dependency is asked). A failing liveness
  probe means "restart this process"; Ory or a database being down must not
  cause that, or every web process would be restarted at once.
- `ready`: whether this process can serve sign-ins now: Kratos, Hydra, the
  database and the cache each answer. 200 when all do, 503 naming the parts
  that do not (and a log line per failing part), so a load balancer stops
  sending traffic here until they are back.

Both answer JSON, are never cached, and need no credential (they reveal only
which parts answer). Mount them where the proxy expects them, e.g.
`path("health/", include("oryauth.health"))` in the site's urls.py.
"""
from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import ory
from .conf import oryauth_settings

logger = logging.getLogger(__name__)


def _kratos() -> None:
    # Kratos's readiness includes its own database ping.
    ory.get_json(ory.KRATOS_ADMIN, "/admin/health/ready")


def _hydra() -> None:
    ory.get_json(ory.HYDRA_ADMIN, "/health/ready")


def _database() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")


def _cache() -> None:
    # A write and a read: a cache that accepts connections but cannot store
    # (full, read-only replica) is not ready either. The key is per probe.
    cache = caches[oryauth_settings().CACHE_ALIAS]
    key, value = f"oryauth:health:{uuid.uuid4().hex}", "ok"
    cache.set(key, value, 10)
    try:
        if cache.get(key) != value:
            raise RuntimeError("the value written was not read back")
    finally:
        cache.delete(key)


CHECKS: dict[str, Callable[[], None]] = {"kratos": _kratos, "hydra": _hydra, "database": _database, "cache": _cache}


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """200 as long as this process serves requests."""
    return JsonResponse({"status": "alive"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """200 when Kratos, Hydra, the database and the cache all answer, else 503."""
    parts: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 — any failure means "not ready", never a 500
            logger.warning("Not ready: %s does not answer: %s", name, exc)
            parts[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            parts[name] = {"ok": True}
        parts[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    ok = all(part["ok"] for part in parts.values())
    return JsonResponse({"status": "ready" if ok else "unavailable", "parts": parts}, status=200 if ok else 503)


app_name = "oryauth_health"
urlpatterns = [
    path("live", live, name="live"),
    path("ready", ready, name="ready"),
]
