"""A process killed while it holds claimed SMS: another process sends them once the lease ends, each once."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import pytest

from shenbao.notify.dispatcher import LEASE, dispatch_due
from shenbao.notify.sms import DatabaseGateway
from shenbao.store import Database
from shenbao.store.outbox import QueuedSms, enqueue_sms, outbox_messages
from tests.processes.support import ROOT
from tests.support.keys import TEST_DATA_KEY, TEST_LOOKUP_KEY

pytestmark = pytest.mark.anyio


async def test_the_sms_a_killed_process_held_are_sent_after_its_lease_once(
    db: Database, database_url: str
) -> None:
    messages = [QueuedSms(phone="13700137000", template="t", text=f"消息{number}") for number in range(20)]
    await enqueue_sms(db, messages, now=datetime.now(UTC) - timedelta(seconds=1))
    env = {**os.environ, "SHENBAO_DATA_KEY": TEST_DATA_KEY, "SHENBAO_LOOKUP_KEY": TEST_LOOKUP_KEY}
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.processes.claim_and_die", database_url, "5",
        cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert worker.stdout is not None
    assert await asyncio.wait_for(worker.stdout.readline(), 60) == b"hanging\n"
    worker.send_signal(signal.SIGKILL)
    await worker.wait()

    gateway = DatabaseGateway(db)
    assert await dispatch_due(db, gateway) == 0  # the dead process's claim still holds the other 15
    assert await dispatch_due(db, gateway, datetime.now(UTC) + LEASE + timedelta(seconds=1)) == 15
    rows = await db.fetch("SELECT text, count(*) AS times FROM sms_message GROUP BY text")
    assert len(rows) == 20 and {row["times"] for row in rows} == {1}
    assert {message.status for message in await outbox_messages(db)} == {"sent"}
