"""``/metrics``: Prometheus's text format, through Litestar's own plugin (``litestar.plugins.prometheus``).

Three kinds of series:

- request latency and counts by route, from :class:`~litestar.plugins.prometheus.PrometheusMiddleware` on the
  platform's router (:func:`prometheus_config`): ``shenbao_request_duration_seconds`` and
  ``shenbao_requests_total`` labelled by the route's path template (``/f/{form_id:str}/s/{section_id:str}/answer``),
  never the raw path, so a million receipt numbers do not make a million series;
- what the process counts (:mod:`shenbao.metrics`): SMS sent by template, the swap's and the submission's time
  (:class:`ObservedRoutes` times the handlers marked with ``opt={OBSERVED: "swap"}`` or ``"submit"``);
- what the database knows, read when Prometheus scrapes (:class:`DatabaseReadings`, kept :data:`READINGS_SECONDS`
  in the process): the outbox's pending and failed messages, the open and overdue cases by the level whose turn it
  is. Every process reads the same rows, so a scrape that reaches any of them gets the same figures.

With several worker processes a scrape reaches one of them: set ``PROMETHEUS_MULTIPROC_DIR`` to an empty folder
(the same for all workers of a machine, emptied before they start) and prometheus_client's multiprocess mode adds
up every process's counters and histograms (Litestar's controller reads that folder when the variable is set).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable
from typing import Any, Final

from litestar import Request, Response, get
from litestar.enums import ScopeType
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController, PrometheusMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from shenbao import china_time
from shenbao.metrics import OBSERVED, TIMED
from shenbao.packs import ChainRegistry
from shenbao.regions.divisions import LEVELS
from shenbao.roles import role_level
from shenbao.store.readings import open_cases_by_turn, outbox_counts
from shenbao.web.services import Services

__all__ = [
    "NOT_MEASURED",
    "READINGS_SECONDS",
    "DatabaseReadings",
    "ObservedRoutes",
    "RouteSeries",
    "metrics_controller",
    "prometheus_config",
    "turn_levels",
]

READINGS_SECONDS: Final = 5.0
"""How long one process reuses what it read from the database for ``/metrics`` (a scrape every 15 s or so)."""
NOT_MEASURED: Final = "shenbao_not_measured"
"""The ``opt`` key that keeps a route out of the request series (the probes and ``/metrics`` itself)."""
UNKNOWN_LEVEL: Final = "unknown"
"""The level of a case whose form or step no served chain knows (a form removed from its pack)."""


def prometheus_config() -> PrometheusConfig:
    """The request series of the platform's routes: by method, path template and status."""
    return PrometheusConfig(
        app_name="shenbao",
        prefix="shenbao",
        group_path=True,  # the route's template, not the path
        exclude_opt_key=NOT_MEASURED,
        buckets=[0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0],
        middleware_class=RouteSeries,
    )


class RouteSeries(PrometheusMiddleware):
    """Litestar's :class:`~litestar.plugins.prometheus.PrometheusMiddleware`, the same series with the same labels,
    with each route's labelled series looked up once instead of on every request.

    The plugin's middleware makes a request object, a label dictionary and four look-ups by label values for each
    request: on a page served from memory (the first visit after a QR code) that was a third of the server's time.
    Here the children of a (method, path template, status) are found the first time and kept. What it measures
    is unchanged: requests in progress, the count and the errors by status, the time until the body is sent.
    """

    def __init__(self, app: ASGIApp, config: PrometheusConfig) -> None:
        if config.labels or config.exemplars or config.excluded_http_methods or not config.group_path:
            raise ValueError("RouteSeries labels each series by route template and status only")
        super().__init__(app, config)
        self._started: dict[tuple[str, str], Any] = {}
        self._ended: dict[tuple[str, str, int], tuple[Any, Any, Any]] = {}

    def _labels(self, method: str, path: str, status: int) -> dict[str, str | int | float]:
        return {"method": method, "path": path, "status_code": status, "app_name": self._config.app_name}

    def _in_progress(self, method: str, path: str) -> Any:
        key = (method, path)
        child = self._started.get(key)
        if child is None:
            labels = self._labels(method, path, 200)  # as the plugin's: the status is not known yet
            child = self._started[key] = self.requests_in_progress(labels).labels(*labels.values())
        return child

    def _done(self, method: str, path: str, status: int) -> tuple[Any, Any, Any]:
        key = (method, path, status)
        children = self._ended.get(key)
        if children is None:
            labels = self._labels(method, path, status)
            values = [*labels.values()]
            errors = self.requests_error_count(labels).labels(*values) if status >= 500 else None
            count = self.request_count(labels).labels(*values)
            children = self._ended[key] = (count, self.request_time(labels).labels(*values), errors)
        return children

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method = scope["method"] if scope["type"] == ScopeType.HTTP else str(scope["type"])
        path = scope["path_template"]
        started, ended, status = time.perf_counter(), 0.0, 200

        async def timed_send(message: Message) -> None:
            nonlocal ended, status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                ended = time.perf_counter()
            await send(message)

        in_progress = self._in_progress(method, path)
        in_progress.inc()
        try:
            await self.app(scope, receive, timed_send)
        finally:
            in_progress.dec()
            count, duration, errors = self._done(method, path, status)
            if errors is not None:
                errors.inc()
            count.inc()
            duration.observe(ended - started if ended else 0.0)


