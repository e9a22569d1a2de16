"""The 2021 questionnaire's jumps to the outcomes q48/q49 and its cross-question checks."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms import CompiledForm, evaluate

from .support import zizhu_minimal

Q48 = "受政策限制,非农业户籍不能申请,请您理解!"
Q49 = "从现行政策规定看,您的家庭中存在不符合纳入监测对象的情况,但是我们仍然记录您的申请。"


def _position(form: CompiledForm, question: str) -> int:
    return [q.id for q in form.questions].index(question)


def test_non_agricultural_household_is_blocked_at_q48(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q5": "non_agri"})
    assert evaluation.outcome is not None
    assert (evaluation.outcome.id, evaluation.outcome.kind, evaluation.outcome.message) == (
        "q48",
        "blocked",
        Q48,
    )


def test_blocked_outcome_hides_every_later_question(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q5": "non_agri"})
    assert evaluation.visible == ["q1", "q4", "q5"]
    assert set(evaluation.answers) == {"q1", "q4", "q5"}
    assert evaluation.missing == []


def test_blocked_outcome_cannot_be_submitted(zizhu: CompiledForm) -> None:
    assert not evaluate(zizhu, {**zizhu_minimal(), "q5": "non_agri"}).submittable


@pytest.mark.parametrize("value", ["agri", "mixed"], ids=["agri", "mixed"])
def test_agricultural_or_mixed_household_goes_on(zizhu: CompiledForm, value: str) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q5": value})
    assert evaluation.outcome is None
    assert "q47" in evaluation.visible


FLAGGING = ["q24", "q26", "q27", "q28", "q29", "q30", "q31"]


@pytest.mark.parametrize("question", FLAGGING)
def test_yes_jumps_to_flagged_q49(zizhu: CompiledForm, question: str) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), question: "yes"})
    assert evaluation.outcome is not None
    assert (evaluation.outcome.id, evaluation.outcome.kind, evaluation.outcome.message) == (
        "q49",
        "flagged",
        Q49,
    )


PLEDGE_SECTION = ["q45", "q46", "materials", "q47"]
"""What q49 resumes at (resume_at q45): the signature, the photo, the documents and the closing notice."""
ALWAYS_BEFORE_Q23 = ["q1", "q4", "q5", "q6", "q7", "q8", "q9", "q11", "q12", "q13", "q14", "q15"]
"""What zizhu_minimal shows before the property section."""


@pytest.mark.parametrize("question", FLAGGING)
def test_flagged_outcome_skips_to_the_pledge(zizhu: CompiledForm, question: str) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), question: "yes"})
    jump = evaluation.visible.index(question)
    assert evaluation.visible[jump + 1 :] == PLEDGE_SECTION
    start, resume = _position(zizhu, question), _position(zizhu, "q45")
    between = {q.id for q in zizhu.questions if start < _position(zizhu, q.id) < resume}
    assert not between & (set(evaluation.visible) | set(evaluation.answers))  # skipped and not stored
    assert {"q45", "q46"} <= set(evaluation.answers)


@pytest.mark.parametrize("question", FLAGGING)
def test_flagged_application_is_still_submittable(zizhu: CompiledForm, question: str) -> None:
    assert evaluate(zizhu, {**zizhu_minimal(), question: "yes"}).submittable


@pytest.mark.parametrize(
    ("unanswered", "missing"),
    [
        pytest.param(("q45", "q46"), ["q45", "q46"], id="neither signed nor photographed"),
        pytest.param(("q45",), ["q45"], id="not signed"),
        pytest.param(("q46",), ["q46"], id="no photo"),
        pytest.param((), [], id="both given"),
    ],
)
def test_a_flagged_application_still_needs_the_signature_and_the_photo(
    zizhu: CompiledForm, unanswered: tuple[str, ...], missing: list[str]
) -> None:
    answers = {**zizhu_minimal(), "q26": "yes"}
    for question in unanswered:
        del answers[question]
    evaluation = evaluate(zizhu, answers)
    assert evaluation.missing == missing
    assert evaluation.submittable is not missing
    assert evaluation.outcome is not None and evaluation.outcome.id == "q49"  # resuming keeps the outcome


@pytest.mark.parametrize(
    ("changes", "visible", "outcome"),
    [
        pytest.param({"q5": "non_agri"}, ["q1", "q4", "q5"], "q48", id="q48 blocked ends everything"),
        pytest.param({"q5": "non_agri", "q26": "yes"}, ["q1", "q4", "q5"], "q48",
                     id="q48 before q49 still ends everything"),
        pytest.param({"q24": "yes", "q26": "yes"}, [*ALWAYS_BEFORE_Q23, "q23", "q24", *PLEDGE_SECTION], "q49",
                     id="q49 from q24: q25 to q44 are never asked"),
        pytest.param({"q31": "yes"}, [*ALWAYS_BEFORE_Q23, *(f"q{n}" for n in range(23, 32)), *PLEDGE_SECTION],
                     "q49", id="q49 from q31, the last jump"),
    ],
)  # fmt: skip
def test_what_a_jump_skips(
    zizhu: CompiledForm, changes: dict[str, str], visible: list[str], outcome: str
) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **changes})
    assert evaluation.outcome is not None and evaluation.outcome.id == outcome
    assert evaluation.visible == visible
    assert evaluation.submittable is (outcome == "q49")


@pytest.mark.parametrize(
    ("question", "value"),
    [
        *(pytest.param(question, "no", id=f"{question} no") for question in FLAGGING),
        pytest.param("q23", "yes", id="q23 other house yes does not jump"),
        pytest.param("q25", "d", id="q25 grade D does not jump"),
    ],
)
def test_answers_that_do_not_jump(zizhu: CompiledForm, question: str, value: str) -> None:
    assert evaluate(zizhu, {**zizhu_minimal(), question: value}).outcome is None


def test_first_jump_wins(zizhu: CompiledForm) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), "q5": "non_agri", "q24": "yes"})
    assert evaluation.outcome is not None
    assert evaluation.outcome.id == "q48"


# The household-size check: q13 must equal the sum of the shown age counts q15-q19.
HOUSEHOLD_OK = [
    pytest.param({"q13": 3, "q14": ["over_60", "age_18_60"], "q15": 1, "q16": 2}, id="1 + 2 = 3"),
    pytest.param(
        {"q13": 15, "q14": ["over_60", "age_18_60", "age_16_18", "age_6_16", "under_6"],
         "q15": 3, "q16": 3, "q17": 3, "q18": 3, "q19": 3}, id="five groups of 3 = 15",
    ),
    pytest.param({"q13": 2, "q14": ["over_60"], "q15": 2, "q16": 4}, id="a hidden count adds nothing"),
]  # fmt: skip


@pytest.mark.parametrize("changes", HOUSEHOLD_OK)
def test_household_size_matching_the_age_counts(zizhu: CompiledForm, changes: dict[str, Any]) -> None:
    assert "q13" not in evaluate(zizhu, {**zizhu_minimal(), **changes}).errors


HOUSEHOLD_WRONG = [
    pytest.param({"q13": 4, "q14": ["over_60", "age_18_60"], "q15": 1, "q16": 2}, 4, 3, id="1 + 2 is not 4"),
    pytest.param({"q13": 1, "q14": ["over_60", "under_6"], "q15": 1, "q19": 1}, 1, 2, id="1 + 1 is not 1"),
    pytest.param({"q13": 6, "q14": ["over_60"], "q15": 2, "q16": 4}, 6, 2, id="a hidden count is not added"),
]


@pytest.mark.parametrize(("changes", "said", "added"), HOUSEHOLD_WRONG)
def test_household_size_not_matching_is_an_error_at_q13_saying_both_numbers(
    zizhu: CompiledForm, changes: dict[str, Any], said: int, added: int
) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **changes})
    assert evaluation.errors == {
        "q13": [
            f"第13题：共同居住的家庭成员选了{said}人，但第15到19题各年龄段人数加起来是{added}人，"
            "请核对本题和第15到19题的人数"
        ]
    }
    assert not evaluation.submittable


HOUSEHOLD_WAITING = [
    pytest.param(
        {"q13": 4, "q14": ["over_60", "age_18_60"], "q15": 1, "q16": None}, id="q16 still unanswered"
    ),
    pytest.param(
        {"q13": 4, "q14": ["over_60", "age_18_60"], "q15": None, "q16": None}, id="no count answered"
    ),
    pytest.param({"q13": 4, "q14": [], "q15": None}, id="q14 still unanswered"),
]


@pytest.mark.parametrize("changes", HOUSEHOLD_WAITING)
def test_household_check_waits_for_the_age_counts(zizhu: CompiledForm, changes: dict[str, Any]) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **changes})
    assert "q13" not in evaluation.errors
    assert evaluation.missing  # what it waits for is reported as missing instead


# The students check: q9's 目前家里供养学生 options call for 有 at q20.
ADULT_AT_HOME: dict[str, Any] = {"q13": 1, "q14": ["age_18_60"], "q15": None, "q16": 1}
STUDENTS_OK = [
    pytest.param(
        {"q9": ["student_university"], "q20": "yes", "q21": ["university"], "q42": "under_5k"},
        id="q9 student and yes",
    ),
    pytest.param(
        {"q9": ["left_elderly"], "q20": "yes", "q21": ["below_grade9"], "q42": "under_5k"},
        id="yes without q9 student",
    ),
    pytest.param({"q9": ["left_elderly"], "q20": "no"}, id="no student anywhere"),
    pytest.param({"q8": "no", "q10": ["none"], "q9": ["student_high"], "q20": "no"}, id="q9 hidden"),
]
STUDENTS_WRONG = [
    pytest.param({"q9": [value], "q20": "no"}, id=f"q9 {value} and no")
    for value in ("student_vocational", "student_high", "student_college", "student_university")
]


@pytest.mark.parametrize("changes", STUDENTS_OK)
def test_students_consistent_with_q9(zizhu: CompiledForm, changes: dict[str, Any]) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **ADULT_AT_HOME, **changes})
    assert "q20" not in evaluation.errors
    assert evaluation.submittable


@pytest.mark.parametrize("changes", STUDENTS_WRONG)
def test_students_contradicting_q9_is_an_error_at_q20(zizhu: CompiledForm, changes: dict[str, Any]) -> None:
    evaluation = evaluate(zizhu, {**zizhu_minimal(), **ADULT_AT_HOME, **changes})
    assert evaluation.errors == {
        "q20": [
            "第20题：第9题选了家里供养学生，这里应选“有”；如果家里没有学生，请回到第9题去掉供养学生的选项"
        ]
    }
