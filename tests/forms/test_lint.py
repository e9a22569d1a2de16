"""The linter: each small broken definition gives its code; the shipped definitions lint clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import msgspec
import pytest

from shenbao.forms.lint import CODES, lint_form, lint_path
from shenbao.forms.model import FormDef
from shenbao.paths import form_defs_dir


def choice(id: str, *values: str, **extra: Any) -> dict[str, Any]:
    options = [{"value": value, "label": value} for value in values or ("yes", "no")]
    return {"type": "single_choice", "id": id, "label": f"问题{id}", "options": options, **extra}


def form(*questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A one-section form around ``questions``, with the outcome ``stop``."""
    return {
        "id": "tiny",
        "version": 1,
        "title": "小表",
        "sections": [{"id": "main", "title": "第一页", "questions": list(questions)}],
        "outcomes": [{"id": "stop", "kind": "blocked", "message": "不能申请"}],
        **extra,
    }


def _lint(tmp_path: Path, definition: dict[str, Any]) -> list[tuple[str, str | None]]:
    folder = tmp_path / "pack" / "forms"
    folder.mkdir(parents=True)
    (folder / "tiny.json").write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    files, problems = lint_path(tmp_path)
    assert len(files) == 1
    return [(problem.code, problem.question) for problem in problems]


JUMP = {"when": 'a == "yes"', "to": "flag"}


def flagging(*questions: dict[str, Any], resume_at: str) -> dict[str, Any]:
    """:func:`form` with a flagged outcome ``flag`` that resumes at ``resume_at``."""
    flag = {"id": "flag", "kind": "flagged", "message": "仍然记录", "resume_at": resume_at}
    return form(*questions, outcomes=[flag])


PERSON = {
    "type": "fields",
    "id": "q4",
    "label": "申请人",
    "fields": [{"id": "name", "label": "姓名"}, {"id": "phone", "label": "电话", "kind": "phone"}],
}