class ObservedRoutes:
    """ASGI middleware: the time of a route handler marked ``opt={OBSERVED: name}``, observed once in the
    histogram :data:`shenbao.metrics.TIMED` names (a handler without the mark costs one dict look-up)."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        histogram = TIMED.get(handler.opt.get(OBSERVED, "")) if handler is not None else None
        if histogram is None:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            histogram.observe(time.perf_counter() - started)


def turn_levels(forms: Iterable[Any], chains: ChainRegistry) -> dict[str, str]:
    """The level whose turn it is at each ``<form id>/<step id>`` of the served forms' chains (every version).

    ``<form id>/`` (a case stored without a workflow state) waits at its chain's first step.
    """
    levels: dict[str, str] = {}
    by_chain: dict[str, list[str]] = {}
    for form in forms:
        if form.definition.chain:
            by_chain.setdefault(form.definition.chain, []).append(form.id)
    for chain in chains.versions():
        for form_id in by_chain.get(chain.id, ()):
            for step in chain.steps:
                levels[f"{form_id}/{step.id}"] = role_level(step.role) or UNKNOWN_LEVEL
            if chain.steps:
                levels.setdefault(f"{form_id}/", role_level(chain.steps[0].role) or UNKNOWN_LEVEL)
    return levels


class DatabaseReadings:
    """The series read from the database at scrape time, kept :data:`READINGS_SECONDS` in this process."""

    __slots__ = ("_at", "_families", "seconds")

    def __init__(self, seconds: float = READINGS_SECONDS) -> None:
        self.seconds = seconds
        self._at = -float("inf")
        self._families: list[Metric] = []

    async def families(self, services: Services | None) -> list[Metric]:
        """The series, read again when the last reading is older than :attr:`seconds`."""
        if time.monotonic() - self._at < self.seconds:
            return self._families
        self._families = await self._read(services)
        self._at = time.monotonic()
        return self._families

    @staticmethod
    async def _read(services: Services | None) -> list[Metric]:
        up = GaugeMetricFamily(
            "shenbao_database_readings_ok",
            "1 when the series read from the database below could be read, else 0",
        )
        if services is None:
            up.add_metric([], 0)
            return [up]
        try:
            outbox = await outbox_counts(services.database)
            turns = await open_cases_by_turn(services.database, china_time.today())
        except Exception:  # the database is down: /readyz says why; the series say only that they are missing
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        messages = GaugeMetricFamily(
            "shenbao_outbox_messages",
            "Text messages in the outbox waiting to be sent, or failed for good",
            labels=["status"],
        )
        for status, count in outbox.items():
            messages.add_metric([status], count)
        levels = turn_levels(services.forms, services.chains)
        opened: dict[str, int] = dict.fromkeys(LEVELS, 0)
        overdue: dict[str, int] = dict.fromkeys(LEVELS, 0)
        for entry in turns:
            level = levels.get(entry.turn, UNKNOWN_LEVEL)
            opened[level] = opened.get(level, 0) + entry.open
            overdue[level] = overdue.get(level, 0) + entry.overdue
        open_family = GaugeMetricFamily(
            "shenbao_cases_open", "Open applications, by the level whose turn it is", labels=["level"]
        )
        overdue_family = GaugeMetricFamily(
            "shenbao_cases_overdue",
            "Open applications past their step's deadline, by the level whose turn it is",
            labels=["level"],
        )
        for level, count in opened.items():
            open_family.add_metric([level], count)
            overdue_family.add_metric([level], overdue[level])
        return [up, messages, open_family, overdue_family]


class _Families(Collector):
    """Hands prometheus_client the families read beforehand (its collectors are synchronous)."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


def _process_registry() -> CollectorRegistry:
    """This process's series, or every process's in multiprocess mode."""
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ or "prometheus_multiproc_dir" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def metrics_controller(
    *,
    token: str,
    services_of: Callable[[Request[Any, Any, Any]], Services | None],
    readings: DatabaseReadings,
) -> type[PrometheusController]:
    """Litestar's :class:`PrometheusController` at ``/metrics``, which also answers the database's series and, when
    ``token`` is set, answers only ``Authorization: Bearer <token>``."""
    expected = f"Bearer {token}".encode()

    class ShenbaoMetrics(PrometheusController):
        path = "/metrics"

        @get(opt={NOT_MEASURED: True}, include_in_schema=False)
        async def get(self, request: Request[Any, Any, Any]) -> Response[bytes]:
            if token and not hmac.compare_digest(request.headers.get("authorization", "").encode(), expected):
                return Response(
                    b"a bearer token is required (SHENBAO_METRICS_TOKEN)\n",
                    status_code=401,
                    media_type="text/plain",
                    headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
                )
            families = await readings.families(services_of(request))
            own = CollectorRegistry(auto_describe=False)
            own.register(_Families(families))
            body = generate_latest(_process_registry()) + generate_latest(own)
            return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

    return ShenbaoMetrics
