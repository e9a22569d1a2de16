"""Table-driven: each bad input the builder can hold gives its error, in Chinese, at its place (the question, or the
form), saying what to do; a draft holds them (they are shown) instead of refusing the edit."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from shenbao.forms.editing import EditError, UpdateOption, apply_edit
from shenbao.forms.model import FormDef
from shenbao.web.admin.views import LABEL_LIMIT, draft_of


def _choice(question_id: str, **more: Any) -> dict[str, Any]:
    options = [{"value": "yes", "label": "有"}, {"value": "no", "label": "没有"}]
    return {
        "type": "single_choice",
        "id": question_id,
        "label": f"题目{question_id}",
        "options": options,
        **more,
    }


def _form(*questions: dict[str, Any], **more: Any) -> FormDef:
    return msgspec.convert(
        {
            "id": "bad",
            "version": 1,
            "title": "试",
            "sections": [{"id": "s1", "title": "页", "questions": list(questions)}],
            **more,
        },
        FormDef,
    )


def _condition(question: str, op: str, **operand: Any) -> dict[str, Any]:
    return {"kind": "condition", "question": question, "op": op, **operand}


BAD = [
    pytest.param(
        _form(_choice("a", visible_if='b == "yes"'), _choice("b")), "a", "显示条件用到了后面的题目 b",
        id="a rule that names a later question",
    ),
    pytest.param(
        _form(_choice("a"), _choice("b", visible_if='gone == "yes"')), "b", "显示条件用到的题目 gone 已不存在",
        id="a rule that names a deleted question",
    ),
    pytest.param(
        _form(_choice("a"), _choice("b", visible_if=_condition("a", "gt", value=3))), "b", "第1题是单选题，不能用“大于”，请换一个条件",
        id="an operator that does not fit the question's type",
    ),
    pytest.param(
        _form(_choice("a"), _choice("b", visible_if={"kind": "all", "rules": []})), "b", "这一组还没有条件，请添加条件或删掉这一组",
        id="an empty group",
    ),
    pytest.param(
        _form({**_choice("a"), "options": [{"value": "x", "label": "甲"}, {"value": "x", "label": "乙"}]}), "a",
        "选项的存储值 x 重复了：请删掉重复的选项",
        id="a duplicate option value",
    ),
    pytest.param(
        _form(_choice("a"), _choice("b", visible_if=_condition("a", "is", value="maybe"))), "b", "选项“maybe”已不存在",
        id="a removed option that a rule still uses",
    ),
    pytest.param(
        _form({**_choice("a"), "label": "长" * (LABEL_LIMIT + 1)}), "a", f"题目文字最多{LABEL_LIMIT}个字，现在有{LABEL_LIMIT + 1}个字",
        id="a label over its limit",
    ),
    pytest.param(
        _form(_choice("a", jumps=[{"when": 'a == "no"', "to": "nowhere"}])), "a", "跳转的去向 nowhere 不是本表单的结果",
        id="a jump to an outcome that is not there",
    ),
    pytest.param(
        _form({"type": "multiple_choice", "id": "a", "label": "多选", "min_selections": 3,
               "options": [{"value": "x", "label": "甲"}, {"value": "y", "label": "乙"}]}),
        "a", "“至少选几项”是 3，比选项还多",
        id="more selections asked for than there are options",
    ),
    pytest.param(
        _form(_choice("a"), {"type": "region", "id": "where", "label": "住址", "depth": "township"}, chain="gansu-zizhu-2021"),
        "where", "请把“选到哪一级”改为村级",
        id="a region question too shallow for its chain",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("definition", "place", "message"), BAD)
def test_each_bad_input_is_an_error_at_its_place(
    definition: FormDef, place: str | None, message: str
) -> None:
    from shenbao.packs import ChainRegistry

    chains = {chain.id: chain for chain in ChainRegistry.from_packs(["gansu"])}

    draft = draft_of(definition, chains=chains)

    assert any(message in problem for problem in draft.problems.get(place, [])), draft.problems


def test_a_value_stored_by_rules_and_applications_is_never_changed_by_a_label_edit() -> None:
    form = _form(_choice("a"))
    with pytest.raises(EditError, match="选项的存储值不能修改"):
        apply_edit(form, UpdateOption(question="a", value="yes", values={"value": "y"}))
