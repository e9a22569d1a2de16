"""The deadline job on both databases: each reminder and escalation is queued once, whatever runs it how often."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from shenbao import store
from shenbao.china_time import CHINA
from shenbao.notify import reminders as job
from shenbao.notify.reminders import send_deadline_notices
from shenbao.packs import ChainRegistry
from shenbao.privacy.keyring import Keyring
from shenbao.store import Database, open_database
from shenbao.store.outbox import outbox_messages
from shenbao.store.reminders import notices_of
from shenbao.workflow import CalendarError, Chain, WorkingCalendar
from tests.support.applications import add_application
from tests.support.staff import add_account

pytestmark = pytest.mark.anyio

VILLAGE = "620102001001"
VILLAGE_PHONE = "13700137000"
TOWNSHIP_PHONES = ["13600136000", "13600136001"]
SUBMITTED = dt.date(2026, 6, 1)
"""A Monday: the household check is due on Monday 8 June, reminded on Friday 5 June."""
CHAINS = ChainRegistry.from_packs(["gansu"])


def at(day: str, hour: int = 10) -> dt.datetime:
    """A moment of ``day`` in China."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=CHINA)


def _chain(chain_id: str = "gansu-yijian-2023") -> tuple[Chain, WorkingCalendar]:
    found = CHAINS.get(chain_id)
    assert found is not None
    return found


async def _staff(db: Database) -> None:
    await add_account(db, "village", VILLAGE, username="v", phone=VILLAGE_PHONE)
    for number, phone in enumerate(TOWNSHIP_PHONES):
        await add_account(db, "township", VILLAGE[:9], username=f"t{number}", phone=phone)
    # another township's staff never hear of this village
    await add_account(db, "township", "620102002", username="other", phone="13500135000")


async def _application(
    db: Database, *, submitted_on: dt.date = SUBMITTED, chain_id: str = "gansu-yijian-2023"
) -> store.ApplicationRecord:
    """An application at the chain's first step, as a submission on ``submitted_on`` leaves it."""
    built = await add_application(db, chain_id, region=VILLAGE, answers={}, submitted_on=submitted_on)
    return built.record


async def _sms(db: Database) -> list[tuple[str, str, str]]:
    return [(message.phone, message.template, message.text) for message in await outbox_messages(db)]


async def test_the_reminder_goes_to_the_village_handler_once(db: Database) -> None:
    await _staff(db)
    record = await _application(db)
    assert (await send_deadline_notices(db, CHAINS, at("2026-06-04"))).reminders == 0  # Thursday: too early
    report = await send_deadline_notices(db, CHAINS, at("2026-06-05"))
    assert (report.reminders, report.escalations, report.messages) == (1, 0, 1)
    [(phone, template, text)] = await _sms(db)
    assert (phone, template) == (VILLAGE_PHONE, "gansu-yijian-2023.reminder")  # the chain's own template
    assert record.receipt_display in text and "村级入户核查环节将于6月8日到期" in text
    [message] = await outbox_messages(db)
    assert message.params == {
        "receipt": record.receipt_display,
        "label": "",
        "step": "村级入户核查",
        "due": "6月8日",
    }
    for moment in (at("2026-06-05", 16), at("2026-06-06"), at("2026-06-08")):  # again, the weekend, the day
        assert (await send_deadline_notices(db, CHAINS, moment)).reminders == 0
    assert len(await _sms(db)) == 1
    [notice] = await notices_of(db, record.id)
    assert (notice.kind, notice.step, notice.due_on, notice.role, notice.messages) == (
        "reminder",
        "household_check",
        dt.date(2026, 6, 8),
        "village",
        1,
    )
    assert notice.sent_on == dt.date(2026, 6, 5)


async def test_an_overdue_case_is_escalated_to_its_township_once_per_round(db: Database) -> None:
    await _staff(db)
    record = await _application(db)
    report = await send_deadline_notices(db, CHAINS, at("2026-06-09"))
    assert (report.reminders, report.escalations, report.messages) == (0, 1, 2)
    escalations = await _sms(db)
    assert sorted(phone for phone, _, _ in escalations) == TOWNSHIP_PHONES
    assert {template for _, template, _ in escalations} == {"gansu-yijian-2023.overdue"}
    assert all(record.receipt_display in text and "已超期1个工作日" in text for _, _, text in escalations)
    assert [message.params["days"] for message in await outbox_messages(db)] == ["1", "1"]
    assert {message.params["receipt"] for message in await outbox_messages(db)} == {record.receipt_display}
    assert (await send_deadline_notices(db, CHAINS, at("2026-06-15"))).escalations == 0  # 5 days: round 1
    assert (await send_deadline_notices(db, CHAINS, at("2026-06-16"))).escalations == 1  # 6 days: round 2
    assert [n.round for n in await notices_of(db, record.id)] == [1, 2]
    assert ["已超期6个工作日" in text for _, _, text in (await _sms(db))[2:]] == [True, True]


async def test_a_restarted_process_sends_nothing_again(
    database_url: str, keys: Keyring, anyio_backend: str
) -> None:
    first = await open_database(database_url, keys=keys)
    await store.migrate(first)
    await _staff(first)
    await _application(first)
    assert (await send_deadline_notices(first, CHAINS, at("2026-06-05"))).reminders == 1
    await first.close()
    second = await open_database(database_url, keys=keys)
    try:
        assert (await send_deadline_notices(second, CHAINS, at("2026-06-05", 11))).reminders == 0
        assert len(await _sms(second)) == 1
    finally:
        await second.close()


