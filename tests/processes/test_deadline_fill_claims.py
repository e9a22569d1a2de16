"""Pending deadlines (期限待定) are filled by every process at start: each case once, and never over a decision."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from shenbao.cases import deadlines
from shenbao.cases.deadlines import fill_pending_deadlines
from shenbao.store import Database
from shenbao.store.reminders import locked_pending_state
from tests.notify.test_outbox import _handler, _services, _submit

pytestmark = pytest.mark.anyio


async def _state(db: Database, application_id: int) -> tuple[dict[str, Any], Any, str]:
    [row] = await db.fetch(
        "SELECT workflow_state, deadline, status FROM application WHERE id = {}", application_id
    )
    raw = row["workflow_state"]
    return (json.loads(raw) if isinstance(raw, str) else raw), row["deadline"], row["status"]


async def test_fills_run_at_once_fill_each_case_once(db: Database) -> None:
    await _handler(db)
    records = [(await _submit(_services(db, years_known=False), key=f"k{n}"))[0] for n in range(3)]
    chains = _services(db).chains
    filled = await asyncio.gather(*(fill_pending_deadlines(db, chains) for _ in range(3)))
    assert sum(filled) == 3  # three cases, however the passes shared them
    for record in records:
        state, deadline, _ = await _state(db, record.id)
        assert deadline is not None and state["due_on"] == str(deadline)
        assert [row["action"] for row in state["history"]] == ["submit"]
    assert await fill_pending_deadlines(db, chains) == 0


async def test_a_case_decided_after_the_list_was_read_is_left_as_decided(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _handler(db)
    record, _ = await _submit(_services(db, years_known=False))
    decided = {"chain": "gansu-yijian-2023", "step": None, "decided": "refused by another process"}

    async def decided_meanwhile(database: Database, application_id: int) -> dict[str, Any] | None:
        # Another process refuses the case between this pass's list and its fill.
        await database.fetch(
            "UPDATE application SET status = 'refused', workflow_state = {} WHERE id = {}",
            json.dumps(decided),
            application_id,
        )
        return await locked_pending_state(database, application_id)

    monkeypatch.setattr(deadlines, "locked_pending_state", decided_meanwhile)
    assert await fill_pending_deadlines(db, _services(db).chains) == 0
    state, deadline, status = await _state(db, record.id)
    assert status == "refused" and deadline is None and state == decided
