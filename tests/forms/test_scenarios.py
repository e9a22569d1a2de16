"""Scenario tests: each kind of difference in its exact Chinese, the encoding of "no outcome", the problems of a
scenario that cannot run, the Gansu forms' own scenarios, and what breaking a rule of the 2021 form does to them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from msgspec import UNSET

from shenbao.forms import CompiledForm, FormDef, compile_form, decode_form, load_form
from shenbao.forms.lint import CODES, lint_path
from shenbao.forms.model import Question
from shenbao.forms.scenarios import (
    Expectation,
    Scenario,
    ScenarioResult,
    run_scenario,
    run_scenarios,
    scenario_problems,
    summary,
)

from .support import FORM_FILES

BLOCKED = "受政策限制，不能申请，请您理解"
FLAGGED = "从现行政策规定看，您的家庭中存在不符合纳入监测对象的情况，但是我们仍然记录您的申请。"
FLAGGED_START = "从现行政策规定看，您的家庭中存在…"
"""The flagged outcome as a difference names it: its message's first 16 characters."""


def _choice(id: str, *values: str, **extra: Any) -> dict[str, Any]:
    options = [{"value": value, "label": value} for value in values or ("yes", "no")]
    return {"type": "single_choice", "id": id, "label": f"问题{id}", "options": options, **extra}


TINY: dict[str, Any] = {
    "id": "tiny",
    "version": 1,
    "title": "小表",
    "sections": [
        {
            "id": "main",
            "title": "第一页",
            "questions": [
                _choice("a", "yes", "no", "out", jumps=[{"when": 'a == "out"', "to": "stop"}]),
                _choice("b", visible_if='a == "yes"', jumps=[{"when": 'b == "yes"', "to": "flag"}]),
                {
                    "type": "number",
                    "id": "n",
                    "label": "人数",
                    "checks": [
                        {"rule": "n <= 5", "message": "人数不能超过5人，现在是{n}人", "values": {"n": "n"}}
                    ],
                },
                {
                    "type": "text",
                    "id": "remark",
                    "label": "备注",
                    "required": False,
                    "numbered": False,
                    "min_chars": 10,
                },
            ],
        }
    ],
    "outcomes": [
        {"id": "stop", "kind": "blocked", "message": BLOCKED},
        {"id": "flag", "kind": "flagged", "message": FLAGGED},
    ],
}
"""Four questions, 第1题 to 第3题 and the unnumbered “备注”; a blocked and a flagged outcome."""


def tiny(**extra: Any) -> FormDef:
    return decode_form(json.dumps({**TINY, **extra}, ensure_ascii=False))


@pytest.fixture(scope="module")
def form() -> CompiledForm:
    return compile_form(tiny())


def scenario(answers: dict[str, Any], **expect: Any) -> Scenario:
    """A scenario decoded from JSON, as it is read from a form file."""
    data = {"name": "测试场景", "answers": answers, "expect": expect}
    return msgspec.json.decode(json.dumps(data, ensure_ascii=False), type=Scenario)


