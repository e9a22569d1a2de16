"""The diff between two versions of a form: every kind of change, its class and its sentence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
import pytest

from shenbao.forms.diff import KINDS, SEVERITY_NAMES, Change, FormDiff, diff_forms
from shenbao.forms.model import FormDef

from .support import gansu_form

Edit = Callable[[dict[str, Any]], None]


def edited(form: FormDef, *edits: Edit) -> FormDef:
    """A copy of ``form`` with ``edits`` made to its JSON, decoded back (so it is a valid definition)."""
    data = msgspec.to_builtins(form)
    for edit in edits:
        edit(data)
    return msgspec.convert(data, FormDef)


def question(data: dict[str, Any], question_id: str) -> dict[str, Any]:
    return next(q for section in data["sections"] for q in section["questions"] if q["id"] == question_id)


def section(data: dict[str, Any], section_id: str) -> dict[str, Any]:
    return next(each for each in data["sections"] if each["id"] == section_id)


def set_q(question_id: str, **values: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target = question(data, question_id)
        for key, value in values.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value

    return edit


def set_form(**values: Any) -> Edit:
    return lambda data: data.update(values)


def add_q(section_id: str, at: int | None, **values: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        questions = section(data, section_id)["questions"]
        questions.insert(len(questions) if at is None else at, values)

    return edit


def delete_q(question_id: str) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        for each in data["sections"]:
            each["questions"] = [q for q in each["questions"] if q["id"] != question_id]

    return edit


def place_q(question_id: str, section_id: str, at: int) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        moved = question(data, question_id)
        delete_q(question_id)(data)
        section(data, section_id)["questions"].insert(at, moved)

    return edit


def set_option(question_id: str, which: Any, **values: Any) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        option = next(each for each in question(data, question_id)["options"] if each["value"] == which)
        option.update(values)

    return edit


def options(question_id: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target = question(data, question_id)
        target["options"] = change(target["options"])

    return edit


def fields(question_id: str, change: Callable[[list[dict[str, Any]]], list[dict[str, Any]]]) -> Edit:
    def edit(data: dict[str, Any]) -> None:
        target = question(data, question_id)
        target["fields"] = change(target["fields"])

    return edit


def set_section(section_id: str, **values: Any) -> Edit:
    return lambda data: section(data, section_id).update(values)


def set_outcome(outcome_id: str, **values: Any) -> Edit:
    return lambda data: next(each for each in data["outcomes"] if each["id"] == outcome_id).update(values)


def summary(diff: FormDiff) -> list[tuple[str, str | None, str]]:
    return [(change.kind, change.question, change.severity) for change in diff.changes]


@pytest.fixture(scope="module")
def form() -> FormDef:
    return gansu_form("gansu-zizhu-2021").definition


@pytest.mark.parametrize("name", ["gansu-zizhu-2021", "gansu-yijian-2023"])
def test_a_form_against_itself_has_no_change(name: str) -> None:
    definition = gansu_form(name).definition
    assert diff_forms(definition, definition).changes == []
    copy = edited(definition)  # equal, not the same object
    assert diff_forms(definition, copy) == FormDiff(changes=[])


# Each row: an edit of the 2021 form, then what diff(old, new) finds and what diff(new, old) finds (each a
# list of (kind, question, severity)), then a piece of the first forward sentence.
CLASSIFICATION = [
    pytest.param(
        [set_q("q8", label="您家里除了您还有别人吗")],
        [("label", "q8", "safe")],
        [("label", "q8", "safe")],
        "第3页第8题的题目文字由「您的家庭除您以外还有没有其他人」改为「您家里除了您还有别人吗」",
        id="label",
    ),
    pytest.param(
        [set_q("q8", label={"zh": "您的家庭除您以外还有没有其他人", "bo": "ཁྱིམ་ཚང་།"})],
        [("label", "q8", "safe")],
        [("label", "q8", "safe")],
        "第3页第8题的题目文字的藏文改了",
        id="label-other-language",
    ),
    pytest.param(
        [set_q("q8", help="住在一起的家人都算")],
        [("help", "q8", "safe")],
        [("help", "q8", "safe")],
        "新增「您的家庭除您以外还有没有其他人」（第3页，第8题）的说明「住在一起的家人都算」",
        id="help",
    ),
    pytest.param(
        [set_section("household", title="家里的情况")],
        [("section", None, "safe")],
        [("section", None, "safe")],
        "第3页的标题由「家庭情况」改为「家里的情况」",
        id="section-title",
    ),
    pytest.param(
        [add_q("household", 1, id="people", type="number", label="家里有几口人", required=False)],
        [("added", "people", "safe")],
        [("removed", "people", "safe")],
        "新增可选题「家里有几口人」（第3页，第9题）",
        id="new-optional-question",
    ),
    pytest.param(
        [add_q("pledge", None, id="remark", type="text", label="还有什么要说的")],
        [("added", "remark", "safe")],
        [("removed", "remark", "safe")],
        "新增必答题「还有什么要说的」（第7页，第48题），排在原有题目之后",
        id="new-required-question-at-the-end",
    ),
    pytest.param(
        [add_q("household", 1, id="people", type="number", label="家里有几口人")],
        [("added", "people", "breaking")],
        [("removed", "people", "safe")],
        "新增必答题「家里有几口人」（第3页，第9题），排在原有题目之间：已经填过这里的农户要回去补答",
        id="new-required-question-before-answered-ones",
    ),
    pytest.param(
        [add_q("pledge", None, id="thanks", type="notice", label="谢谢您的耐心")],
        [("added", "thanks", "safe")],
        [("removed", "thanks", "safe")],
        "新增说明文字「谢谢您的耐心」（第7页，第48题）",
        id="new-notice",
    ),
    pytest.param(
        [delete_q("q12")],
        [("removed", "q12", "safe")],
        [("added", "q12", "safe")],
        "删除了「请描述具体原因」（第3页，第12题）：以后不再问这道题，已提交的申请里的答案照旧保留",
        id="question-removed",
    ),
    pytest.param(
        [set_q("q11", min_selections=0)],
        [("limits", "q11", "safe")],
        [("limits", "q11", "breaking")],
        "「您的家庭存在可能返贫致贫的风险」（第3页，第11题）的最少要选的项数由1项改为0项，要求放宽了",
        id="fewer-choices-required",
    ),
    pytest.param(
        [set_q("q11", max_selections=3)],
        [("limits", "q11", "breaking")],
        [("limits", "q11", "safe")],
        "的最多能选的项数由不限改为3项，要求更严了：已填的答案可能要改",
        id="max-choices",
    ),
    pytest.param(
        [set_q("q12", max_chars=300, min_chars=5)],
        [("limits", "q12", "safe"), ("limits", "q12", "safe")],
        [("limits", "q12", "breaking"), ("limits", "q12", "breaking")],
        "「请描述具体原因」（第3页，第12题）的最少字数由10个字改为5个字，要求放宽了",
        id="text-length",
    ),
    pytest.param(
        [set_q("q8", required=False)],
        [("required", "q8", "safe")],
        [("required", "q8", "breaking")],
        "「您的家庭除您以外还有没有其他人」（第3页，第8题）由必答改为可选",
        id="required-to-optional",
    ),
    pytest.param(
        [options("q5", lambda each: [*each, {"value": "other", "label": "其他"}])],
        [("options", "q5", "safe")],
        [("option_removed", "q5", "breaking")],
        "「您的户籍性质」（第2页，第5题）新增选项「其他」",
        id="new-option",
    ),
    pytest.param(
        [set_option("q5", "mixed", value="both")],
        [("option_removed", "q5", "breaking")],
        [("option_removed", "q5", "breaking")],
        "「您的户籍性质」（第2页，第5题）的选项「农业与非农混合」的值由“mixed”改为“both”：选了它的农户要重新选",
        id="option-value-renamed",
    ),
    pytest.param(
        [set_option("q5", "mixed", label="混合户籍")],
        [("options", "q5", "safe")],
        [("options", "q5", "safe")],
        "「您的户籍性质」（第2页，第5题）的选项「农业与非农混合」由「农业与非农混合」改为「混合户籍」",
        id="option-label",
    ),
    pytest.param(
        [options("q5", lambda each: each[::-1])],
        [("options", "q5", "safe")],
        [("options", "q5", "safe")],
        "「您的户籍性质」（第2页，第5题）的选项顺序调整了",
        id="option-order",
    ),
    pytest.param(
        [set_option("q32", "neighbour", exclusive=True)],
        [("options", "q32", "breaking")],
        [("options", "q32", "safe")],
        "的选项「邻居家取水」改为“选了它就不能选别的”：同时选了别的农户要重新选",
        id="exclusive-option",
    ),
    pytest.param(
        [place_q("q7", "household", 0)],
        [("moved", "q7", "safe")],
        [("moved", "q7", "safe")],
        "「当前居住地址」（第7题）由第2页移到了第3页",
        id="moved-to-another-page",
    ),
    pytest.param(
        [place_q("q24", "property", 0)],
        [("moved", "q24", "safe")],
        [("moved", "q23", "safe")],
        "换了位置，现在是这一页的第一道题",
        id="moved-within-its-page",
    ),
    pytest.param(
        [set_q("q9", visible_if='q8 == "no"')],
        [("rule", "q9", "breaking")],
        [("rule", "q9", "breaking")],
        "「您家里有没有以下情况」（第3页，第9题）的显示条件改了：原来第8题选“有”时显示，现在第8题选“没有”时显示",
        id="display-rule",
    ),
    pytest.param(
        [set_q("q2", visible_if=None)],
        [("rule", "q2", "breaking")],
        [("rule", "q2", "breaking")],
        "的显示条件改了：原来第1题选“代人办理”时显示，现在总是显示",
        id="display-rule-removed",
    ),
    pytest.param(
        [set_q("q24", jumps=[{"when": 'q24 == "yes"', "to": "q48"}])],
        [("rule", "q24", "breaking")],
        [("rule", "q24", "breaking")],
        "的跳转改了：原来第24题选“有”时转到提示页“从现行政策规定看,您的家庭中存在…”，再从第45题继续，"
        "现在第24题选“有”时转到结束页“受政策限制,非农业户籍不能申请,…”",
        id="jump",
    ),
    pytest.param(
        [set_q("q13", checks=[])],
        [("rule", "q13", "safe")],
        [("rule", "q13", "breaking")],
        "「请选择共同居住的家庭成员人数」（第4页，第13题）去掉了检查规则：须满足：",
        id="check-removed",
    ),
    pytest.param(
        [
            set_q(
                "q20",
                checks=[
                    {
                        "rule": {"kind": "condition", "question": "q20", "op": "is", "value": "yes"},
                        "message": "应选有",
                    }
                ],
            )
        ],
        [("rule", "q20", "breaking")],
        [("rule", "q20", "breaking")],
        "「家里有没有学生」（第4页，第20题）的检查规则改了：原来须满足：第9题“供养中专学生”“供养高中学生”“供养大专学生”"
        "“供养大学生”都没选，或者第20题选“有”，现在须满足：第20题选“有”",
        id="check-rule",
    ),
    pytest.param(
        [set_form(guide="新的申报指南"), set_form(pledge="新的承诺书")],
        [("form", None, "safe"), ("form", None, "safe")],
        [("form", None, "safe"), ("form", None, "safe")],
        "申报指南的文字改了",
        id="guide-and-pledge-wording",
    ),
    pytest.param(
        [set_form(chain="gansu-zizhu-2027")],
        [("chain", None, "breaking")],
        [("chain", None, "breaking")],
        "审批流程由“gansu-zizhu-2021”改为“gansu-zizhu-2027”：新提交的申请走新流程，已提交的申请照旧",
        id="chain",
    ),
    pytest.param(
        [set_q("q6", depth="township")],
        [("region", "q6", "breaking")],
        [("region", "q6", "breaking")],
        "「户籍地址」（第2页，第6题）要选到的一级由村改为乡镇：已选的地址要重新选",
        id="region-question",
    ),
    pytest.param(
        [set_q("q12", type="number", min_chars=None, max_chars=None, multiline=None)],
        [("type", "q12", "refused")],
        [("type", "q12", "refused")],
        "「请描述具体原因」（第3页，第12题）的题型由填空题改为数字题：同一道题不能改题型，请保留原题或删去它，"
        "另加一道新题（新题用新的编号）",
        id="type-changed",
    ),
    pytest.param(
        [fields("q4", lambda each: [*each, {"id": "wechat", "label": "微信号"}])],
        [("fields", "q4", "breaking")],
        [("fields", "q4", "safe")],
        "「申请人基本信息」（第1页，第4题）新增必填项「微信号」：已填过这道题的农户要补填",
        id="new-required-blank",
    ),
    pytest.param(
        [
            fields(
                "q3",
                lambda each: [
                    {**field, "verify": True} if field["id"] == "phone" else field for field in each
                ],
            )
        ],
        [("fields", "q3", "breaking")],
        [("fields", "q3", "safe")],
        "「代办人基本信息」（第1页，第3题）的填空「代办人联系电话」改为要用短信验证码确认",
        id="blank-verified",
    ),
    pytest.param(
        [set_outcome("q49", message="您的家庭有不符合政策的情况，我们仍然记录您的申请")],
        [("outcome", None, "safe")],
        [("outcome", None, "safe")],
        "结果页「从现行政策规定看,您的家庭中存在不符合纳入监测…」的文字由「从现行政策规定看,您的家庭中存在不符合纳入监测对象的情况,"
        "但是我们仍然记录您的…」改为「您的家庭有不符合政策的情况，我们仍然记录您的申请」",
        id="outcome-wording",
    ),
    pytest.param(
        [set_outcome("q49", kind="blocked", resume_at=None)],
        [("outcome", None, "breaking"), ("outcome", None, "breaking")],
        [("outcome", None, "breaking"), ("outcome", None, "breaking")],
        "由“可以申请但标记”改为“不能申请”",
        id="outcome-kind",
    ),
    pytest.param(
        [set_q("q45", signers="applicant")],
        [("limits", "q45", "safe")],
        [("limits", "q45", "breaking")],
        "「签名」（第7页，第45题）的签名人由全家人改为申请人本人",
        id="signers",
    ),
    pytest.param(
        [set_q("materials", max_files=3)],
        [("limits", "materials", "breaking")],
        [("limits", "materials", "safe")],
        "「户口簿、身份证照片」（第7页）的最多能传的文件数由6个改为3个，要求更严了：已填的答案可能要改",
        id="upload-files",
    ),
    pytest.param(
        [set_q("q47", body="提交后请留意短信")],
        [("label", "q47", "safe")],
        [("label", "q47", "safe")],
        "新增「记得点击确定并申请按钮,才能正式完成申请!」（第7页，第47题）的正文「提交后请留意短信」",
        id="notice-body",
    ),
    pytest.param(
        [set_q("q6", widget="map_picker")],
        [("display", "q6", "safe")],
        [("display", "q6", "safe")],
        "「户籍地址」（第2页，第6题）的显示方式（控件）由“默认”改为“map_picker”",
        id="widget",
    ),
    pytest.param(
        [set_form(applicant_name="q3.name")],
        [("form", None, "safe")],
        [("form", None, "safe")],
        "员工列表里的申请人姓名原来取自「申请人基本信息」（第1页，第4题）的「户主姓名」，"
        "现在取自「代办人基本信息」（第1页，第3题）的「代办人姓名」",
        id="applicant-name",
    ),
    pytest.param(
        [set_q("q7", fallback_depth="village")],
        [("limits", "q7", "breaking")],
        [("limits", "q7", "safe")],
        "「当前居住地址」（第2页，第7题）定位不到时要选到的一级由乡镇改为村",
        id="location-fallback",
    ),
    pytest.param(
        [set_option("q9", "inpatient", group="家里有病人")],
        [("options", "q9", "safe")],
        [("options", "q9", "safe")],
        "「您家里有没有以下情况」（第3页，第9题）的选项「有住院病人」的分组标题由「今年一年里家里有病人」改为「家里有病人」",
        id="option-group",
    ),
    pytest.param(
        [fields("q4", lambda each: each[::-1])],
        [("fields", "q4", "safe")],
        [("fields", "q4", "safe")],
        "「申请人基本信息」（第1页，第4题）各填空的顺序调整了",
        id="blank-order",
    ),
    pytest.param(
        [set_q("materials", numbered=True)],
        [("display", "materials", "safe")],
        [("display", "materials", "safe")],
        "「户口簿、身份证照片」（第7页，第47题）开始编号，后面的题号跟着变",
        id="numbering",
    ),
]


@pytest.mark.parametrize(("edits", "forward", "backward", "sentence"), CLASSIFICATION)
def test_each_change_is_classed_both_ways(
    form: FormDef,
    edits: list[Edit],
    forward: list[tuple[str, str | None, str]],
    backward: list[tuple[str, str | None, str]],
    sentence: str,
) -> None:
    new = edited(form, *edits)
    there, back = diff_forms(form, new), diff_forms(new, form)
    assert summary(there) == forward
    assert summary(back) == backward
    assert sentence in there.changes[0].text
    assert all(change.kind in KINDS for change in [*there.changes, *back.changes])


def test_a_copy_with_a_dozen_edits_gives_exactly_these_changes(form: FormDef) -> None:
    new = edited(
        form,
        set_form(title="防止返贫监测对象申报"),
        set_q("q1", help=None),
        set_q("q5", label="户籍性质"),
        set_option("q5", "mixed", value="both"),
        add_q("residence", 2, id="years", type="number", label="在本村住了几年", required=False),
        set_q("q9", visible_if='q8 == "yes" && q1 == "self"'),
        delete_q("q12"),
        place_q("q7", "household", 0),
        set_q("q21", max_selections=2),
        set_q("q22", required=False),
        options("q34", lambda each: [*each, {"value": "unsure", "label": "不清楚"}]),
        set_q("q38", type="multiple_choice"),
        add_q(
            "income",
            0,
            id="debt",
            type="single_choice",
            label="家里有没有欠债",
            options=[{"value": "yes", "label": "有"}, {"value": "no", "label": "没有"}],
        ),
        set_section("pledge", title="承诺与签字"),
    )
    found = diff_forms(form, new).changes
    assert [(change.severity, change.kind, change.question, change.text) for change in found] == [
        ("safe", "form", None, "表单标题由「防止返贫监测对象自主申报」改为「防止返贫监测对象申报」"),
        (
            "safe",
            "help",
            "q1",
            "去掉了「办理方式」（第1页，第1题）的说明「申请对象自己申请请选择本人办理,申请人因无法使用智能终端设备由他人代为申请的请…」",
        ),
        ("safe", "label", "q5", "第2页第5题的题目文字由「您的户籍性质」改为「户籍性质」"),
        (
            "breaking",
            "option_removed",
            "q5",
            "「户籍性质」（第2页，第5题）的选项「农业与非农混合」的值由“mixed”改为“both”：选了它的农户要重新选",
        ),
        ("safe", "added", "years", "新增可选题「在本村住了几年」（第2页，第7题）"),
        ("safe", "moved", "q7", "「当前居住地址」（第8题）由第2页移到了第3页"),
        (
            "breaking",
            "rule",
            "q9",
            "「您家里有没有以下情况」（第3页，第10题）的显示条件改了：原来第8题选“有”时显示，现在第9题选“有”，并且第1题选“本人办理”时显示",
        ),
        (
            "safe",
            "removed",
            "q12",
            "删除了「请描述具体原因」（第3页，第12题）：以后不再问这道题，已提交的申请里的答案照旧保留",
        ),
        (
            "breaking",
            "limits",
            "q21",
            "「家里学生具体情况」（第4页，第21题）的最多能选的项数由不限改为2项，要求更严了：已填的答案可能要改",
        ),
        (
            "safe",
            "required",
            "q22",
            "「家里有6-16周岁义务教育阶段适龄儿童但没有上…」（第4页，第22题）由必答改为可选",
        ),
        (
            "breaking",
            "added",
            "debt",
            "新增必答题「家里有没有欠债」（第6页，第32题），排在原有题目之间：已经填过这里的农户要回去补答",
        ),
        ("safe", "options", "q34", "「家里有没有吃低保或特困」（第6页，第35题）新增选项「不清楚」"),
        (
            "refused",
            "type",
            "q38",
            "「您家里所有人都买了城乡居民基本医保(新农合)吗?」（第6页，第39题）的题型由单选题改为多选题：同一道题不能改题型，请保留原题或删去它，另加一道新题（新题用新的编号）",
        ),
        ("safe", "section", None, "第7页的标题由「承诺与签名」改为「承诺与签字」"),
    ]


def test_the_groups_and_the_summary_properties(form: FormDef) -> None:
    new = edited(
        form,
        set_q("q8", label="家里还有别人吗"),
        set_q("q12", type="number", min_chars=None, max_chars=None, multiline=None),
        set_q("q11", max_selections=3),
    )
    diff = diff_forms(form, new)
    assert diff.breaking and not diff.safe_only
    assert [change.question for change in diff.refused] == ["q12"]
    groups = diff.by_severity()
    assert list(groups) == ["refused", "breaking", "safe"] == list(SEVERITY_NAMES)
    assert [[change.question for change in each] for each in groups.values()] == [["q12"], ["q11"], ["q8"]]
    assert diff.of_question("q8") == [groups["safe"][0]]
    wording = diff_forms(form, edited(form, set_q("q8", label="家里还有别人吗")))
    assert wording.safe_only and not wording.breaking and wording.refused == []
    assert list(wording.by_severity()) == ["safe"]
    assert FormDiff(changes=[]).safe_only


def test_a_change_is_plain_data() -> None:
    change = Change(kind="label", question="q8", text="第3页第8题的题目文字改了", severity="safe")
    assert msgspec.json.decode(msgspec.json.encode(FormDiff(changes=[change])), type=FormDiff).changes == [
        change
    ]


def test_pages_added_removed_and_moved(form: FormDef) -> None:
    def reorder(data: dict[str, Any]) -> None:
        data["sections"].insert(0, data["sections"].pop(4))
        data["sections"].append({"id": "extra", "title": "补充", "questions": []})

    new = edited(form, reorder)
    assert [(change.kind, change.text) for change in diff_forms(form, new).changes] == [
        ("section", "原第5页「住房与财产」移到了第1页"),
        ("section", "新增一页：第8页「补充」"),
    ]
    assert [(change.kind, change.text) for change in diff_forms(new, form).changes] == [
        ("section", "原第1页「住房与财产」移到了第5页"),
        ("section", "删除了原第8页「补充」"),
    ]


def test_the_routing_region_question_changing_is_breaking(form: FormDef) -> None:
    new = edited(form, add_q("method", 0, id="where", type="region", label="现住地址", depth="village"))
    changes = diff_forms(form, new).changes
    assert (changes[0].kind, changes[0].severity) == ("region", "breaking")
    assert (
        changes[0].text
        == "申请按哪道题的地址分派给村里，由「户籍地址」（第2页，第6题）改为「现住地址」（第1页，第1题）"
    )
    assert summary(diff_forms(form, new))[1:] == [("added", "where", "breaking")]


def test_a_rule_the_builder_rewrote_as_its_tree_is_the_same_rule(form: FormDef) -> None:
    tree = {"kind": "condition", "question": "q8", "op": "is", "value": "yes"}
    assert diff_forms(form, edited(form, set_q("q9", visible_if=tree))).changes == []
    changed = diff_forms(form, edited(form, set_q("q9", visible_if={**tree, "value": "no"})))
    assert [change.text for change in changed.changes] == [
        "「您家里有没有以下情况」（第3页，第9题）的显示条件改了：原来第8题选“有”时显示，现在第8题选“没有”时显示"
    ]


@pytest.fixture(scope="module")
def one_click() -> FormDef:
    """The 2023 form with a number question and a photo added, so each type's limits can change."""
    return edited(
        gansu_form("gansu-yijian-2023").definition,
        add_q("applicant", None, id="people", type="number", label="家里有几口人", min=1, max=20, unit="人"),
        add_q("applicant", None, id="house", type="photo", label="房屋照片"),
    )


