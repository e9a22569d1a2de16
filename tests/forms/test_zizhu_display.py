"""Every display rule of the 2021 questionnaire, shown and hidden, one case per annotation."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms import CompiledForm, evaluate

from .support import zizhu_minimal

# Answers that put the family on the 8题选择没有 branch (q10 instead of q9).
ALONE: dict[str, Any] = {"q8": "no", "q9": None, "q10": ["none"]}
# An adult and a child of 6-16 at home, so q20 (students) is asked.
WITH_CHILD: dict[str, Any] = {"q13": 2, "q14": ["age_18_60", "age_6_16"], "q15": None, "q16": 1, "q18": 1}
ILL: dict[str, Any] = {"q9": ["inpatient"], "q37": "under_5k"}


def case(question: str, shown: bool, changes: dict[str, Any], id: str) -> Any:
    return pytest.param(question, shown, changes, id=id)


DISPLAY_RULES = [
    # q2 and q3: 代人办理 only (q3's annotation says 2题; q1 is meant).
    case("q2", True, {"q1": "proxy"}, "q2 shown for proxy"),
    case("q2", False, {"q1": "self"}, "q2 hidden for self"),
    case("q2", False, {"q1": None}, "q2 hidden while q1 is unanswered"),
    case("q3", True, {"q1": "proxy"}, "q3 shown for proxy at q1"),
    case("q3", False, {"q1": "self"}, "q3 hidden for self"),
    # 8题选择有 / 没有
    case("q9", True, {"q8": "yes"}, "q9 shown when q8 is yes"),
    case("q9", False, ALONE, "q9 hidden when q8 is no"),
    case("q9", False, {"q8": None}, "q9 hidden while q8 is unanswered"),
    case("q10", True, ALONE, "q10 shown when q8 is no"),
    case("q10", False, {"q8": "yes"}, "q10 hidden when q8 is yes"),
    # 14题选择 … 的显示
    case("q15", True, {"q14": ["over_60"]}, "q15 shown for over 60"),
    case("q15", False, {"q14": ["age_18_60"], "q16": 1}, "q15 hidden without over 60"),
    case("q16", True, {"q14": ["age_18_60"]}, "q16 shown for 18-60"),
    case("q16", False, {"q14": ["over_60"]}, "q16 hidden without 18-60"),
    case("q17", True, {"q14": ["age_16_18"]}, "q17 shown for 16-18"),
    case("q17", False, {"q14": ["over_60"]}, "q17 hidden without 16-18"),
    case("q18", True, {"q14": ["age_6_16"]}, "q18 shown for 6-16"),
    case("q18", False, {"q14": ["over_60"]}, "q18 hidden without 6-16"),
    case("q19", True, {"q14": ["under_6"]}, "q19 shown for under 6"),
    case("q19", False, {"q14": ["over_60"]}, "q19 hidden without under 6"),
    case("q15", False, {"q14": []}, "age counts hidden while q14 is unanswered"),
    # q20: 6-16, 16-18 or 18-60
    case("q20", True, {"q14": ["age_6_16"]}, "q20 shown for 6-16"),
    case("q20", True, {"q14": ["age_16_18"]}, "q20 shown for 16-18"),
    case("q20", True, {"q14": ["age_18_60"]}, "q20 shown for 18-60"),
    case("q20", False, {"q14": ["over_60", "under_6"]}, "q20 hidden for only over 60 and under 6"),
    # q21: 20题选择有
    case("q21", True, {**WITH_CHILD, "q20": "yes"}, "q21 shown when q20 is yes"),
    case("q21", False, {**WITH_CHILD, "q20": "no"}, "q21 hidden when q20 is no"),
    # q22: 6-16周岁儿童 and 20题选择没有
    case("q22", True, {**WITH_CHILD, "q20": "no"}, "q22 shown for 6-16 and no students"),
    case("q22", False, {**WITH_CHILD, "q20": "yes"}, "q22 hidden when q20 is yes"),
    case("q22", False, {"q14": ["age_16_18"], "q17": 1, "q20": "no"}, "q22 hidden without 6-16"),
    # q35 and q41: 9、10题选择任何残疾选项
    *(case("q35", True, {"q9": [value]}, f"q35 shown for q9 {value}") for value in
      ("disabled_1", "disabled_2", "disabled_3", "disabled_4")),
    *(case("q35", True, {**ALONE, "q10": [value]}, f"q35 shown for q10 {value}") for value in
      ("disabled_1", "disabled_2", "disabled_3", "disabled_4")),
    case("q35", False, {"q9": ["inpatient", "left_children"]}, "q35 hidden without disability"),
    case("q35", False, {**ALONE, "q10": ["chronic"]}, "q35 hidden for q10 without disability"),
    *(case("q41", True, {"q9": [value]}, f"q41 shown for q9 {value}") for value in
      ("disabled_1", "disabled_2", "disabled_3", "disabled_4")),
    *(case("q41", True, {**ALONE, "q10": [value]}, f"q41 shown for q10 {value}") for value in
      ("disabled_1", "disabled_2", "disabled_3", "disabled_4")),
    case("q41", False, {"q9": ["chronic"]}, "q41 hidden without disability"),
    # q36: 34题选择有
    case("q36", True, {"q34": "yes"}, "q36 shown when q34 is yes"),
    case("q36", False, {"q34": "no"}, "q36 hidden when q34 is no"),
    # q37: 9、10题选择任何与病有关选项
    *(case("q37", True, {"q9": [value]}, f"q37 shown for q9 {value}") for value in
      ("inpatient", "major_illness", "chronic", "deceased")),
    case("q37", True, {**ALONE, "q10": ["chronic"]}, "q37 shown for q10 chronic"),
    case("q37", True, {**ALONE, "q10": ["major_illness"]}, "q37 shown for q10 major_illness"),
    case("q37", False, {"q9": ["disabled_1", "student_high", "disaster"]}, "q37 hidden without illness in q9"),
    case("q37", False, {**ALONE, "q10": ["disabled_1", "mishap"]}, "q37 hidden without illness in q10"),
    # q38: 37题选择任何选项; q39: 38题选择没有
    case("q38", True, ILL, "q38 shown once q37 is answered"),
    case("q38", False, {"q9": ["inpatient"]}, "q38 hidden while q37 is unanswered"),
    case("q38", False, {"q37": "under_5k"}, "q38 hidden when q37 is hidden, whatever was sent"),
    case("q39", True, {**ILL, "q38": "no"}, "q39 shown when q38 is no"),
    case("q39", False, {**ILL, "q38": "yes"}, "q39 hidden when q38 is yes"),
    # q40: 9、10题选择任何与慢病有关选项
    case("q40", True, {"q9": ["chronic"]}, "q40 shown for q9 chronic"),
    case("q40", True, {**ALONE, "q10": ["chronic"]}, "q40 shown for q10 chronic"),
    case("q40", False, {"q9": ["major_illness", "inpatient"]}, "q40 hidden for illness that is not chronic"),
    case("q40", False, {**ALONE, "q10": ["major_illness"]}, "q40 hidden for q10 major_illness"),
    # q42: 9题选择供养学生任何选项或第21题选择任何选项
    *(case("q42", True, {"q9": [value]}, f"q42 shown for q9 {value}") for value in
      ("student_vocational", "student_high", "student_college", "student_university")),
    case("q42", True, {**WITH_CHILD, "q20": "yes", "q21": ["below_grade9"]}, "q42 shown for any q21 answer"),
    case("q42", False, {**WITH_CHILD, "q20": "yes"}, "q42 hidden while q21 is unanswered"),
    case("q42", False, {"q9": ["left_children"]}, "q42 hidden without students"),
    # q43: 9、10题选择遭遇自然灾害或者遭遇重大变故
    case("q43", True, {"q9": ["disaster"]}, "q43 shown for q9 disaster"),
    case("q43", True, {"q9": ["mishap"]}, "q43 shown for q9 mishap"),
    case("q43", True, {**ALONE, "q10": ["disaster"]}, "q43 shown for q10 disaster"),
    case("q43", True, {**ALONE, "q10": ["mishap"]}, "q43 shown for q10 mishap"),
    case("q43", False, {"q9": ["inpatient", "disabled_2"]}, "q43 hidden without disaster or mishap"),
]  # fmt: skip


@pytest.mark.parametrize(("question", "shown", "changes"), DISPLAY_RULES)
def test_display_rule(zizhu: CompiledForm, question: str, shown: bool, changes: dict[str, Any]) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **changes})
    assert (question in evaluation.visible) is shown


ALWAYS_SHOWN = ["q1", "q4", "q5", "q6", "q7", "q8", "q11", "q12", "q13", "q14", "q23", "q25", "q32", "q33",
                "q34", "q44", "q45", "q46", "q47"]  # fmt: skip


@pytest.mark.parametrize("question", ALWAYS_SHOWN)
def test_question_without_display_rule_is_always_shown(zizhu: CompiledForm, question: str) -> None:
    assert question in evaluate(zizhu, {}).visible


def test_minimal_application_is_submittable(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, zizhu_minimal())
    assert (evaluation.errors, evaluation.missing, evaluation.outcome) == ({}, [], None)
    assert evaluation.submittable


@pytest.mark.parametrize(
    ("changes", "dropped"),
    [
        pytest.param(
            {"q1": "self", "q2": "family", "q3": {"name": "王五"}}, ["q2", "q3"], id="proxy answers"
        ),
        pytest.param({"q8": "no", "q10": ["none"]}, ["q9"], id="q9 after q8 changes to no"),
        pytest.param({"q16": 2, "q17": 1}, ["q16", "q17"], id="counts of age groups not chosen"),
        pytest.param({"q37": "over_100k", "q38": "no"}, ["q37", "q38"], id="illness costs without illness"),
    ],
)
def test_hidden_answers_are_dropped(zizhu: CompiledForm, changes: dict[str, Any], dropped: list[str]) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **changes})
    assert not set(dropped) & set(evaluation.answers)
    assert evaluation.submittable  # what is hidden is neither stored nor checked


@pytest.mark.parametrize(
    ("question", "value", "unknown"),
    [
        pytest.param("q5", "city", "city", id="q5 a value that is no option"),
        pytest.param("q13", 16, "16", id="q13 sixteen people"),
        pytest.param("q13", "3人", "3人", id="q13 the label instead of the value"),
        pytest.param("q9", ["left_elderly", "flying"], "flying", id="q9 one unknown tick"),
    ],
)
def test_invalid_option_value_is_an_error(
    zizhu: CompiledForm, question: str, value: Any, unknown: str
) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), question: value})
    number = question.removeprefix("q")
    assert evaluation.errors[question] == [f"第{number}题：所选的“{unknown}”不在选项里，请从给出的选项中选择"]
    assert question not in evaluation.answers