DIFFERENCES = [
    pytest.param({"a": "yes", "b": "no", "n": 3},
                 {"visible": ["b"], "hidden": [], "errors": {"n": []}, "missing": [], "outcome": None},
                 [], id="passes"),
    pytest.param({"a": "out"}, {}, [], id="nothing expected, nothing checked"),
    pytest.param({"a": "no"}, {"visible": ["b"]}, ["第2题应当显示，实际没有显示"], id="not shown"),
    pytest.param({"a": "yes"}, {"hidden": ["b"]}, ["第2题应当隐藏，实际显示了"], id="not hidden"),
    pytest.param({"a": "no", "n": 3}, {"errors": {"n": ["不能超过5人"]}},
                 ["第3题应当有错误“不能超过5人”，实际没有"], id="no error"),
    pytest.param({"a": "no", "n": "三"}, {"errors": {"n": ["不能超过5人"]}},
                 ["第3题应当有错误“不能超过5人”，实际的错误是“请填写0到1000000之间的整数，不要带文字或小数点”"],
                 id="another error"),
    pytest.param({"a": "no", "n": 8}, {"errors": {"n": []}}, ["第3题不应有错误，实际有“人数不能超过5人，现在是8人”"],
                 id="an unexpected error"),
    pytest.param({"a": "no", "n": 1, "remark": "太短"}, {"errors": {"remark": []}},
                 ["“备注”不应有错误，实际有“如果填写，请写10到200个字，现在只有2个字”"],
                 id="an unnumbered question is named by its label"),
    pytest.param({"a": "no", "n": 1}, {"missing": ["n"]}, ["第3题应当是未填写的必答题，实际不是"],
                 id="not missing"),
    pytest.param({"a": "no"}, {"missing": []}, ["第3题不应是未填写的必答题，实际没有填写"],
                 id="missing though nothing should be"),
    pytest.param({"a": "yes", "b": "no", "n": 1}, {"outcome": "stop"}, [f"应当转到“{BLOCKED}”，实际没有转到"],
                 id="no outcome reached"),
    pytest.param({"a": "yes", "b": "yes"}, {"outcome": "stop"},
                 [f"应当转到“{BLOCKED}”，实际转到了“{FLAGGED_START}”"], id="another outcome reached"),
    pytest.param({"a": "out"}, {"outcome": None}, [f"不应转到任何结果，实际转到了“{BLOCKED}”"],
                 id="an outcome though none should be"),
    pytest.param({"a": "yes", "b": "no", "n": 9},
                 {"visible": ["n"], "hidden": ["b"], "errors": {"n": ["不能超过"]}, "missing": ["remark"],
                  "outcome": "flag"},
                 ["第2题应当隐藏，实际显示了", "“备注”应当是未填写的必答题，实际不是",
                  f"应当转到“{FLAGGED_START}”，实际没有转到"],
                 id="several, in the order shown, errors, missing, outcome"),
]  # fmt: skip


@pytest.mark.parametrize(("answers", "expect", "differences"), DIFFERENCES)
def test_differences_are_named_in_chinese(
    form: CompiledForm, answers: dict[str, Any], expect: dict[str, Any], differences: list[str]
) -> None:
    result = run_scenario(form, scenario(answers, **expect))
    assert [difference.text for difference in result.differences] == differences
    assert result.passed is not differences
    assert result.name == "测试场景"


def test_a_difference_names_the_question_it_concerns(form: CompiledForm) -> None:
    result = run_scenario(
        form, scenario({"a": "no", "n": 8}, visible=["b"], errors={"n": []}, outcome="stop")
    )
    assert [difference.question for difference in result.differences] == ["b", "n", None]


@pytest.mark.parametrize(
    ("text", "outcome", "missing"),
    [
        pytest.param("{}", UNSET, UNSET, id="left out: not checked"),
        pytest.param('{"outcome": null}', None, UNSET, id="null: no outcome"),
        pytest.param('{"outcome": "stop"}', "stop", UNSET, id="an id: that outcome"),
        pytest.param('{"missing": []}', UNSET, [], id="[]: nothing missing"),
    ],
)
def test_the_encoding_of_an_expectation(text: str, outcome: Any, missing: Any) -> None:
    expect = msgspec.json.decode(text, type=Expectation)
    assert (expect.outcome, expect.missing) == (outcome, missing)
    assert msgspec.json.decode(msgspec.json.encode(expect)) == json.loads(text)


def test_an_expectation_refuses_unknown_parts() -> None:
    with pytest.raises(msgspec.ValidationError, match="shown"):
        msgspec.json.decode('{"shown": ["q9"]}', type=Expectation)


PROBLEMS = [
    pytest.param({"answers": {"zzz": "yes"}}, ["答案里的“zzz”不是本表的题目：请改成本表题目的 id，或删去这项答案"],
                 id="an answer to no question"),
    pytest.param({"expect": {"visible": ["q9"]}}, ["应当显示里的“q9”不是本表的题目：请改成本表题目的 id，或删去它"],
                 id="shown"),
    pytest.param({"expect": {"hidden": ["q9"]}}, ["应当隐藏里的“q9”不是本表的题目：请改成本表题目的 id，或删去它"],
                 id="hidden"),
    pytest.param({"expect": {"errors": {"q9": []}}}, ["错误里的“q9”不是本表的题目：请改成本表题目的 id，或删去它"],
                 id="errors"),
    pytest.param({"expect": {"missing": ["q9"]}}, ["未填写里的“q9”不是本表的题目：请改成本表题目的 id，或删去它"],
                 id="missing"),
    pytest.param({"expect": {"visible": ["b"], "hidden": ["b"]}}, ["“b”同时写在应当显示和应当隐藏里：请只留一处"],
                 id="both shown and hidden"),
    pytest.param({"expect": {"errors": {"n": ["不能超过", ""]}}},
                 ["“n”的错误里有空文字：请写出错误信息里的一段话，或写空列表 [] 表示这里不应有错误"],
                 id="an empty error text"),
    pytest.param({"expect": {"outcome": "q48"}},
                 ["应当转到的“q48”不是本表的结果（本表有：stop、flag）：请改成其中一个，或写 null 表示不应转到任何结果"],
                 id="an unknown outcome"),
]  # fmt: skip


