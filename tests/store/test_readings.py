"""What ``/metrics`` reads from the database, on SQLite and PostgreSQL: the outbox's pending and failed messages,
the open and overdue cases by whose turn it is."""

from __future__ import annotations

import datetime as dt

import pytest

from shenbao.store import Database
from shenbao.store.outbox import QueuedSms, enqueue_sms, mark_failed, mark_sent, outbox_messages
from shenbao.store.readings import TurnCount, database_answers, open_cases_by_turn, outbox_counts
from tests.support.applications import YIJIAN, ZIZHU, Stage, add_application

pytestmark = pytest.mark.anyio

NOW = dt.datetime(2026, 6, 5, 2, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 6, 5)


async def test_the_database_answers(db: Database) -> None:
    await database_answers(db)
    await db.close()
    with pytest.raises(Exception, match="closed"):
        await database_answers(db)


async def test_outbox_counts_pending_and_failed(db: Database) -> None:
    assert await outbox_counts(db) == {"pending": 0, "failed": 0}
    queued = [QueuedSms(phone=f"1370013700{n}", template="chain.new_application", text="x") for n in range(6)]
    await enqueue_sms(db, queued, now=NOW)
    first, second, third, fourth, *_ = await outbox_messages(db)
    await mark_sent(db, first.id, now=NOW)
    await mark_failed(db, second.id, "refused", None)  # for good
    await mark_failed(db, third.id, "refused", None)
    await mark_failed(db, fourth.id, "busy", NOW + dt.timedelta(minutes=1))  # retried later: still pending
    assert await outbox_counts(db) == {"pending": 3, "failed": 2}


async def test_open_and_overdue_cases_by_turn(db: Database) -> None:
    late, due = TODAY - dt.timedelta(days=1), TODAY
    await add_application(db, YIJIAN, stage=Stage(step="household_check", due_on=late))
    await add_application(db, YIJIAN, stage=Stage(step="household_check", due_on=due))  # due today: not late
    await add_application(db, YIJIAN, stage=Stage(step="household_check", due_on=None))
    await add_application(db, YIJIAN, stage=Stage(step="township_review", due_on=late))
    await add_application(db, ZIZHU, stage=Stage(step="county_decision", due_on=late - dt.timedelta(days=9)))
    await add_application(db, YIJIAN, workflow=False)  # no workflow state: waits at the chain's first step
    # Finished cases count nowhere, whatever their deadline column says.
    await add_application(db, YIJIAN, stage=Stage(step="county_approval", due_on=late), status="approved")
    await add_application(db, ZIZHU, stage=Stage(step="village_review", due_on=late), status="refused")
    assert await open_cases_by_turn(db, TODAY) == [
        TurnCount(turn=f"{YIJIAN}/", open=1, overdue=0),
        TurnCount(turn=f"{YIJIAN}/household_check", open=3, overdue=1),
        TurnCount(turn=f"{YIJIAN}/township_review", open=1, overdue=1),
        TurnCount(turn=f"{ZIZHU}/county_decision", open=1, overdue=1),
    ]
    assert await open_cases_by_turn(db, late) == [  # a day earlier nothing due yesterday is late yet
        TurnCount(turn=f"{YIJIAN}/", open=1, overdue=0),
        TurnCount(turn=f"{YIJIAN}/household_check", open=3, overdue=0),
        TurnCount(turn=f"{YIJIAN}/township_review", open=1, overdue=0),
        TurnCount(turn=f"{ZIZHU}/county_decision", open=1, overdue=1),
    ]