BROKEN = [
    pytest.param({**form(choice("a")), "colour": "red"}, [("E001", None)], id="E001 unknown key"),
    pytest.param(form({**choice("a"), "required": "yes"}), [("E001", None)], id="E001 wrong type"),
    pytest.param(form({"type": "slider", "id": "a", "label": "滑块"}), [("E001", None)], id="E001 unknown type"),
    pytest.param(form(choice("a"), choice("a")), [("E002", "a")], id="E002 duplicate id"),
    pytest.param(form(choice("a", "x", "x")), [("E003", "a")], id="E003 duplicate option"),
    pytest.param(form(choice("a"), choice("b", visible_if="a ==")), [("E004", "b")], id="E004 syntax"),
    pytest.param(form(choice("a"), choice("b", visible_if="shout(a)")), [("E004", "b")],
                 id="E004 unknown function"),
    pytest.param(form(choice("a", checks=[{"rule": "a = 1", "message": "错"}])), [("E004", "a")],
                 id="E004 in a check"),
    pytest.param(form(choice("a"), choice("b", visible_if='zzz == "yes"')), [("E005", "b")],
                 id="E005 unknown question"),
    pytest.param(form(choice("a", visible_if='b == "yes"'), choice("b")), [("E006", "a")],
                 id="E006 reads a later question"),
    pytest.param(form(choice("a", jumps=[{"when": 'a == "yes"', "to": "nowhere"}])), [("E007", "a")],
                 id="E007 unknown outcome"),
    pytest.param(form(choice("a"), choice("b", visible_if='a == "maybe"')), [("E008", "b")],
                 id="E008 no answer shows it"),
    pytest.param(form(choice("a", jumps=[{"when": "true", "to": "stop"}]), choice("b")), [("E008", "b")],
                 id="E008 after a jump that always ends"),
    pytest.param(form(choice("a", visible_if='a == "yes"')), [("E009", "a")], id="E009 reads itself"),
    pytest.param(form({**choice("a"), "label": {"bo": "..."}}), [("E010", "a")], id="E010 label without zh"),
    pytest.param(form({"type": "multiple_choice", "id": "a", "label": "多选", "min_selections": 3,
                       "options": [{"value": "x", "label": "甲"}, {"value": "y", "label": "乙"}]}),
                 [("E011", "a")], id="E011 more ticks than options"),
    pytest.param(form(choice("a"), pledge="承诺", pledge_before="sign"), [("E012", None)],
                 id="E012 pledge before an unknown question"),
    pytest.param(form(choice("stop")), [("E013", "stop")], id="E013 outcome id is a question id"),
    pytest.param(form(choice("a"), applicant_name="name"), [("E014", None)], id="E014 name of no question"),
    pytest.param(form(choice("a"), applicant_name="a"), [("E014", None)], id="E014 name from a choice"),
    pytest.param(form(PERSON, applicant_name="q4"), [("E014", None)], id="E014 a fields question, no field"),
    pytest.param(form(PERSON, applicant_name="q4.phone"), [("E014", None)], id="E014 a phone field"),
    pytest.param(form(PERSON, applicant_name="q4.nick"), [("E014", None)], id="E014 an unknown field"),
    pytest.param(form({"type": "text", "id": "who", "label": "姓名"}, applicant_name="who.name"),
                 [("E014", None)], id="E014 a field of a text question"),
    pytest.param(flagging(choice("a", jumps=[JUMP]), choice("b"), resume_at="sign"), [("E015", None)],
                 id="E015 resumes at no question"),
    pytest.param(flagging(choice("a", jumps=[JUMP]), choice("b"), resume_at="a"), [("E016", "a")],
                 id="E016 resumes at the jumping question itself"),
    pytest.param(flagging(choice("a"), choice("b", jumps=[{"when": 'b == "yes"', "to": "flag"}]),
                          choice("c", jumps=[{"when": 'c == "yes"', "to": "flag"}]), resume_at="c"),
                 [("E016", "c")], id="E016 one of two jumps is not before the resume point"),
    pytest.param(form(choice("a", jumps=[{"when": 'a == "yes"', "to": "stop"}]), choice("b"),
                      outcomes=[{"id": "stop", "kind": "blocked", "message": "不能申请", "resume_at": "b"}]),
                 [("E017", None)], id="E017 a blocked outcome cannot resume"),
    pytest.param(flagging(choice("a", jumps=[{"when": "true", "to": "flag"}]), choice("b"), choice("c"),
                          resume_at="c"),
                 [("E008", "b")], id="E008 between an unconditional jump and its resume point"),
    pytest.param(form(choice("a", checks=[{"rule": "a != 1", "message": "选了{a}", "values": {"a": "a ="}}])),
                 [("E004", "a")], id="E004 in a check's value"),
    pytest.param(form(choice("a", checks=[{"rule": "a != 1", "message": "是{b}", "values": {"b": "zzz"}}])),
                 [("E005", "a")], id="E005 a check's value reads an unknown question"),
    pytest.param(form(choice("a", checks=[{"rule": "a != 1", "message": "选了{said}人"}])),
                 [("E018", "a")], id="E018 a placeholder without a value"),
    pytest.param(form(choice("a", checks=[{"rule": "a != 1", "message": "选了{a}", "values": {"b": "a"}}])),
                 [("E018", "a"), ("E018", "a")], id="E018 a placeholder misnamed, a value unused"),
    pytest.param(form(choice("a", checks=[{"rule": "a != 1", "message": "选了{a", "values": {"a": "a"}}])),
                 [("E018", "a"), ("E018", "a")], id="E018 an unclosed brace"),
    pytest.param(form(choice("a", checks=[{"rule": "a != 1", "message": {"zh": "选了{a}", "bo": "{b}"},
                                            "values": {"a": "a"}}])),
                 [("E018", "a")], id="E018 in another language"),
    pytest.param(form(choice("a"), choice("b", visible_if='a == "yes"'),
                      scenarios=[{"name": "选否也显示乙", "answers": {"a": "no"}, "expect": {"visible": ["b"]}}]),
                 [("E019", "b")], id="E019 a scenario fails"),
    pytest.param(form(choice("a", jumps=[{"when": 'a == "yes"', "to": "stop"}]),
                      scenarios=[{"name": "选是不能申请", "answers": {"a": "yes"}, "expect": {"outcome": None}}]),
                 [("E019", None)], id="E019 a scenario expects no outcome"),
    pytest.param(form(choice("a"), scenarios=[{"name": "答了丙", "answers": {"c": "yes"}, "expect": {}}]),
                 [("E020", None)], id="E020 a scenario answers no question of the form"),
    pytest.param(form(choice("a"), scenarios=[{"name": "转到别处", "answers": {}, "expect": {"outcome": "x"}}]),
                 [("E020", None)], id="E020 a scenario expects an unknown outcome"),
    pytest.param(form(choice("a"), scenarios=[{"name": "同名", "answers": {}, "expect": {}}] * 2),
                 [("E020", None)], id="E020 two scenarios of one name"),
    pytest.param(form(choice("a", visible_if="b"), choice("b"),
                      scenarios=[{"name": "不运行", "answers": {}, "expect": {"visible": ["zzz"]}}]),
                 [("E006", "a")],
                 id="scenarios do not run on a form whose rules are broken"),
    pytest.param(form(choice("a", checks=[{"rule": {"kind": "condition", "question": "a", "op": "is", "value": "maybe"},
                                           "message": "请选是"}])),
                 [("E021", "a")], id="E021 a rule tree compares with an option the question does not have"),
    pytest.param(form(choice("a", checks=[{"rule": {"kind": "any", "rules": [
                     {"kind": "condition", "question": "a", "op": "gt", "value": 1}, {"kind": "all"}]},
                                           "message": "请选是"}])),
                 [("E021", "a"), ("E021", "a")], id="E021 an operator that does not fit, an empty group"),
]  # fmt: skip


