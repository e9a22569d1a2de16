"""The use cases that take a step on an application: a decision, the household check, the appeal, on both engines.

Each owns its transaction: what it returns was stored with its SMS and audit row, and what it refuses left
nothing behind.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from shenbao import cases, store
from shenbao.china_time import to_china
from shenbao.forms import evaluate
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.staff.accounts import StaffAccounts
from shenbao.store.staff import StaffRecord, staff_by_username
from shenbao.workflow import Actor, TransitionRefused, apply
from shenbao.workflow.model import Accept, RecordCheck, Refuse
from shenbao.workflow.stored import history_of, workflow_json
from tests.support.packs import gansu_divisions
from tests.support.samples import one_click_2023

pytestmark = pytest.mark.anyio

FORM_ID = "gansu-yijian-2023"
VILLAGE, OTHER_VILLAGE = "620102001001", "620102001002"
NOW = dt.datetime.now(dt.UTC)
TODAY = to_china(NOW).date()  # the day submit_evaluated starts the chain on


@dataclass
class Packs:
    """The running platform as the use cases see it (:class:`shenbao.cases.Platform`)."""

    database: store.Database
    forms: FormRegistry = field(default_factory=lambda: FormRegistry.from_packs(["gansu"]))
    chains: ChainRegistry = field(default_factory=lambda: ChainRegistry.from_packs(["gansu"]))
    step_forms: FormRegistry = field(
        default_factory=lambda: FormRegistry.from_packs(["gansu"], folder="chains/forms")
    )


async def _staff(db: store.Database, username: str, role: str, region: str) -> StaffRecord:
    await StaffAccounts(db).add(
        username=username,
        role=role,
        region_code=region,
        password="correct-horse-9",
        phone="13700137000",
        divisions=gansu_divisions(),
    )
    found = await staff_by_username(db, username)
    assert found is not None
    return found[0]


async def _submitted(packs: Packs) -> store.ApplicationRecord:
    form = packs.forms.get(FORM_ID)
    assert form is not None
    record, created = await cases.submit_evaluated(
        packs, form, evaluate(form, one_click_2023()), idempotency_key="case-key", draft_token=None
    )
    assert created
    return record


async def _act(
    packs: Packs,
    staff: StaffRecord,
    application_id: int,
    action: Any,
    *,
    name: str = "accept",
    address: str = "",
) -> cases.Taken:
    """A decision taken on a page drawn with one history row (the submission), today."""
    return await cases.act(
        packs,
        staff,
        application_id,
        action,
        name=name,
        note="",
        seen="1",
        address=address,
        today=TODAY,
        now=NOW,
    )


async def _rows(db: store.Database, sql: str) -> list[dict[str, Any]]:
    return await db.fetch(sql)


async def _state(db: store.Database, application_id: int) -> tuple[str, int, str]:
    [row] = await db.fetch("SELECT workflow_state FROM application WHERE id = {}", application_id)
    raw = row["workflow_state"]
    state, history = history_of(raw if isinstance(raw, dict) else json.loads(raw))
    return state.step, len(history), state.status


@pytest.fixture
async def setting(db: store.Database) -> tuple[Packs, StaffRecord, store.ApplicationRecord]:
    packs = Packs(db)
    village = await _staff(db, "village", "village", VILLAGE)
    await _staff(db, "township", "township", VILLAGE[:9])
    return packs, village, await _submitted(packs)


async def test_a_decision_is_stored_with_its_sms_and_audit_row(setting: Any) -> None:
    packs, village, record = setting
    sms_before = len(await _rows(packs.database, "SELECT id FROM outbox"))
    taken = await _act(packs, village, record.id, Accept(), address="1.2.3.4")
    assert taken.found.record.id == record.id and taken.state.step == "household_check"
    assert await _state(packs.database, record.id) == ("household_check", 2, taken.state.status)
    audit = await _rows(
        packs.database,
        "SELECT action, username, target, detail, address FROM audit_log WHERE action LIKE 'decision.%'",
    )
    assert audit == [
        {
            "action": "decision.accept",
            "username": "village",
            "target": record.receipt_number,
            "detail": "村级入户核查",
            "address": "1.2.3.4",
        }
    ]
    assert len(await _rows(packs.database, "SELECT id FROM outbox")) >= sms_before


async def test_a_page_drawn_before_the_last_change_writes_nothing(setting: Any) -> None:
    packs, village, record = setting
    await _act(packs, village, record.id, Accept())
    with pytest.raises(cases.AlreadyDone):
        await _act(packs, village, record.id, Accept())
    assert len(await _rows(packs.database, "SELECT id FROM audit_log WHERE action LIKE 'decision.%'")) == 1


async def test_outside_the_region_nothing_is_found(setting: Any) -> None:
    packs, _, record = setting
    stranger = await _staff(packs.database, "stranger", "village", OTHER_VILLAGE)
    with pytest.raises(cases.NotInRegion):
        await _act(packs, stranger, record.id, Accept())


@pytest.mark.parametrize(
    ("action", "message"),
    [pytest.param(None, cases.decisions.CANNOT_ACT, id="unknown-action")],
)
async def test_what_cannot_be_taken_is_refused_with_its_reason(
    setting: Any, action: Any, message: str
) -> None:
    packs, village, record = setting
    with pytest.raises(TransitionRefused, match=message):
        await _act(packs, village, record.id, action, name="x")
    assert await _rows(packs.database, "SELECT id FROM audit_log WHERE action LIKE 'decision.%'") == []


async def test_the_engine_refusal_leaves_nothing(setting: Any) -> None:
    packs, village, record = setting
    before = await _state(packs.database, record.id)
    with pytest.raises(TransitionRefused):
        await _act(packs, village, record.id, Refuse(reason=""), name="refuse")
    assert await _state(packs.database, record.id) == before


async def test_a_check_is_not_saved_until_its_draft_is_complete(setting: Any) -> None:
    packs, village, record = setting
    await _act(packs, village, record.id, Accept())
    outcome = await cases.record_check(
        packs, village, record.id, draft_token="check-token", address="", today=TODAY, now=NOW
    )
    assert isinstance(outcome, cases.CheckIncomplete) and outcome.evaluation.missing
    assert (await _state(packs.database, record.id))[1] == 2


async def _refused_at_the_village(packs: Packs, record: store.ApplicationRecord) -> int:
    """Take the application through the village's steps to a refusal by the engine alone; its history's length."""
    found = packs.chains.get(FORM_ID)
    assert found is not None
    chain, calendar = found
    [row] = await packs.database.fetch("SELECT workflow_state FROM application WHERE id = {}", record.id)
    raw = row["workflow_state"]
    state, history = history_of(raw if isinstance(raw, dict) else json.loads(raw))
    village, events = Actor(id="village", role="village", region=VILLAGE), []
    for action in (Accept(), RecordCheck(answers={"summary": "入户核查"}), Refuse(reason="收入高于监测标准")):
        state, more = apply(chain, state, action, actor=village, today=TODAY, calendar=calendar)
        events += more
    await store.set_workflow_state(
        packs.database,
        record.id,
        state=workflow_json(state, history, events),
        deadline=state.due_on,
        green=state.green,
        status=state.status,
    )
    return (await _state(packs.database, record.id))[1]


async def test_an_appeal_reopens_a_refused_case_at_the_township_once(setting: Any) -> None:
    packs, _, record = setting
    seen = await _refused_at_the_village(packs, record)
    taken = await cases.appeal(
        packs, record.receipt_number, "我家今年有人住院", seen=str(seen), today=TODAY, now=NOW
    )
    assert (
        taken.state.status == "in_progress"
        and packs.chains.get(FORM_ID)[0].step(taken.state.step).role == "township"
    )
    texts = [row["template"] for row in await _rows(packs.database, "SELECT template FROM outbox")]
    assert f"{FORM_ID}.appeal" in texts  # the township's handlers are told, in the chain's own words
    with pytest.raises(cases.AlreadyDone):
        await cases.appeal(
            packs, record.receipt_number, "我家今年有人住院", seen=str(seen), today=TODAY, now=NOW
        )


async def test_an_application_outside_any_chain_cannot_be_appealed(setting: Any) -> None:
    packs, _, _ = setting
    with pytest.raises(TransitionRefused, match=cases.decisions.NOT_IN_CHAIN):
        await cases.appeal(packs, "000000000000", "理由写了十个字以上的内容", seen="1", today=TODAY, now=NOW)
