"""Decisions at steps of one county office, on both engines: each office decides its own steps in its own county.

The Gansu 2023 chain is served with its county steps split between two offices (县级审批 by 乡村振兴, 录入国家系统
by 民政). At each of those steps every account below is tried: the step's office of 城关区 acts; the other office,
the plain county account and the city are refused, in Chinese, naming whose step it is (nothing stored); the same
office of 七里河区 and the other city do not find the application at all.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from shenbao import cases, store
from shenbao.packs import ChainRegistry
from shenbao.store.staff import StaffRecord
from shenbao.workflow import Actor, TransitionRefused, apply
from shenbao.workflow.model import Accept, Approve, PassUp, RecordCheck
from shenbao.workflow.stored import history_of, workflow_json
from tests.cases.test_decisions import FORM_ID, NOW, TODAY, VILLAGE, Packs, _staff, _state, _submitted

pytestmark = pytest.mark.anyio

OFFICES = {"county_approval": "county:乡村振兴", "national_entry": "county:民政"}
ACCOUNTS = {  # username: role, region
    "xczx": ("county:乡村振兴", "620102"),
    "minzheng": ("county:民政", "620102"),
    "county": ("county", "620102"),
    "city": ("city", "6201"),
    "other_xczx": ("county:乡村振兴", "620103"),
    "other_minzheng": ("county:民政", "620103"),
    "other_city": ("city", "6202"),
}
WHOSE = {"county_approval": "xczx", "national_entry": "minzheng"}
ELSEWHERE = {"other_xczx", "other_minzheng", "other_city"}
"""Accounts whose region does not hold the application: they do not find it."""
REFUSED = {
    "county_approval": "现在是“县级审批”环节，应由县级（乡村振兴）办理人员办理",
    "national_entry": "现在是“录入国家系统”环节，应由县级（民政）办理人员办理",
}


def _officed() -> ChainRegistry:
    gansu = ChainRegistry.from_packs(["gansu"])
    served = gansu.get(FORM_ID)
    assert served is not None
    steps = [
        msgspec.structs.replace(step, role=OFFICES.get(step.id, step.role)) for step in served.chain.steps
    ]
    chain = msgspec.structs.replace(served.chain, steps=steps)
    return ChainRegistry({FORM_ID: (chain, served.calendar)}, packs={FORM_ID: "gansu"})


async def _to(packs: Packs, record_id: int, step_id: str) -> None:
    """Move the application to ``step_id`` by the engine alone, as each earlier step's own handler."""
    found = packs.chains.get(FORM_ID)
    assert found is not None
    chain, calendar = found
    [row] = await packs.database.fetch("SELECT workflow_state FROM application WHERE id = {}", record_id)
    raw = row["workflow_state"]
    state, history = history_of(raw if isinstance(raw, dict) else json.loads(raw))
    events: list[Any] = []
    handlers = {
        "village": Actor(id="v", role="village", region=VILLAGE),
        "township": Actor(id="t", role="township", region=VILLAGE[:9]),
        "county:乡村振兴": Actor(id="x", role="county:乡村振兴", region=VILLAGE[:6]),
    }
    accepted = False
    while state.step != step_id:
        step = chain.step(state.step)
        action: Any = {"household_check": Accept(), "county_approval": Approve()}.get(step.id, PassUp())
        if step.id == "household_check" and accepted:
            action = RecordCheck(answers={"summary": "入户核查"})
        accepted = accepted or step.id == "household_check"
        state, more = apply(chain, state, action, actor=handlers[step.role], today=TODAY, calendar=calendar)
        events += more
    await store.set_workflow_state(
        packs.database,
        record_id,
        state=workflow_json(state, history, events),
        deadline=state.due_on,
        green=state.green,
        status=state.status,
    )


async def _take(packs: Packs, staff: StaffRecord, record_id: int, step_id: str) -> cases.Taken:
    action = Approve() if step_id == "county_approval" else PassUp()
    name = "approve" if step_id == "county_approval" else "pass_up"
    seen = (await _state(packs.database, record_id))[1]
    return await cases.act(
        packs, staff, record_id, action, name=name, note="", seen=str(seen), address="", today=TODAY, now=NOW
    )


@pytest.mark.parametrize("step_id", list(WHOSE))
@pytest.mark.parametrize("username", list(ACCOUNTS))
async def test_each_office_decides_its_own_step_in_its_own_county(
    db: store.Database, step_id: str, username: str
) -> None:
    packs = Packs(db, chains=_officed())
    record = await _submitted(packs)
    await _to(packs, record.id, step_id)
    role, region = ACCOUNTS[username]
    staff = await _staff(db, username, role, region)
    before = await _state(db, record.id)
    if username == WHOSE[step_id]:
        taken = await _take(packs, staff, record.id, step_id)
        assert taken.state.step != step_id or taken.state.status != "in_progress"
        [audit] = await db.fetch("SELECT role FROM audit_log WHERE action LIKE 'decision.%'")
        assert audit["role"] == role  # the audit row keeps the office
        return
    if username in ELSEWHERE:
        with pytest.raises(cases.NotInRegion):
            await _take(packs, staff, record.id, step_id)
    else:
        with pytest.raises(TransitionRefused, match=REFUSED[step_id]):
            await _take(packs, staff, record.id, step_id)
    assert await _state(db, record.id) == before
    assert await db.fetch("SELECT id FROM audit_log WHERE action LIKE 'decision.%'") == []