@pytest.mark.parametrize(("definition", "expected"), BROKEN)
def test_broken_definition(tmp_path: Path, definition: dict[str, Any], expected: list[Any]) -> None:
    assert _lint(tmp_path, definition) == expected


WIDGET_CODES = {"E022", "E023"}
"""Checked against the installed widgets, which a file linted on its own does not have: see the test below."""


def test_every_code_is_exercised() -> None:
    expected = (cast(list[tuple[str, str | None]], param.values[1]) for param in BROKEN)
    exercised = {code for problems in expected for code, _ in problems}
    assert exercised | WIDGET_CODES == set(CODES)


def test_a_questions_own_widget_is_installed_and_made_for_its_type() -> None:
    definition = msgspec.convert(
        form(
            {"type": "number", "id": "stars", "label": "几颗星", "widget": "stars"},
            {"type": "text", "id": "said", "label": "说说", "widget": "score"},
            {"type": "number", "id": "scored", "label": "几分", "widget": "score"},
        ),
        FormDef,
    )
    problems = lint_form(definition, "f.json", widgets={"score": "number", "text": None})
    assert [(problem.code, problem.question) for problem in problems] == [("E022", "stars"), ("E023", "said")]
    assert (
        lint_form(definition, "f.json") == []
    )  # without the installed widgets, nothing to check them against


@pytest.mark.parametrize(
    ("questions", "where"),
    [([PERSON], "q4.name"), ([{"type": "text", "id": "who", "label": "姓名"}], "who")],
    ids=["a text field", "a text question"],
)
def test_the_applicant_name_is_a_text_answer(tmp_path: Path, questions: list[Any], where: str) -> None:
    assert _lint(tmp_path, form(*questions, applicant_name=where)) == []


def test_a_sound_definition_lints_clean(tmp_path: Path) -> None:
    definition = form(
        choice("a", jumps=[{"when": 'a == "no"', "to": "stop"}]),
        choice("b", visible_if='a == "yes"', checks=[{"rule": '!(b == "no")', "message": "请选是"}]),
    )
    assert _lint(tmp_path, definition) == []


