"""Running the platform: health, readiness, metrics and logs (what a load balancer, Prometheus and a log
collector ask of each process).

- :mod:`shenbao.web.ops.health`: the checks behind ``/readyz``;
- :mod:`shenbao.web.ops.prometheus`: ``/metrics`` through Litestar's Prometheus plugin, and the series read from
  the database;
- :mod:`shenbao.web.ops.logs`: JSON lines with the request's id (``SHENBAO_LOG_FORMAT=json``).

:func:`ops_router` mounts ``<path>/healthz``, ``<path>/readyz`` and ``<path>/metrics`` under the platform's own
prefix, outside its main router: no session, no CSRF, no catalog refresh, no language cookie, no request series
of their own, and no compression of the two tiny probes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from litestar import MediaType, Request, Response, Router, get

from shenbao.web.ops.health import Readiness, readiness
from shenbao.web.ops.prometheus import NOT_MEASURED, DatabaseReadings, metrics_controller
from shenbao.web.pages import SKIP_COMPRESSION
from shenbao.web.services import Services

__all__ = ["PROBES", "ops_router", "probe_paths"]

PROBES: Final = ("/healthz", "/readyz", "/metrics")
"""The paths :func:`ops_router` answers, under the platform's prefix."""
_NO_STORE: Final = {"Cache-Control": "no-store"}
_QUIET: Final = {NOT_MEASURED: True, SKIP_COMPRESSION: True}


def probe_paths(prefix: str) -> tuple[str, ...]:
    """The probes' full paths under ``prefix`` (``""`` when mounted at the root)."""
    return tuple(f"{prefix}{path}" for path in PROBES)


def ops_router(
    prefix: str,
    *,
    services_of: Callable[[Request[Any, Any, Any]], Services | None],
    ping_files: Callable[[Services], Callable[[], Awaitable[None]]],
    metrics_token: str = "",
) -> Router:
    """The probes and ``/metrics`` under ``prefix``.

    Args:
        prefix: the platform's path (``""``: the root).
        services_of: the running platform's services for a request, ``None`` before it started.
        ping_files: the ping of the platform's file store.
        metrics_token: the bearer token ``/metrics`` asks for; empty: none.
    """

    @get("/healthz", opt=_QUIET, include_in_schema=False, media_type=MediaType.JSON, sync_to_thread=False)
    def healthz() -> Response[dict[str, str]]:
        """The process is up (nothing else is asked)."""
        return Response({"status": "ok"}, headers=_NO_STORE)

    @get("/readyz", opt=_QUIET, include_in_schema=False, media_type=MediaType.JSON)
    async def readyz(request: Request[Any, Any, Any]) -> Response[Readiness]:
        """200 when the database, its schema, the keys and the file store all work; 503 naming what does not."""
        services = services_of(request)
        result = await readiness(
            services.database if services is not None else None,
            services.database.keys if services is not None else None,
            ping_files(services) if services is not None else None,
        )
        return Response(result, status_code=200 if result.ready else 503, headers=_NO_STORE)

    return Router(
        path=prefix or "/",
        route_handlers=[
            healthz,
            readyz,
            metrics_controller(token=metrics_token, services_of=services_of, readings=DatabaseReadings()),
        ],
    )