# Each row: an edit of the 2023 form (with a number question and a photo), what diff(old, new) and diff(new, old)
# find, and the first forward sentence whole.
BY_TYPE = [
    pytest.param(
        [set_q("people", max=10)],
        [("limits", "people", "breaking")],
        [("limits", "people", "safe")],
        "「家里有几口人」（第1页，第7题）的最大值由20改为10，要求更严了：已填的答案可能要改",
        id="number-max-lowered",
    ),
    pytest.param(
        [set_q("people", min=0)],
        [("limits", "people", "safe")],
        [("limits", "people", "breaking")],
        "「家里有几口人」（第1页，第7题）的最小值由1改为0，要求放宽了",
        id="number-min-lowered",
    ),
    pytest.param(
        [set_q("people", unit="口")],
        [("label", "people", "safe")],
        [("label", "people", "safe")],
        "「家里有几口人」（第1页，第7题）的单位由「人」改为「口」",
        id="number-unit",
    ),
    pytest.param(
        [set_q("house", max_bytes=2 * 1024 * 1024)],
        [("limits", "house", "breaking")],
        [("limits", "house", "safe")],
        "「房屋照片」（第1页，第8题）的照片大小上限由5MB改为2MB，要求更严了：已填的答案可能要改",
        id="photo-size",
    ),
    pytest.param(
        [set_q("house", subject="房屋")],
        [("label", "house", "safe")],
        [("label", "house", "safe")],
        "新增「房屋照片」（第1页，第8题）的拍照内容「房屋」",
        id="photo-subject",
    ),
    pytest.param(
        [set_q("phone", verify=False)],
        [("limits", "phone", "safe")],
        [("limits", "phone", "breaking")],
        "「手机号码」（第1页，第3题）不再要短信验证码确认",
        id="phone-verified",
    ),
    pytest.param(
        [set_q("name", max_chars=40)],
        [("limits", "name", "safe")],
        [("limits", "name", "breaking")],
        "「申请人姓名」（第1页，第1题）的最多字数由30个字改为40个字，要求放宽了",
        id="text-max-length",
    ),
    pytest.param(
        [set_q("name", multiline=True)],
        [("display", "name", "safe")],
        [("display", "name", "safe")],
        "「申请人姓名」（第1页，第1题）的填写框改为多行",
        id="text-box",
    ),
    pytest.param(
        [set_q("consent", display="select")],
        [("display", "consent", "safe")],
        [("display", "consent", "safe")],
        "「是否同意对您和家里所有人的家庭经济状况进行核查？」（第1页，第6题）的显示方式由圆点单选改为下拉选择",
        id="choice-display",
    ),
    pytest.param(
        [set_q("consent", checks=[{"rule": 'consent == "agree"', "message": "请选同意"}])],
        [("rule", "consent", "safe")],
        [("rule", "consent", "safe")],
        "「是否同意对您和家里所有人的家庭经济状况进行核查？」（第1页，第6题）检查不通过时的提示改为「请选同意」",
        id="check-message",
    ),
    pytest.param(
        [set_q("address", root="6201")],
        [("region", "address", "breaking")],
        [("region", "address", "breaking")],
        "「户口所在的村」（第1页，第4题）可选的地区范围由“62”以下改为“6201”以下",
        id="region-root",
    ),
    pytest.param(
        [set_form(guide_min_seconds=30)],
        [("form", None, "safe")],
        [("form", None, "safe")],
        "阅读申报指南的最少时间由0秒改为30秒",
        id="guide-wait",
    ),
    pytest.param(
        [set_form(submit_label="提交申请")],
        [("form", None, "safe")],
        [("form", None, "safe")],
        "申请按钮由「确定并申请」改为「提交申请」",
        id="submit-label",
    ),
    pytest.param(
        [set_form(applicant_name=None)],
        [("form", None, "safe")],
        [("form", None, "safe")],
        "员工列表里的申请人姓名原来取自「申请人姓名」（第1页，第1题），现在不显示",
        id="applicant-name",
    ),
    pytest.param(
        [set_form(pledge="我承诺所填内容属实", pledge_before="consent")],
        [("form", None, "safe"), ("form", None, "safe")],
        [("form", None, "safe")],
        "新增了承诺书",
        id="pledge-added",
    ),
]


@pytest.mark.parametrize(("edits", "forward", "backward", "sentence"), BY_TYPE)
def test_each_question_types_own_changes_are_classed_both_ways(
    one_click: FormDef,
    edits: list[Edit],
    forward: list[tuple[str, str | None, str]],
    backward: list[tuple[str, str | None, str]],
    sentence: str,
) -> None:
    new = edited(one_click, *edits)
    there, back = diff_forms(one_click, new), diff_forms(new, one_click)
    assert (summary(there), summary(back)) == (forward, backward)
    assert there.changes[0].text == sentence


def test_a_draft_naming_a_question_it_does_not_have_is_still_told(form: FormDef) -> None:
    new = edited(form, set_form(pledge_before="gone"), set_outcome("q49", resume_at="q46"))
    assert [change.text for change in diff_forms(form, new).changes] == [
        "承诺书改为显示在不存在的题目“gone”之前",
        "到了结果页「从现行政策规定看,您的家庭中存在不符合纳入监测…」之后，改为从「请上传您的照片」（第7页，第46题）继续",
    ]
