"""Editing who acts at a step down to an office: the editor's posts, the edits, their words and the version diff."""

from __future__ import annotations

import msgspec
import pytest

from shenbao.web.admin.chain_views import chain_edits, relief_choices
from shenbao.workflow.chain_diff import diff_chains
from shenbao.workflow.chain_edit_text import describe_chain_edit
from shenbao.workflow.chain_edits import (
    AddStep,
    ChainEdit,
    SetAppeal,
    SetGreenChannel,
    SetStepRole,
    apply_chain_edit,
)
from shenbao.workflow.lint import decode_chain

from .support import gansu_chain

GANSU = gansu_chain("gansu-yijian-2023")
STEP = GANSU.step("county_approval")


def _step_post(**changed: str) -> dict[str, str]:
    """The step form of 县级审批 as the editor posts it unchanged, with ``changed`` on top."""
    posted = {
        "op": "step",
        "step": STEP.id,
        "name": "县级审批",
        "public_name": str(STEP.public_name),
        "role": "county",
        "office": "",
        "working_days": str(STEP.deadline.working_days),
        "start": STEP.deadline.start,
        "actions._shown": "1",
        **{f"action.{action}": "1" for action in STEP.actions},
    }
    return {**posted, **changed}


@pytest.mark.parametrize(
    ("posted", "expected"),
    [
        ({"office": "民政"}, [SetStepRole(step="county_approval", role="county:民政")]),
        ({"office": " 民政 "}, [SetStepRole(step="county_approval", role="county:民政")]),
        ({"role": "city"}, [SetStepRole(step="county_approval", role="city")]),
        ({"role": "city", "office": "Civil2"}, [SetStepRole(step="county_approval", role="city:Civil2")]),
        ({}, []),
    ],
    ids=["office", "office-spaces", "city", "city-office", "unchanged"],
)
def test_the_step_form_posts_a_level_and_an_office(posted: dict[str, str], expected: list[ChainEdit]) -> None:
    edits = chain_edits(GANSU, _step_post(**posted))
    assert [edit for edit in edits if isinstance(edit, SetStepRole)] == expected


@pytest.mark.parametrize("office", ["民 政", "民政:科", "一二三四五六七八九十一"])
def test_a_bad_office_is_refused_in_chinese(office: str) -> None:
    for posted in (
        _step_post(office=office),
        {"op": "add_step", "step": STEP.id, "role": "county", "office": office},
        {"op": "appeal", "role": "county", "office": office, "days": "5"},
    ):
        refused = chain_edits(GANSU, posted)
        assert isinstance(refused, str) and "科室名称" in refused, posted


def test_a_new_step_and_the_appeal_take_an_office() -> None:
    assert chain_edits(GANSU, {"op": "add_step", "step": STEP.id, "role": "county", "office": "民政"}) == [
        AddStep(after=STEP.id, role="county:民政")
    ]
    assert chain_edits(GANSU, {"op": "appeal", "role": "township", "office": "民政", "days": "5"}) == [
        SetAppeal(role="township:民政", days=5)
    ]


def test_relief_may_be_given_by_an_office_the_chain_names() -> None:
    changed = apply_chain_edit(GANSU, SetStepRole(step="county_approval", role="county:民政"))
    choices = dict(relief_choices(changed))
    assert list(choices)[:5] == ["village", "township", "county", "city", "province"]
    assert choices["county:民政"] == "县级（民政）"
    posted = {"op": "green", "when": "true", "relief.village": "1", "relief.county:民政": "1"}
    [edit] = chain_edits(changed, posted)
    assert isinstance(edit, SetGreenChannel) and edit.relief_roles == ["village", "county:民政"]


def test_the_words_name_the_office() -> None:
    edit = SetStepRole(step="county_approval", role="county:民政")
    assert describe_chain_edit(edit, GANSU) == "把“县级审批”环节改由县级（民政）办理"
    assert describe_chain_edit(AddStep(after=None, role="city"), GANSU).endswith("添加了一个市州级办理的环节")
    changed = apply_chain_edit(GANSU, edit)
    assert "“县级审批”改由县级（民政）办理（原为县级）" in diff_chains(GANSU, changed)
    assert decode_chain(msgspec.json.encode(changed)) == changed


def test_an_edit_with_a_role_of_no_level_is_not_decoded() -> None:
    with pytest.raises(msgspec.ValidationError, match=r"\$\.role"):
        msgspec.json.decode(b'{"op": "set_step_role", "step": "a", "role": "county:"}', type=ChainEdit)


def test_an_office_nobody_holds_is_warned_by_name() -> None:
    from shenbao.cases.chain_editing import check_chain

    changed = apply_chain_edit(GANSU, SetStepRole(step="county_approval", role="county:民政"))
    accounts = {"village", "township", "county", "county:乡村振兴"}  # the county, but not its 民政 office
    warned = [message for messages in check_chain(changed, {}, roles_with_accounts=accounts).warnings.values()
              for message in messages]  # fmt: skip
    assert any(
        "“县级审批”由县级（民政）办理，但全省还没有一个县级（民政）账号" in message for message in warned
    )
    held = check_chain(changed, {}, roles_with_accounts=accounts | {"county:民政"}).warnings
    assert not any("县级（民政）" in message for messages in held.values() for message in messages)
