"""Two dispatcher processes on one database send each of 500 messages once, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shenbao.store import Database
from shenbao.store.outbox import QueuedSms, enqueue_sms, outbox_messages
from tests.support.keys import TEST_DATA_KEY, TEST_LOOKUP_KEY

pytestmark = pytest.mark.anyio

ROOT = Path(__file__).resolve().parents[2]


async def test_two_processes_send_each_message_once(db: Database, database_url: str) -> None:
    now = datetime.now(UTC)
    messages = [QueuedSms(phone="13700137000", template="t", text=f"消息{number}") for number in range(500)]
    await enqueue_sms(db, messages, now=now)
    env = {**os.environ, "SHENBAO_DATA_KEY": TEST_DATA_KEY, "SHENBAO_LOOKUP_KEY": TEST_LOOKUP_KEY}
    command = [sys.executable, "-m", "tests.notify.dispatch_worker", database_url]
    workers = [await asyncio.create_subprocess_exec(*command, cwd=ROOT, env=env) for _ in range(2)]
    assert await asyncio.wait_for(asyncio.gather(*(worker.wait() for worker in workers)), 240) == [0, 0]
    rows = await db.fetch("SELECT text, count(*) AS times FROM sms_message GROUP BY text")
    assert len(rows) == 500 and {row["times"] for row in rows} == {1}
    assert {message.status for message in await outbox_messages(db)} == {"sent"}
