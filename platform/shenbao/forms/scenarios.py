"""Scenario tests: a form carries answers with what must follow, and every edit of its rules is checked against them.

A scenario (:class:`~shenbao.forms.model.Scenario`, kept in the form's file under ``scenarios``) is a set of
answers and an :class:`~shenbao.forms.model.Expectation`: which questions are shown, which are hidden, which
errors appear at which question, which required questions are left unanswered, and which outcome is reached, or
none. A part of the expectation left out is not checked. In JSON::

    {"name": "非农户籍不能申请",
     "answers": {"q1": "self", "q5": "non_agri"},
     "expect": {"hidden": ["q6", "q8"], "outcome": "q48"}}

``"outcome": null`` says the answers must reach no outcome; ``"missing": []`` says no required question is left
unanswered; ``"errors": {"q20": []}`` says question 20 must have no error.

:func:`run_scenario` evaluates the answers with :func:`~shenbao.forms.engine.evaluate` and lists, in Chinese,
each way the result differs, naming questions as the form does (第9题). ``shenbao lint`` runs every form's
scenarios (codes E019 and E020), so a pack whose rules broke a scenario fails CI, and a pack does not load;
:func:`summary` is the one-line verdict for a form builder's badge. The answers go through the compiled form's
cleaners: the linter's, the built-in ones, take the widgets' values (region, photo, signature) as given, so a
scenario tests the form's rules, not the widgets' own checks. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec
from msgspec import UNSET

from shenbao.forms.engine import CompiledForm, Evaluation, evaluate
from shenbao.forms.model import Expectation, FormDef, Outcome, Scenario, text_of

__all__ = [
    "Difference",
    "Expectation",
    "Scenario",
    "ScenarioResult",
    "run_scenario",
    "run_scenarios",
    "scenario_from",
    "scenario_problems",
    "summary",
]

_OUTCOME_CHARS = 16
"""How much of an outcome's message names it in a difference (``“受政策限制,非农业户籍不能申请…”``)."""


class Difference(msgspec.Struct, frozen=True, kw_only=True):
    """One way the evaluation differs from what the scenario expects."""

    question: str | None
    """The question it concerns (its id), or ``None`` for the outcome and for a scenario that cannot run."""
    text: str
    """What differed, in Chinese, naming the question as the form does: ``第9题应当显示，实际没有显示``."""


class ScenarioResult(msgspec.Struct, frozen=True, kw_only=True):
    """What running one scenario found: it passed, or each difference."""

    name: str
    passed: bool
    differences: list[Difference] = []


def _quoted(texts: Iterable[str]) -> str:
    return "、".join(f"“{text}”" for text in texts)


def _outcome_name(outcome: Outcome) -> str:
    """An outcome as a difference names it: the start of its message, in quotes."""
    message = text_of(outcome.message)
    start = message if len(message) <= _OUTCOME_CHARS else message[:_OUTCOME_CHARS] + "…"
    return f"“{start}”"


def scenario_problems(form: FormDef, scenario: Scenario) -> list[str]:
    """Why ``scenario`` cannot run on ``form``, in Chinese, each saying what to do; empty when it can.

    A scenario cannot run when its answers or its expectation name a question the form does not have (a
    question deleted or renamed since), expects an outcome the form does not have, lists a question as both
    shown and hidden, or expects an error text that is empty (it would match any error).
    """
    ids = {question.id for question in form.questions()}
    problems = [
        f"答案里的“{question_id}”不是本表的题目：请改成本表题目的 id，或删去这项答案"
        for question_id in scenario.answers
        if question_id not in ids
    ]
    expect = scenario.expect
    missing = [] if expect.missing is UNSET else expect.missing
    for part, listed in (
        ("应当显示", expect.visible),
        ("应当隐藏", expect.hidden),
        ("错误", list(expect.errors)),
        ("未填写", missing),
    ):
        problems += [
            f"{part}里的“{question_id}”不是本表的题目：请改成本表题目的 id，或删去它"
            for question_id in listed
            if question_id not in ids
        ]
    problems += [
        f"“{question_id}”同时写在应当显示和应当隐藏里：请只留一处"
        for question_id in expect.visible
        if question_id in expect.hidden
    ]
    problems += [
        f"“{question_id}”的错误里有空文字：请写出错误信息里的一段话，或写空列表 [] 表示这里不应有错误"
        for question_id, texts in expect.errors.items()
        if any(not text for text in texts)
    ]
    outcomes = [outcome.id for outcome in form.outcomes]
    if isinstance(expect.outcome, str) and expect.outcome not in outcomes:
        if outcomes:
            problems.append(
                f"应当转到的“{expect.outcome}”不是本表的结果（本表有：{'、'.join(outcomes)}）："
                "请改成其中一个，或写 null 表示不应转到任何结果"
            )
        else:
            problems.append(f"本表没有结果可转，“{expect.outcome}”不存在：请删去 outcome，或写 null")
    return problems


def _shown(form: CompiledForm, expect: Expectation, evaluation: Evaluation) -> list[Difference]:
    visible = set(evaluation.visible)
    differences = [
        Difference(question=question_id, text=f"{form.name_of(question_id)}应当显示，实际没有显示")
        for question_id in expect.visible
        if question_id not in visible
    ]
    differences += [
        Difference(question=question_id, text=f"{form.name_of(question_id)}应当隐藏，实际显示了")
        for question_id in expect.hidden
        if question_id in visible
    ]
    return differences


