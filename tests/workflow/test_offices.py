"""A chain through all the levels a province may use, with two offices of one county: who may act at each step.

The chain goes village → township → city (市州) → county:乡村振兴 → county:民政. Each actor below is tried at each
step: exactly the step's role (office included) in the application's region acts; anyone else is refused, in
Chinese, naming whose step it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shenbao.workflow import Actor, ApplicationState, Chain, TransitionRefused, apply, start
from shenbao.workflow.lint import decode_chain
from shenbao.workflow.model import Approve, Notify, PassUp
from shenbao.workflow.reminders import role_above

from .support import CALENDAR, SUBMITTED, VILLAGE
from .test_lint import _lint, chain, step, tiny_form

STEPS = [
    step("v", notify=[{"on": "enter", "to": "handler", "template": "hello"}]),
    step("t", role="township", actions=["pass_up", "refuse", "return"]),
    step("c", role="city", actions=["pass_up", "refuse", "return"]),
    step("x", role="county:乡村振兴", actions=["pass_up", "refuse", "return"],
         notify=[{"on": "enter", "to": "handler", "template": "hello"}]),
    step("m", role="county:民政", actions=["approve", "refuse", "return"]),
]  # fmt: skip
DEFINITION = chain(*STEPS, reminders={"escalate": "hello"})

ACTORS = {
    "village": Actor(id="1", role="village", region=VILLAGE),
    "township": Actor(id="2", role="township", region="620102001"),
    "city": Actor(id="3", role="city", region="6201"),  # 兰州市
    "other_city": Actor(id="4", role="city", region="6202"),  # 嘉峪关市
    "county": Actor(id="5", role="county", region="620102"),  # no office
    "xczx": Actor(id="6", role="county:乡村振兴", region="620102"),
    "other_xczx": Actor(id="7", role="county:乡村振兴", region="620103"),  # 七里河区
    "minzheng": Actor(id="8", role="county:民政", region="620102"),
    "other_minzheng": Actor(id="9", role="county:民政", region="620103"),
    "province": Actor(id="10", role="province", region="62"),
}
WHOSE = {"v": "village", "t": "township", "c": "city", "x": "xczx", "m": "minzheng"}
"""Who acts at each step (written out, not computed from the chain)."""
OUTSIDE = {"c": "other_city", "x": "other_xczx", "m": "other_minzheng"}
"""An account of the step's exact role whose region does not hold the application."""
LABELS = {"v": "村级", "t": "乡镇", "c": "市州级", "x": "县级（乡村振兴）", "m": "县级（民政）"}


@pytest.fixture(scope="module")
def offices() -> Chain:
    return decode_chain(json.dumps(DEFINITION, ensure_ascii=False).encode(), source="offices.json")


def _at(chain: Chain, step_id: str) -> ApplicationState:
    """An application from :data:`VILLAGE` passed up by each step's own handler until ``step_id``."""
    state, _ = start(chain, region=VILLAGE, submitted_on=SUBMITTED, answers={}, calendar=CALENDAR)
    while state.step != step_id:
        actor = ACTORS[WHOSE[state.step]]
        state, _ = apply(chain, state, PassUp(), actor=actor, today=SUBMITTED, calendar=CALENDAR)
    return state


CASES = [
    pytest.param(step_id, actor, id=f"{step_id}-{actor}")
    for step_id in WHOSE
    for actor in ACTORS
    if step_id != "m"  # the last step approves rather than passes up: tried apart below
]


@pytest.mark.parametrize(("step_id", "actor"), CASES)
def test_only_the_steps_own_role_in_its_region_acts(offices: Chain, step_id: str, actor: str) -> None:
    state = _at(offices, step_id)
    if actor == WHOSE[step_id]:
        moved, _ = apply(offices, state, PassUp(), actor=ACTORS[actor], today=SUBMITTED, calendar=CALENDAR)
        assert moved.step != step_id
        return
    with pytest.raises(TransitionRefused) as refused:
        apply(offices, state, PassUp(), actor=ACTORS[actor], today=SUBMITTED, calendar=CALENDAR)
    message = str(refused.value)
    if actor == OUTSIDE.get(step_id):
        assert "不在您的辖区" in message
    else:
        name = offices.step(step_id).name
        assert f"现在是“{name}”环节，应由{LABELS[step_id]}办理人员办理" in message


@pytest.mark.parametrize("actor", list(ACTORS))
def test_the_last_step_is_approved_by_the_civil_affairs_office_alone(offices: Chain, actor: str) -> None:
    state = _at(offices, "m")
    if actor == "minzheng":
        done, _ = apply(offices, state, Approve(), actor=ACTORS[actor], today=SUBMITTED, calendar=CALENDAR)
        assert done.status == "approved"
        return
    with pytest.raises(TransitionRefused) as refused:
        apply(offices, state, Approve(), actor=ACTORS[actor], today=SUBMITTED, calendar=CALENDAR)
    expected = "不在您的辖区" if actor == "other_minzheng" else "应由县级（民政）办理人员办理"
    assert expected in str(refused.value)


def test_the_sms_of_an_office_step_goes_to_that_office_at_the_county(offices: Chain) -> None:
    state = _at(offices, "c")
    _, events = apply(offices, state, PassUp(), actor=ACTORS["city"], today=SUBMITTED, calendar=CALENDAR)
    notices = [event for event in events if isinstance(event, Notify) and event.to == "handler"]
    assert [(notice.role, notice.region) for notice in notices] == [("county:乡村振兴", "620102")]


ESCALATIONS = {"v": "township", "t": "city", "c": "province", "x": "city", "m": "city"}
"""Whom an overdue step is escalated to: the role of the chain's first step of a higher level, else the province."""


@pytest.mark.parametrize(("step_id", "above"), ESCALATIONS.items())
def test_an_overdue_step_goes_to_the_chains_next_level_up(offices: Chain, step_id: str, above: str) -> None:
    assert role_above(offices.step(step_id).role, offices) == above


def test_escalation_keeps_the_gansu_rule_and_stops_at_the_province(yijian_chain: Chain) -> None:
    ups = {step.id: role_above(step.role, yijian_chain) for step in yijian_chain.steps}
    assert set(ups.values()) <= {"township", "county", "province"}
    assert ups["township_review"] == "county" and ups["county_approval"] == "province"
    assert role_above("province", yijian_chain) is None and role_above("province:民政厅") is None
    assert role_above("county:民政") == "province"  # without a chain: the top


def test_the_chain_lints_clean_and_a_bad_role_is_a_decode_error(tmp_path: Path) -> None:
    assert _lint(tmp_path / "good", DEFINITION) == []
    for bad in ("county:", "county:民 政", "prefecture", "county:民政:科"):
        broken: dict[str, Any] = chain(step("a", role=bad))
        assert _lint(tmp_path / bad.replace(":", "_").replace(" ", "_"), broken) == [("C001", None)], bad
    assert (
        _lint(
            tmp_path / "relief",
            chain(*STEPS, green_channel={"when": "true", "relief_roles": ["county:民政"]}),
        )
        == []
    )
    assert _lint(
        tmp_path / "relief-x", chain(*STEPS, green_channel={"when": "true", "relief_roles": ["county:财政"]})
    ) == [("C013", None)]
    assert tiny_form()["chain"] == "tiny"