async def test_concurrent_passes_send_each_notice_once(db: Database) -> None:
    await _staff(db)
    for _ in range(12):
        await _application(db)
    reports = await asyncio.gather(*(send_deadline_notices(db, CHAINS, at("2026-06-05")) for _ in range(4)))
    assert sum(report.reminders for report in reports) == 12
    assert len(await _sms(db)) == 12
    rows = await db.fetch("SELECT count(*) AS n FROM deadline_notice")
    assert rows[0]["n"] == 12


async def test_the_claim_and_the_sms_commit_together(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await _staff(db)
    record = await _application(db)

    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("the outbox insert failed")

    with monkeypatch.context() as patch:
        patch.setattr(job, "enqueue_sms", broken)
        with pytest.raises(RuntimeError, match="outbox"):
            await send_deadline_notices(db, CHAINS, at("2026-06-05"))
    assert await notices_of(db, record.id) == [] and await _sms(db) == []
    assert (
        await send_deadline_notices(db, CHAINS, at("2026-06-05"))
    ).reminders == 1  # the next pass sends it
    assert len(await _sms(db)) == 1


async def test_a_decision_taken_during_the_pass_wins(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    await _staff(db)
    record = await _application(db)
    scan = job.open_deadlines

    async def scan_then_refuse(*args: Any, **kwargs: Any) -> Any:
        found = await scan(*args, **kwargs)
        # The handler refuses the application after the job read it and before it claims the reminder.
        await db.fetch("UPDATE application SET deadline = NULL, status = 'refused' WHERE id = {}", record.id)
        return found

    monkeypatch.setattr(job, "open_deadlines", scan_then_refuse)
    assert (await send_deadline_notices(db, CHAINS, at("2026-06-05"))).reminders == 0
    assert await _sms(db) == []


async def test_an_escalation_without_staff_phones_is_recorded_and_not_retried(db: Database) -> None:
    record = await _application(db)  # no staff at all
    report = await send_deadline_notices(db, CHAINS, at("2026-06-09"))
    assert (report.escalations, report.messages) == (1, 0)
    [notice] = await notices_of(db, record.id)
    assert (notice.kind, notice.role, notice.region_code, notice.messages) == (
        "overdue",
        "township",
        VILLAGE[:9],
        0,
    )
    assert (await send_deadline_notices(db, CHAINS, at("2026-06-10"))).escalations == 0


class _UnknownYears(WorkingCalendar):
    def is_working_day(self, day: dt.date) -> bool:
        raise CalendarError(f"{day.year}年的节假日安排还不知道")


async def test_an_unknown_year_leaves_that_application_out_and_the_pass_goes_on(db: Database) -> None:
    await _staff(db)
    await _application(db, chain_id="gansu-zizhu-2021")
    reminded = await _application(db)
    zizhu, _ = _chain("gansu-zizhu-2021")
    chains = ChainRegistry({"gansu-zizhu-2021": (zizhu, _UnknownYears()), "gansu-yijian-2023": _chain()})
    report = await send_deadline_notices(db, chains, at("2026-06-05"))
    assert (report.reminders, report.skipped) == (1, 1)
    [(_, _, text)] = await _sms(db)
    assert reminded.receipt_display in text


async def test_an_application_of_a_chain_no_pack_loads_is_left_out(db: Database) -> None:
    await _staff(db)
    await _application(db)
    report = await send_deadline_notices(db, ChainRegistry(), at("2026-06-05"))
    assert (report.reminders, report.skipped) == (0, 1) and await _sms(db) == []


async def test_the_scan_pages_through_every_open_deadline(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(job, "_BATCH", 2)
    await _staff(db)
    for submitted_on in ("2026-05-29", "2026-06-01", "2026-06-01", "2026-06-01", "2026-06-02"):
        await _application(db, submitted_on=dt.date.fromisoformat(submitted_on))
    # Due 5 June (overdue on the 8th), 8 June (reminded on the 5th) three times, 9 June (reminded on the 8th).
    report = await send_deadline_notices(db, CHAINS, at("2026-06-08"))
    assert (report.reminders, report.escalations) == (4, 1)


async def test_finished_applications_are_left_alone(db: Database) -> None:
    await _staff(db)
    record = await _application(db)
    await store.set_workflow_state(db, record.id, state={}, deadline=None, green=False, status="refused")
    report = await send_deadline_notices(db, CHAINS, at("2026-06-09"))
    assert (report.reminders, report.escalations, report.skipped) == (0, 0, 0)


async def test_an_overdue_case_is_escalated_to_the_office_of_the_chains_next_step_up(db: Database) -> None:
    """The chain's township step belongs to the 民政 office: the village's overdue step is escalated to that
    office's staff of the township, not to the township's other accounts; the notice keeps the office."""
    import msgspec

    chain, calendar = _chain()
    steps = [
        msgspec.structs.replace(step, role="township:民政") if step.role == "township" else step
        for step in chain.steps
    ]
    officed = ChainRegistry(
        {chain.id: (msgspec.structs.replace(chain, steps=steps), calendar)}, packs={chain.id: "gansu"}
    )
    await _staff(db)  # the plain township accounts hear nothing
    await add_account(db, "township:民政", VILLAGE[:9], username="minzheng", phone="13400134000")
    record = await _application(db)
    report = await send_deadline_notices(db, officed, at("2026-06-09"))
    assert (report.escalations, report.messages) == (1, 1)
    assert [phone for phone, _, _ in await _sms(db)] == ["13400134000"]
    [notice] = await notices_of(db, record.id)
    assert (notice.role, notice.region_code) == ("township:民政", VILLAGE[:9])
