"""``/metrics``: the request series by route template, the swap's and the submission's time, SMS sent by template,
the outbox and the open and overdue cases read from the database; the optional bearer token; and the counts of
several processes added up in prometheus_client's multiprocess mode."""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import msgspec
from litestar import Litestar, Router, get
from litestar.params import FromPath
from litestar.plugins.prometheus import PrometheusMiddleware
from litestar.testing import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from shenbao import china_time
from shenbao.app import create_app
from shenbao.settings import Settings
from shenbao.store.outbox import QueuedSms, enqueue_sms, mark_failed, outbox_messages
from shenbao.web.ops.prometheus import NOT_MEASURED, RouteSeries, prometheus_config
from shenbao.web.services import Services
from tests.support.applications import YIJIAN, ZIZHU, Stage, add_application
from tests.support.samples import one_click_2023
from tests.support.web import start_draft, verify_by_api

Client = TestClient[Litestar]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
HANDLER_PHONE = "13700137000"


def scrape(client: Client, **headers: str) -> Samples:
    """Every sample of ``/metrics``, by name and labels."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def _services(client: Client) -> Services:
    services: Services = client.app.state["shenbao"]
    return services


def _add_village_handler(settings: Settings) -> None:
    """The village handler of the demo village, with a phone: a submission queues an SMS to it."""
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as connection:
        connection.execute(
            "INSERT INTO staff (username, display_name, phone, role, region_code, password_hash, active, created_at)"
            " VALUES ('demo-village', '村级经办人', ?, 'village', '620102001001', '$argon2id$x', 1,"
            " '2026-01-01T00:00:00+00:00')",
            (HANDLER_PHONE,),
        )


def test_a_swap_a_submit_and_a_sent_sms_show_in_the_series(client: Client, settings: Settings) -> None:
    before = scrape(client)
    start_draft(client)  # the farmer's first answer: one swap
    _add_village_handler(settings)
    verify_by_api(client, YIJIAN, "k-metrics-1", "13912345678")  # a verification code's SMS, sent at once
    response = client.post(
        f"/api/v1/forms/{YIJIAN}/submissions",
        json={"answers": one_click_2023()},
        headers={"Idempotency-Key": "k-metrics-1"},
    )
    assert response.status_code == 201, response.text
    [queued] = client.blocking_portal.call(outbox_messages, _services(client).database)
    template = queued.template.rpartition(".")[2]  # the chain's name is left out of the label
    assert "." in queued.template and template
    after = _once_sent(client, before, template)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("shenbao_swap_seconds_count") == 1
    assert value(after, "shenbao_swap_seconds_sum") > value(before, "shenbao_swap_seconds_sum")
    assert grew("shenbao_submit_seconds_count") == 1
    assert grew("shenbao_sms_sent_total", template=template) == 1
    assert grew("shenbao_sms_sent_total", template="otp") == 1
    answer = {"app_name": "shenbao", "method": "POST", "status_code": "200"}
    assert grew("shenbao_requests_total", path="/f/{form_id}/s/{section_id}/answer", **answer) == 1
    submissions = {**answer, "status_code": "201", "path": "/api/v1/forms/{form_id}/submissions"}
    assert grew("shenbao_request_duration_seconds_count", **submissions) == 1
    paths = {dict(labels).get("path") for name, labels in after if name == "shenbao_requests_total"}
    assert not any(
        "620102" in str(path) or ZIZHU in str(path) for path in paths
    )  # templates, never raw paths
    assert not any(str(path).endswith(("/healthz", "/readyz", "/metrics")) for path in paths)


def _once_sent(client: Client, before: Samples, template: str) -> Samples:
    """The series once the app's own outbox dispatcher (a pass every 2 s) has sent the queued message."""
    deadline = time.monotonic() + 20
    while True:
        samples = scrape(client)
        grown = value(samples, "shenbao_sms_sent_total", template=template) > value(
            before, "shenbao_sms_sent_total", template=template
        )
        if grown or time.monotonic() > deadline:
            return samples
        time.sleep(0.2)


def test_the_outbox_gauges_count_pending_and_failed_rows(client: Client) -> None:
    database = _services(client).database
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)  # due later: the app's dispatcher leaves them
    queued = [QueuedSms(phone=f"1370013701{n}", template="c.new_application", text="x") for n in range(5)]
    client.blocking_portal.call(lambda: enqueue_sms(database, queued, now=later))
    first, second, *_ = client.blocking_portal.call(outbox_messages, database)
    client.blocking_portal.call(mark_failed, database, first.id, "refused", None)
    client.blocking_portal.call(mark_failed, database, second.id, "refused", None)
    samples = scrape(client)
    assert value(samples, "shenbao_outbox_messages", status="pending") == 3
    assert value(samples, "shenbao_outbox_messages", status="failed") == 2
    assert value(samples, "shenbao_database_readings_ok") == 1


