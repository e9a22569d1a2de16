"""PostgreSQL restarting under load: requests fail fast (503 with Retry-After, in Chinese), none hangs or answers
500, and the app serves again once the server is back, without a restart of its own.

Against a throwaway cluster of the test's own (:class:`~tests.processes.support.Cluster`), never the shared server.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shenbao.store import DatabaseUnreachableError, migrate, open_database
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, sign_mark
from tests.processes.support import SECRET, Cluster, Serving, server_env, shenbao
from tests.support.keys import TEST_KEYS

pytestmark = pytest.mark.postgres

FORM = "gansu-yijian-2023"
QUESTIONNAIRE = "gansu-zizhu-2021"


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A PostgreSQL cluster of this test's own, started."""
    made = Cluster()
    try:
        made.start()
        yield made
    finally:
        made.remove()


async def _down_then_up(cluster: Cluster) -> None:
    database = await open_database(cluster.url, keys=TEST_KEYS, pool_max_size=4)
    try:
        await migrate(database)
        assert await database.fetch("SELECT 1 AS one") == [{"one": 1}]
        await asyncio.to_thread(cluster.stop)
        for _ in range(3):  # more failed transactions than the pool has connections: none may be kept
            started = time.monotonic()
            with pytest.raises(DatabaseUnreachableError):
                await database.fetch("SELECT 1")
            with pytest.raises(DatabaseUnreachableError):
                async with database.transaction():
                    await database.fetch("SELECT count(*) FROM application")
            assert time.monotonic() - started < 5
        await asyncio.to_thread(cluster.start)
        deadline = time.monotonic() + 10
        while True:  # a connection cut by the restart may fail once more; then the pool has healed
            try:
                await database.fetch("SELECT 1")
                break
            except DatabaseUnreachableError:
                assert time.monotonic() < deadline, "the pool did not heal within 10 s"
                await asyncio.sleep(0.2)

        async def one_transaction() -> int:
            async with database.transaction():
                rows = await database.fetch("SELECT count(*) AS n FROM application")
                await asyncio.sleep(0.05)  # held: the eight need every connection of the pool, twice
                return int(rows[0]["n"])

        assert await asyncio.wait_for(asyncio.gather(*(one_transaction() for _ in range(8))), 10) == [0] * 8
    finally:
        await database.close()


def test_the_pool_fails_fast_while_the_server_is_down_and_heals_after(cluster: Cluster) -> None:
    asyncio.run(_down_then_up(cluster))


class _Load:
    """Farmers posting through the API (a code asked for) and through the pages (a first answer saved)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.statuses: Counter[int] = Counter()
        self.slowest = 0.0
        self.unavailable: list[httpx.Response] = []
        self.ok_after_restart = 0
        self.restarted_at: float | None = None
        self._serial = 0

    async def _one(self, client: httpx.AsyncClient) -> None:
        self._serial += 1
        serial = self._serial
        started = time.monotonic()
        if serial % 2:
            reply = await client.post(
                f"/api/v1/forms/{FORM}/phone-codes",
                json={"phone": f"139{serial:08d}"},
                headers={"Idempotency-Key": f"restart-{serial}"},
            )
        else:
            reply = await client.post(
                f"/f/{QUESTIONNAIRE}/s/household/answer",
                data={"_q": "q8", "q8": "yes"},
                headers={"HX-Request": "true"},
            )
        self.slowest = max(self.slowest, time.monotonic() - started)
        self.statuses[reply.status_code] += 1
        if reply.status_code == 503:
            self.unavailable.append(reply)
        elif reply.status_code < 300 and self.restarted_at is not None and started > self.restarted_at:
            self.ok_after_restart += 1

    async def run(self, until: float) -> None:
        mark = sign_mark(SECRET, QUESTIONNAIRE, opened=time.time() - 61)  # the phone read the guide
        async with httpx.AsyncClient(base_url=self.url, timeout=20, cookies={GUIDE_COOKIE: mark}) as client:

            async def farmer() -> None:
                while time.monotonic() < until:
                    await self._one(client)

            await asyncio.gather(*(farmer() for _ in range(12)))


async def _restart_under_load(cluster: Cluster, url: str) -> _Load:
    load = _Load(url)
    running = asyncio.create_task(load.run(time.monotonic() + 12))
    await asyncio.sleep(2)
    await asyncio.to_thread(cluster.stop)
    await asyncio.sleep(2)
    await asyncio.to_thread(cluster.start)
    load.restarted_at = time.monotonic()
    await running
    return load


def test_requests_fail_fast_while_the_database_restarts_and_the_app_recovers(
    cluster: Cluster, tmp_path: Path
) -> None:
    env = server_env(cluster.url, tmp_path / "data")
    shenbao(env, "migrate")
    serving = Serving(env, tmp_path)
    try:
        url = serving.start()
        load = asyncio.run(_restart_under_load(cluster, url))
        log = serving.log(next(iter(serving.processes)))
    finally:
        serving.stop_all()
    if load.statuses[500]:
        print(log[log.find("Traceback") :][:8000])
    assert load.statuses[500] == 0 and all(status in (200, 201, 202, 503) for status in load.statuses), (
        load.statuses,
        log[log.find("Traceback") :][:6000],
    )
    assert load.unavailable, f"the restart was never seen: {load.statuses}"
    for reply in load.unavailable:
        assert int(reply.headers["retry-after"]) > 0
        assert "请等" in reply.text  # JSON detail or the page: in Chinese, saying what to do
    assert load.slowest < 12, f"a request took {load.slowest:.1f} s"
    assert load.ok_after_restart > 20, load.statuses  # the same process serves again
