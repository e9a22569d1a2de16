"""The SMS outbox: queued with the application in one transaction, sent by the dispatcher with retries."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, cast

import pytest

from shenbao import store
from shenbao.cases import submit_evaluated
from shenbao.cases.deadlines import fill_pending_deadlines
from shenbao.forms import evaluate
from shenbao.notify.dispatcher import LEASE, MAX_ATTEMPTS, dispatch_due, retry_delay
from shenbao.notify.sms import GatewayError, Sms
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.privacy.keyring import Keyring
from shenbao.store import Database, open_database
from shenbao.store.outbox import QueuedSms, claim_due, enqueue_sms, outbox_messages, pending_count
from shenbao.store.staff import add_staff
from shenbao.web.services import Services
from shenbao.workflow.calendar import WorkingCalendar, YearOverride
from tests.support.samples import one_click_2023

pytestmark = pytest.mark.anyio

VILLAGE = "620102001001"
HANDLER_PHONE = "13700137000"
FORM = FormRegistry.from_packs(["gansu"]).get("gansu-yijian-2023")
_HASH = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
_NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


class Recording:
    def __init__(self, failures: int = 0) -> None:
        self.sent: list[Sms] = []
        self.failures = failures

    async def send(self, message: Sms) -> None:
        if self.failures:
            self.failures -= 1
            raise GatewayError("provider down")
        self.sent.append(message)


def _services(db: Database, *, years_known: bool = True) -> Services:
    chains = ChainRegistry.from_packs(["gansu"])
    found = chains.get("gansu-yijian-2023")
    assert found is not None
    # Deadlines may cross into a year chinesecalendar does not know yet: the test decides whether it does.
    overrides = {year: YearOverride() for year in range(2026, 2030)} if years_known else {}
    calendar = WorkingCalendar(overrides) if years_known else _UnknownYears()
    registry = ChainRegistry({"gansu-yijian-2023": (found[0], calendar)})
    return cast(Services, SimpleNamespace(database=db, chains=registry))


class _UnknownYears(WorkingCalendar):
    def is_working_day(self, day: Any) -> bool:
        from shenbao.workflow import CalendarError

        raise CalendarError(f"{day.year} unknown")


async def _handler(
    db: Database, phone: str = HANDLER_PHONE, region: str = VILLAGE, role: Any = "village"
) -> None:
    await add_staff(db, username=f"h{phone}", role=role, region_code=region, password_hash=_HASH, phone=phone)


async def _submit(services: Services, key: str = "key-1") -> tuple[store.ApplicationRecord, bool]:
    assert FORM is not None
    return await submit_evaluated(
        services, FORM, evaluate(FORM, one_click_2023()), idempotency_key=key, draft_token=None
    )


async def test_a_submit_queues_one_sms_to_the_village_handler(db: Database) -> None:
    await _handler(db)
    await _handler(db, phone="13600136000", region="620102001", role="township")  # not at this step
    await _handler(db, phone="13500135000", region="620102001002", role="village")  # another village
    record, created = await _submit(_services(db))
    assert created
    [message] = await outbox_messages(db)
    assert message.phone == HANDLER_PHONE and message.status == "pending"
    assert message.template == "gansu-yijian-2023.new_application"  # the chain's own wording, named
    assert record.receipt_display in message.text and "前入户核查" in message.text
    # the values the text was made from are stored with it: the provider's template gets exactly these
    assert message.params == {"receipt": record.receipt_display, "label": "", "due": message.params["due"]}
    assert message.params["due"].endswith("日") and message.params["due"] in message.text
    chain, _ = _services(db).chains.get("gansu-yijian-2023") or pytest.fail("no chain")
    assert chain.sms["new_application"].format_map(message.params) == message.text
    rows = await db.fetch("SELECT workflow_state, deadline, green FROM application WHERE id = {}", record.id)
    assert rows[0]["deadline"] is not None and rows[0]["workflow_state"] is not None


async def test_a_retried_submit_queues_nothing_more(db: Database) -> None:
    await _handler(db)
    services = _services(db)
    first, _ = await _submit(services)
    again, created = await _submit(services)
    assert not created and again.id == first.id
    assert len(await outbox_messages(db)) == 1


async def test_a_failure_after_the_insert_rolls_back_application_and_sms(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _handler(db)

    async def broken(*args: Any, **kwargs: Any) -> int:
        raise RuntimeError("boom after the insert")

    monkeypatch.setattr("shenbao.cases.notices.enqueue_sms", broken)
    with pytest.raises(RuntimeError, match="boom"):
        await _submit(_services(db))
    assert await store.count_applications(db) == 0
    assert await outbox_messages(db) == []


async def test_an_unknown_year_still_stores_the_application_and_queues_the_sms(db: Database) -> None:
    await _handler(db)
    record, created = await _submit(_services(db, years_known=False))
    assert created and await store.count_applications(db) == 1
    [message] = await outbox_messages(db)
    assert record.receipt_display in message.text and "规定期限" in message.text
    rows = await db.fetch("SELECT workflow_state, deadline FROM application WHERE id = {}", record.id)
    state = (
        json.loads(rows[0]["workflow_state"])
        if isinstance(rows[0]["workflow_state"], str)
        else rows[0]["workflow_state"]
    )
    assert rows[0]["deadline"] is None  # 期限待定: the work goes on, the deadline is filled in later
    assert state["step"] == "household_check" and state["due_on"] is None and state["final_due_on"] is None


async def test_pending_deadlines_are_filled_in_when_the_calendar_learns_the_year(db: Database) -> None:
    await _handler(db)
    record, _ = await _submit(_services(db, years_known=False))
    assert await fill_pending_deadlines(db, _services(db, years_known=False).chains) == 0
    assert await fill_pending_deadlines(db, _services(db).chains) == 1
    rows = await db.fetch("SELECT workflow_state, deadline FROM application WHERE id = {}", record.id)
    raw = rows[0]["workflow_state"]
    state = json.loads(raw) if isinstance(raw, str) else raw
    assert rows[0]["deadline"] is not None and state["due_on"] == str(rows[0]["deadline"])
    assert [row["action"] for row in state["history"]] == ["submit"]  # the history is kept
    assert await fill_pending_deadlines(db, _services(db).chains) == 0


async def test_dispatch_sends_once_and_marks_sent(db: Database) -> None:
    params = {"receipt": "2606 0100 0001", "reason": '收入"高于"标准{due}', "label": ""}
    queued = QueuedSms(phone=HANDLER_PHONE, template="t", text="hello", params=params)
    await enqueue_sms(db, [queued], now=_NOW)
    gateway = Recording()
    assert await dispatch_due(db, gateway, _NOW) == 1
    assert await dispatch_due(db, gateway, _NOW + timedelta(hours=1)) == 0
    assert [(sms.text, sms.params) for sms in gateway.sent] == [("hello", params)]
    [message] = await outbox_messages(db)
    assert message.status == "sent" and message.sent_at is not None and message.attempts == 1
    assert message.params == params
    assert await pending_count(db) == 0


async def test_a_message_without_values_is_stored_with_none(db: Database) -> None:
    await enqueue_sms(db, [QueuedSms(phone=HANDLER_PHONE, template="t", text="hello")], now=_NOW)
    [message] = await outbox_messages(db)
    assert message.params == {}
    raw = (await db.fetch("SELECT params FROM outbox"))[0]["params"]
    assert (json.loads(raw) if isinstance(raw, str) else raw) == {}


async def test_the_database_refuses_values_that_are_not_an_object(db: Database) -> None:
    with pytest.raises(Exception, match=r"(?i)check"):
        await db.fetch(
            "INSERT INTO outbox (phone, template, text, status, attempts, next_attempt_at, last_error, created_at,"
            " params) VALUES ('1', 't', 'x', 'pending', 0, {}, '', {}, '[]')",
            _NOW,
            _NOW,
        )


async def test_a_failing_gateway_backs_off_then_gives_up(db: Database) -> None:
    await enqueue_sms(db, [QueuedSms(phone=HANDLER_PHONE, template="t", text="hello")], now=_NOW)
    gateway = Recording(failures=100)
    now = _NOW
    assert await dispatch_due(db, gateway, now) == 0
    [message] = await outbox_messages(db)
    assert message.attempts == 1 and message.next_attempt_at == now + timedelta(seconds=30)
    assert message.last_error == "provider down"
    assert await dispatch_due(db, gateway, now + timedelta(seconds=29)) == 0  # not due yet
    assert (await outbox_messages(db))[0].attempts == 1
    for _ in range(MAX_ATTEMPTS - 1):
        now = (await outbox_messages(db))[0].next_attempt_at
        await dispatch_due(db, gateway, now)
    [message] = await outbox_messages(db)
    assert message.status == "failed" and message.attempts == MAX_ATTEMPTS
    assert await pending_count(db) == 0 and gateway.sent == []


async def test_a_gateway_that_recovers_sends_after_the_backoff(db: Database) -> None:
    await enqueue_sms(db, [QueuedSms(phone=HANDLER_PHONE, template="t", text="hello")], now=_NOW)
    gateway = Recording(failures=2)
    assert await dispatch_due(db, gateway, _NOW) == 0
    assert await dispatch_due(db, gateway, _NOW + timedelta(seconds=30)) == 0
    assert await dispatch_due(db, gateway, _NOW + timedelta(seconds=30) + timedelta(minutes=2)) == 1
    assert len(gateway.sent) == 1


def test_the_backoff_grows_and_ends() -> None:
    delays = [retry_delay(attempt) for attempt in range(1, MAX_ATTEMPTS + 1)]
    assert delays[:3] == [timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10)]
    known = [delay for delay in delays if delay is not None]
    assert len(known) == MAX_ATTEMPTS - 1 and known == sorted(set(known))
    assert delays[-1] is None


async def test_a_message_left_by_a_killed_process_is_sent_by_the_next(
    database_url: str, keys: Keyring, anyio_backend: str
) -> None:
    first = await open_database(database_url, keys=keys)
    await store.migrate(first)
    await _handler(first)
    await _submit(_services(first))
    await first.close()  # the process dies after the commit, before any dispatch

    second = await open_database(database_url, keys=keys)  # a fresh process on the same database
    try:
        gateway = Recording()
        assert await dispatch_due(second, gateway) == 1
        assert await dispatch_due(second, gateway) == 0
        assert len(gateway.sent) == 1 and gateway.sent[0].phone == HANDLER_PHONE
        assert [message.status for message in await outbox_messages(second)] == ["sent"]
    finally:
        await second.close()


async def test_a_claimed_message_is_sent_by_another_once_its_claimant_died(db: Database) -> None:
    await enqueue_sms(db, [QueuedSms(phone=HANDLER_PHONE, template="t", text="hello")], now=_NOW)
    [claimed] = await claim_due(db, _NOW, lease=LEASE)  # its dispatcher dies before sending it
    gateway = Recording()
    assert await dispatch_due(db, gateway, _NOW + LEASE - timedelta(seconds=1)) == 0  # still leased
    assert await dispatch_due(db, gateway, _NOW + LEASE) == 1
    assert [sms.text for sms in gateway.sent] == ["hello"] and claimed.text == "hello"


async def test_simultaneous_passes_send_each_message_once(db: Database) -> None:
    texts = [f"消息{number}" for number in range(60)]
    await enqueue_sms(
        db, [QueuedSms(phone=HANDLER_PHONE, template="t", text=text) for text in texts], now=_NOW
    )
    gateway = Recording()
    counts = await asyncio.gather(*(dispatch_due(db, gateway, _NOW) for _ in range(4)))
    assert sum(counts) == 60 and sorted(sms.text for sms in gateway.sent) == sorted(texts)