def _errors(form: CompiledForm, expect: Expectation, evaluation: Evaluation) -> list[Difference]:
    differences: list[Difference] = []
    for question_id, wanted in expect.errors.items():
        name = form.name_of(question_id)
        prefix = f"{name}："
        actual = evaluation.errors.get(question_id, [])
        bare = [message.removeprefix(prefix) for message in actual]
        if not wanted and actual:
            differences.append(
                Difference(question=question_id, text=f"{name}不应有错误，实际有{_quoted(bare)}")
            )
        for text in wanted:
            if any(text in message for message in actual):
                continue
            found = f"实际的错误是{_quoted(bare)}" if actual else "实际没有"
            differences.append(Difference(question=question_id, text=f"{name}应当有错误“{text}”，{found}"))
    return differences


def _missing(form: CompiledForm, expect: Expectation, evaluation: Evaluation) -> list[Difference]:
    if expect.missing is UNSET:
        return []
    wanted, actual = set(expect.missing), set(evaluation.missing)
    differences = [
        Difference(question=question_id, text=f"{form.name_of(question_id)}应当是未填写的必答题，实际不是")
        for question_id in expect.missing
        if question_id not in actual
    ]
    differences += [
        Difference(
            question=question_id, text=f"{form.name_of(question_id)}不应是未填写的必答题，实际没有填写"
        )
        for question_id in evaluation.missing
        if question_id not in wanted
    ]
    return differences


def _outcome(form: CompiledForm, expect: Expectation, evaluation: Evaluation) -> list[Difference]:
    if expect.outcome is UNSET:
        return []
    reached = evaluation.outcome
    if expect.outcome is None:
        if reached is None:
            return []
        return [Difference(question=None, text=f"不应转到任何结果，实际转到了{_outcome_name(reached)}")]
    if reached is not None and reached.id == expect.outcome:
        return []
    wanted = _outcome_name(form.outcomes[expect.outcome])
    found = f"实际转到了{_outcome_name(reached)}" if reached is not None else "实际没有转到"
    return [Difference(question=None, text=f"应当转到{wanted}，{found}")]


def run_scenario(form: CompiledForm, scenario: Scenario, *, today: dt.date | None = None) -> ScenarioResult:
    """Evaluate ``scenario``'s answers on ``form`` and compare the result with what it expects.

    Args:
        form: the compiled form (its cleaners are the ones used, as for a farmer's answers).
        scenario: the answers and the expectation.
        today: the day rules that compute an age (``id_age``) count on; the clock's by default.

    Returns:
        The result: passed, or each difference in Chinese, in the order shown, hidden, errors, missing,
        outcome. A scenario that cannot run (:func:`scenario_problems`) fails with those problems as its
        differences.
    """
    problems = scenario_problems(form.definition, scenario)
    if problems:
        differences = [Difference(question=None, text=problem) for problem in problems]
        return ScenarioResult(name=scenario.name, passed=False, differences=differences)
    evaluation = evaluate(form, scenario.answers, today=today)
    expect = scenario.expect
    differences = [
        *_shown(form, expect, evaluation),
        *_errors(form, expect, evaluation),
        *_missing(form, expect, evaluation),
        *_outcome(form, expect, evaluation),
    ]
    return ScenarioResult(name=scenario.name, passed=not differences, differences=differences)


def run_scenarios(
    form: CompiledForm, scenarios: Sequence[Scenario] | None = None, *, today: dt.date | None = None
) -> list[ScenarioResult]:
    """Run each of ``scenarios`` (the form's own, from its file, by default) on ``form``, in order."""
    chosen = form.definition.scenarios if scenarios is None else scenarios
    return [run_scenario(form, scenario, today=today) for scenario in chosen]


def summary(results: Sequence[ScenarioResult]) -> str:
    """The badge text for a form's results: ``12个场景全部通过``, ``12个场景中2个没有通过``, ``没有场景``."""
    if not results:
        return "没有场景"
    failed = sum(not result.passed for result in results)
    if not failed:
        return f"{len(results)}个场景全部通过"
    return f"{len(results)}个场景中{failed}个没有通过"


def scenario_from(
    form: CompiledForm, name: str, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> Scenario:
    """A scenario that keeps what ``answers`` lead to now: the builder's "存为场景" from the preview's answers.

    It lists every question as shown or hidden, the first message of each question with an error, exactly
    what is missing, and the outcome (or none), so any later edit that changes one of these fails it.
    """
    evaluation = evaluate(form, answers, today=today)
    shown = set(evaluation.visible)
    return Scenario(
        name=name,
        answers={key: value for key, value in answers.items() if key in form.by_id},
        expect=Expectation(
            visible=list(evaluation.visible),
            hidden=[question.id for question in form.questions if question.id not in shown],
            errors={question_id: messages[:1] for question_id, messages in evaluation.errors.items()},
            missing=list(evaluation.missing),
            outcome=evaluation.outcome.id if evaluation.outcome is not None else None,
        ),
    )
