"""What changed between two versions of a chain, one sentence per change, table-driven on the 2023 chain."""

from __future__ import annotations

import pytest

from shenbao.packs import ChainRegistry
from shenbao.workflow.chain_diff import diff_chains
from shenbao.workflow.chain_edits import (
    AddNotification,
    AddStep,
    ChainEdit,
    MoveStep,
    RemoveStep,
    SetAppeal,
    SetChainDeadline,
    SetSmsTemplate,
    SetStepActions,
    SetStepDeadline,
    SetStepNames,
    SetStepRole,
    apply_chain_edit,
)
from shenbao.workflow.model import Chain


def _chain() -> Chain:
    found = ChainRegistry.from_packs(["gansu"]).get("gansu-yijian-2023")
    assert found is not None
    return found.chain


CHAIN = _chain()


def test_a_chain_compared_with_itself_has_no_change() -> None:
    assert diff_chains(CHAIN, CHAIN) == []


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        pytest.param(
            SetStepDeadline(step="household_check", working_days=7),
            "“村级入户核查”的期限由提交后5个工作日改为提交后7个工作日",
            id="deadline",
        ),
        pytest.param(
            SetStepNames(step="household_check", public_name="村里上门核查"),
            "“村级入户核查”农户看到的名称由“村级核查”改为“村里上门核查”",
            id="farmer-name",
        ),
        pytest.param(
            SetStepRole(step="household_check", role="township"),
            "“村级入户核查”改由乡镇办理（原为村级）",
            id="role",
        ),
        pytest.param(
            SetStepActions(step="household_check", actions=["accept", "record_check", "refuse"]),
            "“村级入户核查”可以不予纳入了",
            id="action-added",
        ),
        pytest.param(
            AddNotification(step="household_check", on="accept", to="handler", template="step_waiting"),
            "“村级入户核查”新增短信：受理时发给办理人（step_waiting）",
            id="notification",
        ),
        pytest.param(
            SetChainDeadline(working_days=20), "整个流程的期限由15个工作日改为20个工作日", id="chain-deadline"
        ),
        pytest.param(SetAppeal(role=None, days=None), "复核改为不能申请", id="appeal-off"),
        pytest.param(
            SetSmsTemplate(template="accepted", text="【甘肃一键报贫】您的申请{receipt}已受理。"),
            "短信模板 accepted 改为：【甘肃一键报贫】您的申请{receipt}已受理。",
            id="sms",
        ),
        pytest.param(RemoveStep(step="village_review"), "删去了环节“村内民主评议和公示”", id="step-removed"),
    ],
)
def test_each_change_is_one_sentence(edit: ChainEdit, expected: str) -> None:
    assert expected in diff_chains(CHAIN, apply_chain_edit(CHAIN, edit))


def test_a_new_step_and_a_new_order_are_told() -> None:
    added = apply_chain_edit(CHAIN, AddStep(after="household_check", role="village"))
    assert any(change.startswith("新增第2步") for change in diff_chains(CHAIN, added))
    moved = apply_chain_edit(CHAIN, MoveStep(step="check_answer", by=1))
    assert any(
        change.startswith("环节的顺序变了：村级入户核查 → 村内民主评议和公示 → 答复农户")
        for change in diff_chains(CHAIN, moved)
    )