def test_open_and_overdue_cases_by_level(client: Client) -> None:
    database = _services(client).database
    served = _services(client).chains.get(YIJIAN)
    assert served is not None
    roles = {step.id: step.role for step in served.chain.steps}
    assert (roles["household_check"], roles["township_review"], roles["county_approval"]) == (
        "village",
        "township",
        "county",
    )
    late = china_time.today() - dt.timedelta(days=2)
    stages = [
        Stage(step="household_check", due_on=late),
        Stage(step="household_check", due_on=None),
        Stage(step="township_review", due_on=late),
        Stage(step="township_review", due_on=china_time.today()),
        Stage(step="county_approval", due_on=None),
    ]
    for stage in stages:
        client.blocking_portal.call(lambda stage=stage: add_application(database, YIJIAN, stage=stage))
    client.blocking_portal.call(
        lambda: add_application(database, YIJIAN, workflow=False)
    )  # at the first step
    approved = Stage(step="county_approval", due_on=late)
    client.blocking_portal.call(lambda: add_application(database, YIJIAN, stage=approved, status="approved"))
    samples = scrape(client)
    opened = {
        level: value(samples, "shenbao_cases_open", level=level)
        for level in ("village", "township", "county")
    }
    overdue = {level: value(samples, "shenbao_cases_overdue", level=level) for level in opened}
    assert opened == {"village": 3, "township": 2, "county": 1}
    assert overdue == {"village": 1, "township": 1, "county": 0}
    assert value(samples, "shenbao_cases_open", level="province") == 0  # every level is there, zero or not


def test_the_token_guards_metrics_when_set(settings: Settings) -> None:
    guarded = msgspec.structs.replace(settings, metrics_token="scrape-me-7f3a")
    with TestClient(create_app(guarded), base_url="http://127.0.0.1") as client:
        assert client.get("/metrics").status_code == 401
        refused = client.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert refused.status_code == 401 and refused.headers["www-authenticate"].startswith("Bearer")
        assert "shenbao_outbox_messages" not in refused.text
        allowed = scrape(client, Authorization="Bearer scrape-me-7f3a")
        assert value(allowed, "shenbao_database_readings_ok") == 1


_COUNT_ONE = "from shenbao.metrics import count_sms_sent, SWAP_SECONDS; count_sms_sent('c.new_application'); SWAP_SECONDS.observe(0.002)"
_SCRAPE = "from shenbao.web.ops.prometheus import _process_registry; from prometheus_client import generate_latest; print(generate_latest(_process_registry()).decode())"


def test_several_processes_add_up_in_multiprocess_mode(tmp_path: Path) -> None:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(3):  # three workers, each counting one message and one swap, then gone
        subprocess.run([sys.executable, "-c", _COUNT_ONE], env=env, check=True, timeout=60)
    text = subprocess.run(
        [sys.executable, "-c", _SCRAPE], env=env, check=True, timeout=60, capture_output=True, text=True
    ).stdout
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert value(samples, "shenbao_sms_sent_total", template="new_application") == 3
    assert value(samples, "shenbao_swap_seconds_count") == 3


def test_the_route_series_count_what_the_plugins_middleware_counts() -> None:
    """The platform's middleware (children looked up once) against Litestar's own, on the same requests: the same
    series with the same labels and counts (the times differ, being times)."""

    @get("/ok/{n:int}")
    async def ok(n: FromPath[int]) -> str:
        return str(n)

    @get("/boom")
    async def boom() -> str:
        raise RuntimeError("boom")

    @get("/probe", opt={NOT_MEASURED: True})
    async def probe() -> str:
        return "up"

    def counted(prefix: str, middleware: type[PrometheusMiddleware]) -> Samples:
        config = prometheus_config()
        config.prefix, config.middleware_class = prefix, middleware
        router = Router("/", route_handlers=[ok, boom, probe], middleware=[config.middleware])
        with TestClient(Litestar(route_handlers=[router])) as client:
            for path in ("/ok/1", "/ok/2", "/boom", "/probe", "/ok/3"):
                client.get(path)
        return {
            (sample.name.removeprefix(prefix), tuple(sorted(sample.labels.items()))): sample.value
            for family in REGISTRY.collect()
            if family.name.startswith(prefix)
            for sample in family.samples
            if not sample.name.endswith(("_sum", "_bucket", "_created"))
        }

    tag = f"t{time.monotonic_ns()}"
    ours, theirs = counted(f"{tag}ours", RouteSeries), counted(f"{tag}theirs", PrometheusMiddleware)
    assert ours == theirs
    labels = (("app_name", "shenbao"), ("method", "GET"), ("path", "/ok/{n}"), ("status_code", "200"))
    assert ours[("_requests_total", labels)] == 3
    assert ours[("_request_duration_seconds_count", labels)] == 3
    assert sum(count for (name, _), count in ours.items() if name == "_requests_error_total") == 1
    assert not any(dict(labels).get("path") == "/probe" for _, labels in ours)