@pytest.mark.parametrize(
    "definition",
    [
        pytest.param(flagging(choice("a", jumps=[JUMP]), choice("b"), choice("c"), resume_at="c"),
                     id="resumes after the jump"),
        pytest.param(flagging(choice("a", jumps=[{"when": "true", "to": "flag"}]), choice("b"), resume_at="b"),
                     id="an unconditional jump that resumes at the next question"),
    ],
)  # fmt: skip
def test_a_flagged_outcome_may_resume(tmp_path: Path, definition: dict[str, Any]) -> None:
    assert _lint(tmp_path, definition) == []


def test_the_resume_problem_says_the_fix(tmp_path: Path) -> None:
    _lint(tmp_path, flagging(choice("a", jumps=[JUMP]), choice("b"), resume_at="a"))
    _, problems = lint_path(tmp_path)
    assert str(problems[0]) == (
        f"{tmp_path}/pack/forms/tiny.json: a: E016 a jump goes to outcome flag, which resumes at a: a does not "
        "come after this question, so the form would go back; resume at a question after every jump to flag"
    )


def test_a_check_showing_its_values_lints_clean(tmp_path: Path) -> None:
    check = {
        "rule": "a == total([b])",
        "message": {"zh": "选了{said}人，加起来是{sum}人，{{请核对}}", "bo": "{sum} {said}"},
        "values": {"said": "a", "sum": "total([b])"},
    }
    assert _lint(tmp_path, form(choice("a", "1", "2", checks=[check]), choice("b", "1", "2"))) == []


def test_a_placeholder_problem_says_what_to_do(tmp_path: Path) -> None:
    _lint(
        tmp_path,
        form(choice("a", checks=[{"rule": "a != 1", "message": "选了{said}", "values": {"n": "a"}}])),
    )
    _, problems = lint_path(tmp_path)
    assert [problem.message for problem in problems] == [
        "checks[0].message uses {said}, which is not one of its values (n)",
        "checks[0].values.n is computed but the message never shows it: add {n} to the message",
    ]


def test_problem_reads_file_question_code_and_message(tmp_path: Path) -> None:
    _lint(tmp_path, form(choice("a"), choice("a")))
    _, problems = lint_path(tmp_path)
    assert (
        str(problems[0]) == f"{tmp_path}/pack/forms/tiny.json: a: E002 question id a is used more than once"
    )


def test_format_error_names_the_json_path(tmp_path: Path) -> None:
    _lint(tmp_path, form({**choice("a"), "required": "yes"}))
    _, problems = lint_path(tmp_path)
    assert problems[0].message.endswith(
        "Expected `bool`, got `str` - at `$.sections[0].questions[0].required`"
    )


def test_shipped_definitions_lint_clean() -> None:
    files, problems = lint_path(form_defs_dir())
    assert {"gansu-yijian-2023.json", "gansu-zizhu-2021.json"} <= {file.name for file in files}
    assert [str(problem) for problem in problems] == []


def test_shenbao_lint_checks_questions_widgets_against_the_packs_widgets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from shenbao.cli.commands import lint

    forms = tmp_path / "demo" / "forms"
    forms.mkdir(parents=True)
    widget = tmp_path / "demo" / "widgets" / "score"
    widget.mkdir(parents=True)
    (widget / "widget.html").write_text("{% macro render(q, value) %}{% endmacro %}", encoding="utf-8")
    (widget / "widget.py").write_text(
        "from shenbao.forms.model import NumberQuestion\nfrom shenbao.widgets import WidgetHooks\n\n\n"
        "class Score(WidgetHooks[NumberQuestion]):\n    pass\n",
        encoding="utf-8",
    )
    questions = [
        {"type": "number", "id": "scored", "label": "几分", "widget": "score"},
        {"type": "number", "id": "stars", "label": "几颗星", "widget": "stars"},
    ]
    (forms / "f.json").write_text(json.dumps(form(*questions), ensure_ascii=False), encoding="utf-8")

    assert lint(str(tmp_path)) == 1

    printed = capsys.readouterr().out
    assert "stars: E022" in printed and "scored" not in printed