@pytest.mark.parametrize(("parts", "problems"), PROBLEMS)
def test_scenario_problems(form: CompiledForm, parts: dict[str, Any], problems: list[str]) -> None:
    bad = scenario(parts.get("answers", {}), **parts.get("expect", {}))
    assert scenario_problems(form.definition, bad) == problems
    result = run_scenario(form, bad)
    assert not result.passed
    assert [(difference.question, difference.text) for difference in result.differences] == [
        (None, problem) for problem in problems
    ]


def test_an_outcome_on_a_form_without_outcomes() -> None:
    without = tiny(
        sections=[{"id": "main", "title": "第一页", "questions": [_choice("a")]}],
        outcomes=[],
    )
    assert scenario_problems(without, scenario({}, outcome="stop")) == [
        "本表没有结果可转，“stop”不存在：请删去 outcome，或写 null"
    ]
    assert scenario_problems(without, scenario({}, outcome=None)) == []


def test_run_scenarios_runs_the_forms_own_by_default() -> None:
    own = [
        {"name": "选是显示乙", "answers": {"a": "yes"}, "expect": {"visible": ["b"]}},
        {"name": "选否也显示乙", "answers": {"a": "no"}, "expect": {"visible": ["b"]}},
    ]
    compiled = compile_form(tiny(scenarios=own))
    results = run_scenarios(compiled)
    assert [(result.name, result.passed) for result in results] == [
        ("选是显示乙", True),
        ("选否也显示乙", False),
    ]
    assert run_scenarios(compiled, []) == []
    assert summary(results) == "2个场景中1个没有通过"
    assert summary(results[:1]) == "1个场景全部通过"
    assert summary([]) == "没有场景"


def test_a_form_file_keeps_its_scenarios_through_decoding_and_encoding() -> None:
    path = FORM_FILES / "gansu-zizhu-2021.json"
    definition = load_form(path)
    again = decode_form(msgspec.json.encode(definition))
    assert again.scenarios == definition.scenarios
    assert again == definition


# The Gansu forms' own scenarios.

GANSU = ("gansu-zizhu-2021", "gansu-yijian-2023")


def _gansu_definition(name: str) -> FormDef:
    return load_form(FORM_FILES / f"{name}.json")


SHIPPED = [
    pytest.param(name, index, id=f"{name}: {each.name}")
    for name in GANSU
    for index, each in enumerate(_gansu_definition(name).scenarios)
]


@pytest.mark.parametrize(("name", "index"), SHIPPED)
def test_every_shipped_scenario_passes(name: str, index: int) -> None:
    definition = _gansu_definition(name)
    result = run_scenario(compile_form(definition), definition.scenarios[index])
    assert result.differences == []
    assert result.passed


def test_both_gansu_forms_ship_scenarios_with_distinct_names() -> None:
    for name in GANSU:
        names = [each.name for each in _gansu_definition(name).scenarios]
        assert len(names) >= 5
        assert len(set(names)) == len(names)


def _replaced(definition: FormDef, question_id: str, **changes: Any) -> FormDef:
    """A copy of ``definition`` with ``changes`` made to one question."""

    def change(question: Question) -> Question:
        return msgspec.structs.replace(question, **changes) if question.id == question_id else question

    sections = [
        msgspec.structs.replace(section, questions=[change(question) for question in section.questions])
        for section in definition.sections
    ]
    return msgspec.structs.replace(definition, sections=sections)


def _failures(definition: FormDef) -> dict[str, list[str]]:
    """The failing scenarios by name, each with its differences."""
    results: list[ScenarioResult] = run_scenarios(compile_form(definition))
    return {
        result.name: [difference.text for difference in result.differences]
        for result in results
        if not result.passed
    }


