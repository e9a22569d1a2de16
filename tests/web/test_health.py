"""``/healthz`` and ``/readyz``: the process is up; the database, its schema, the keys and the file store work.

Each failing check is made real (the database closed, a schema step undone, the keys gone, the file folder
replaced by a file), and ``/readyz`` must answer 503 naming that check and only that one.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.plugin import ShenbaoPlugin
from shenbao.settings import Settings
from shenbao.store.schema import STEPS
from shenbao.web.ops import health
from shenbao.web.services import Services
from tests.support.keys import TEST_KEYS
from tests.support.postgres import execute

Client = TestClient[Litestar]
CHECKS = ["database", "schema", "keys", "files"]


@pytest.fixture
def probe(app: Litestar) -> Iterator[Client]:
    """A load balancer: no cookie, no page visited before."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client


def _services(client: Client) -> Services:
    services: Services = client.app.state["shenbao"]
    return services


def _not_ready(client: Client) -> dict[str, str]:
    response = client.get("/readyz")
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["ready"] is False and list(body["checks"]) == CHECKS
    checks: dict[str, str] = body["checks"]
    return checks


def test_healthz_answers_without_the_database(probe: Client) -> None:
    assert probe.get("/healthz").json() == {"status": "ok"}
    probe.blocking_portal.call(_services(probe).database.close)
    response = probe.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


def test_readyz_is_ready_when_every_check_passes(probe: Client) -> None:
    response = probe.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json() == {"ready": True, "checks": dict.fromkeys(CHECKS, "ok")}
    assert "set-cookie" not in response.headers  # no session, no language cookie: a probe is nobody
    assert response.headers["cache-control"] == "no-store"


def test_readyz_503_when_the_database_is_closed(probe: Client, settings: Settings) -> None:
    probe.blocking_portal.call(_services(probe).database.close)
    checks = _not_ready(probe)
    assert checks["database"].startswith("does not answer"), checks
    assert checks["schema"] == "not checked: the database does not answer"
    assert checks["keys"] == checks["files"] == "ok"


def test_readyz_503_when_the_database_is_too_slow(probe: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    async def stuck(database: Any) -> None:
        await asyncio.sleep(5)

    monkeypatch.setattr(health, "CHECK_SECONDS", 0.05)
    monkeypatch.setattr(health, "database_answers", stuck)
    checks = _not_ready(probe)
    assert checks["database"] == "no answer within 0.05 s" and checks["files"] == "ok"


def test_readyz_503_when_the_schema_is_behind(probe: Client, settings: Settings) -> None:
    latest = STEPS[-1].version
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as connection:
        connection.execute("DELETE FROM shenbao_schema WHERE version = ?", (latest,))
    checks = _not_ready(probe)
    assert checks["schema"] == f"behind: step {latest - 1} of {latest} is applied; run shenbao migrate"
    assert checks["database"] == checks["keys"] == checks["files"] == "ok"


def test_readyz_503_when_the_schema_is_ahead(probe: Client, settings: Settings) -> None:
    later = STEPS[-1].version + 1
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as connection:
        connection.execute(
            "INSERT INTO shenbao_schema (version, name, applied_at) VALUES (?, 'a newer step', '2027-01-01')",
            (later,),
        )
    assert "upgrade it" in _not_ready(probe)["schema"]


def test_readyz_503_without_keys(probe: Client) -> None:
    _services(probe).database.keys = None
    checks = _not_ready(probe)
    assert checks["keys"] == "missing: set SHENBAO_DATA_KEY and SHENBAO_LOOKUP_KEY"
    assert checks["database"] == checks["schema"] == checks["files"] == "ok"


def test_readyz_503_when_the_file_store_cannot_be_written(probe: Client, settings: Settings) -> None:
    folder = settings.data_dir / "files"
    if folder.exists():
        folder.rmdir()
    folder.write_bytes(b"not a folder")  # root is not stopped by permissions: a file where the folder goes is
    checks = _not_ready(probe)
    assert checks["files"] == "unavailable: it does not take a file now (the log says why)"
    assert checks["database"] == checks["schema"] == checks["keys"] == "ok"
    folder.unlink()
    assert probe.get("/readyz").status_code == 200  # the folder is made again: ready again, no restart


def test_the_503_body_names_no_secret(probe: Client, settings: Settings) -> None:
    probe.blocking_portal.call(_services(probe).database.close)
    body = probe.get("/readyz").text
    for secret in (settings.secret_key, settings.database_url, str(settings.data_dir)):
        assert secret not in body


def test_the_probes_are_mounted_under_the_plugins_path(settings: Settings) -> None:
    app = Litestar(plugins=[ShenbaoPlugin(settings, path="/shenbao")])
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert client.get("/shenbao/healthz").json() == {"status": "ok"}
        assert client.get("/shenbao/readyz").json()["ready"] is True
        assert client.get("/shenbao/metrics").status_code == 200
        assert client.get("/healthz").status_code == 404  # the host's root is the host's


def test_readyz_before_the_platform_started(settings: Settings) -> None:
    app = create_app(settings)
    client = TestClient(app, base_url="http://127.0.0.1")  # not entered: no lifespan, nothing started
    response = client.get("/readyz")
    assert response.status_code == 503
    assert all(value.startswith("not started") for value in response.json()["checks"].values())
    assert client.get("/healthz").status_code == 200


@pytest.mark.postgres
def test_readyz_503_while_postgresql_refuses_connections_and_ready_again_after(
    postgres_database_url: str, tmp_path: Path
) -> None:
    url = postgres_database_url
    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    name = urlsplit(url).path.lstrip("/")
    asyncio.run(execute(url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    asyncio.run(store.migrate_url(url))
    settings = Settings(database_url=url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        assert client.get("/readyz").status_code == 200
        cut = (
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
        )
        asyncio.run(execute(admin, *cut))
        try:
            checks = _not_ready(client)
            assert checks["database"].startswith(("does not answer", "no answer within")), checks
            assert checks["schema"] == "not checked: the database does not answer"
        finally:
            asyncio.run(execute(admin, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        assert client.get("/readyz").status_code == 200  # the pool connects again: no restart needed
