"""Scenario tests: each kind of difference in its exact Chinese, the encoding of "no outcome", the problems of a
scenario that cannot run."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from msgspec import UNSET

from shenbao.forms import CompiledForm, FormDef, compile_form, decode_form
from shenbao.forms.scenarios import (
    Expectation,
    Scenario,
    run_scenario,
    run_scenarios,
    scenario_problems,
    summary,
)

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