BREAKS = [
    pytest.param("q9", {"visible_if": 'q8 == "no"'}, {
        "家里除本人还有其他人：问第9题家里的情况，不问第10题": "第9题应当显示，实际没有显示",
        "家里只有本人：问第10题个人的情况，不问第9题": "第9题应当隐藏，实际显示了",
    }, id="q9 shown on the wrong answer of q8"),
    pytest.param("q13", {"checks": []}, {
        "第13题人数和第15到19题加起来不一致：第13题报错": "第13题应当有错误“共同居住的家庭成员选了3人”，实际没有",
    }, id="the household-size check removed"),
    pytest.param("q20", {"checks": []}, {
        "第9题选了供养学生、第20题却选没有：第20题报错": "第20题应当有错误“第9题选了家里供养学生，这里应选“有””，实际没有",
    }, id="the students check removed"),
    pytest.param("q5", {"jumps": []}, {
        "非农户籍：转到第48题，不能申请，后面的题都不问": "应当转到“受政策限制,非农业户籍不能申请,…”，实际没有转到",
    }, id="the q48 jump removed"),
    pytest.param("q24", {"jumps": []}, {
        "第24题选有：转到第49题，仍然记录申请，之后只问签名和照片":
            "应当转到“从现行政策规定看,您的家庭中存在…”，实际没有转到",
    }, id="the q49 jump of q24 removed"),
    pytest.param("q3", {"visible_if": None}, {
        "本人办理：不问关系和代办人（第2、3题隐藏）": "第3题应当隐藏，实际显示了",
    }, id="q3 asked of everyone"),
    pytest.param("q40", {"visible_if": '"chronic" in q9'}, {
        "第10题选了长期慢性病：问吃药花销（第40题）": "第40题应当显示，实际没有显示",
    }, id="q40 forgets q10"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "changes", "expected"), BREAKS)
def test_breaking_a_rule_of_the_2021_form_fails_its_scenarios(
    question: str, changes: dict[str, Any], expected: dict[str, str]
) -> None:
    failures = _failures(_replaced(_gansu_definition("gansu-zizhu-2021"), question, **changes))
    for name, difference in expected.items():
        assert difference in failures.get(name, []), failures


def _rule_changes(question: Question) -> list[tuple[str, dict[str, Any]]]:
    """Each way of dropping one seed rule of ``question``: its display rule, jumps, checks, being required."""
    changes: list[tuple[str, dict[str, Any]]] = []
    if question.visible_if:
        changes += [("always shown", {"visible_if": None}), ("never shown", {"visible_if": "false"})]
    if question.jumps:
        changes.append(("no jumps", {"jumps": []}))
    if question.checks:
        changes.append(("no checks", {"checks": []}))
    if question.required and question.__struct_config__.tag != "notice":
        changes.append(("optional", {"required": False}))
    return changes


COVERAGE = [
    pytest.param(name, question.id, changes, id=f"{name} {question.id} {what}")
    for name in GANSU
    for question in _gansu_definition(name).questions()
    for what, changes in _rule_changes(question)
]


@pytest.mark.parametrize(("name", "question", "changes"), COVERAGE)
def test_every_rule_of_the_gansu_forms_is_guarded_by_a_scenario(
    name: str, question: str, changes: dict[str, Any]
) -> None:
    """Dropping any display rule, jump, check or required flag makes at least one shipped scenario fail."""
    assert _failures(_replaced(_gansu_definition(name), question, **changes))


def test_lint_reports_each_difference_of_a_failing_scenario(tmp_path: Path) -> None:
    definition = json.loads((FORM_FILES / "gansu-zizhu-2021.json").read_text(encoding="utf-8"))
    q9 = next(
        question
        for section in definition["sections"]
        for question in section["questions"]
        if question["id"] == "q9"
    )
    q9["visible_if"] = 'q8 == "no"'
    folder = tmp_path / "pack" / "forms"
    folder.mkdir(parents=True)
    (folder / "broken.json").write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    files, problems = lint_path(tmp_path)
    assert len(files) == 1
    assert {problem.code for problem in problems} == {"E019"}
    lines = [str(problem).split(": ", 1)[1] for problem in problems]
    assert (
        'q9: E019 scenario "家里除本人还有其他人：问第9题家里的情况，不问第10题" fails: 第9题应当显示，实际没有显示'
        in lines
    )
    assert CODES["E019"].startswith("scenario")
