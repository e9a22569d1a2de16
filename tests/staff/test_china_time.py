"""Every time a person reads is China time: one instant, stored in UTC, shown as 22:30 on every page.

14:30 UTC on 4 December 2026 is 22:30 in China. An application, a text message the database gateway kept, a
message the gateway refused (to be tried again an hour later), the staff accounts and the province admin's
sign-in (an audit row) are all made at that instant, on SQLite and on PostgreSQL; the farmer's receipt, the
demo's and the province admin's lists of messages, the audit log, the application page and an account's page
then each show 22:30 (23:30 for the next try), and none shows 14:30.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import time_machine
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.notify.templates import OTP_TEMPLATE
from shenbao.settings import Settings
from shenbao.store.outbox import QueuedSms, enqueue_sms, mark_failed, outbox_messages
from shenbao.store.verification import record_sms
from tests.support.applications import add_application
from tests.support.keys import TEST_KEYS
from tests.support.staff import add_accounts
from tests.support.web import sign_in

INSTANT = dt.datetime(2026, 12, 4, 14, 30, tzinfo=dt.UTC)
"""22:30 on the same day in China."""
SENT_CODE = "654321"
QUEUED_CODE = "987654"


class Seeded:
    def __init__(self, settings: Settings, receipt: str, application_id: int, county_id: int) -> None:
        self.settings = settings
        self.receipt = receipt
        self.application_id = application_id
        self.county_id = county_id


@pytest.fixture
def at_the_instant() -> Iterator[None]:
    """The clock at :data:`INSTANT` for the whole test (ticking), so sessions made then are still fresh."""
    with time_machine.travel(INSTANT, tick=True):
        yield


@pytest.fixture
def seeded(database_url: str, tmp_path: Path, at_the_instant: None) -> Seeded:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS, demo=True
    )

    async def seed() -> Seeded:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            now = dt.datetime.now(dt.UTC)
            await add_accounts(database)
            record = (await add_application(database, answers={}, workflow=False)).record
            await record_sms(
                database,
                phone="13800138000",
                template="otp",
                text=OTP_TEMPLATE.format(code=SENT_CODE),
                now=now,
            )
            queued = QueuedSms(
                phone="13900139001",
                template="otp",
                text=OTP_TEMPLATE.format(code=QUEUED_CODE),
                params={"code": QUEUED_CODE},
            )
            await enqueue_sms(database, [queued], now=now)
            (message,) = await outbox_messages(database)
            await mark_failed(
                database,
                message.id,
                f"阿里云短信暂时没有发出（isv.AMOUNT_NOT_ENOUGH，验证码 {QUEUED_CODE}）",
                now + dt.timedelta(hours=1),
            )
            rows = await database.fetch("SELECT id FROM staff WHERE username = {}", "county")
            return Seeded(settings, record.receipt_number, record.id, int(rows[0]["id"]))
        finally:
            await database.close()

    return asyncio.run(seed())


def _times(html: str) -> set[str]:
    return set(re.findall(r"\d{2}:\d{2}", html))


def test_every_page_shows_the_instant_in_china_time(seeded: Seeded) -> None:
    with TestClient(create_app(seeded.settings), base_url="http://127.0.0.1") as client:
        receipt = client.get(f"/r/{seeded.receipt}").text
        demo_sms = client.get("/demo/sms").text
        sign_in(client, "province")
        staff_sms = client.get("/staff/sms").text
        audit = client.get("/staff/audit/").text
        application = client.get(f"/staff/a/{seeded.application_id}").text
        person = client.get(f"/staff/people/{seeded.county_id}").text

    assert "提交时间：2026-12-04 22:30" in receipt
    assert "2026-12-04 22:30:" in demo_sms
    assert "2026-12-04 22:30:" in staff_sms and "12-04 23:30 再试" in staff_sms
    assert "2026-12-04 22:30 · testclient" in audit  # the province admin's sign-in
    assert "2026-12-04 22:30 提交" in application
    assert "2026-12-04 22:30" in person
    for page in (receipt, demo_sms, staff_sms, audit, application, person):
        assert "14:30" not in _times(page)
    assert SENT_CODE in demo_sms  # the demo's reader reads the code sent
    assert SENT_CODE not in staff_sms and QUEUED_CODE not in staff_sms  # the province admin never does
