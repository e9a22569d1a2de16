"""Rules in plain Chinese: the builder's sentence for a rule, and the preview's "为什么没显示".

Questions are named as the form's messages name them (第8题, or the label in quotes for an unnumbered
question), options by their Chinese labels. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

from shenbao.forms.engine import CompiledForm, evaluate
from shenbao.forms.expressions import new_context
from shenbao.forms.model import (
    FormDef,
    MultipleChoice,
    NumberQuestion,
    Outcome,
    Question,
    SingleChoice,
    TextQuestion,
    text_of,
)
from shenbao.forms.rules import AllOf, Condition, Operator, Rule, walk
from shenbao.forms.values import empty_value

__all__ = [
    "OPERATOR_NAMES",
    "Place",
    "describe_place",
    "describe_rule",
    "explain_hidden",
    "question_name",
]

Place: TypeAlias = Literal["visible_if", "jump", "check"]
"""Where a rule sits in a question: its display rule, one of its jumps, one of its checks."""

OPERATOR_NAMES: Mapping[Operator, str] = {
    "is": "是",
    "is_not": "不是",
    "any_of": "选了其中任一",
    "all_of": "全部都选了",
    "none_of": "都没选",
    "count_at_least": "至少选了几项",
    "count_at_most": "最多选了几项",
    "count_is": "正好选了几项",
    "gt": "大于",
    "lt": "小于",
    "between": "介于",
    "answered": "填了",
    "unanswered": "没填",
    "chars_at_least": "字数不少于",
    "chars_at_most": "字数不多于",
    "is_sum_of": "等于几题之和",
}
"""How the builder's operator menu names each operator."""

_QUOTED_MAX = 16
"""Characters of an outcome's message or a text answer quoted in a sentence before it is cut with "…"."""


@dataclass(frozen=True, slots=True)
class _Form:
    """What naming needs of a definition or a compiled form."""

    by_id: Mapping[str, Question]
    numbers: Mapping[str, int]
    outcomes: Mapping[str, Outcome]


def _view(form: FormDef | CompiledForm) -> _Form:
    if isinstance(form, CompiledForm):
        return _Form(form.by_id, form.numbers, form.outcomes)
    questions = form.questions()
    numbered = (question for question in questions if question.numbered)
    return _Form(
        {question.id: question for question in questions},
        {question.id: number for number, question in enumerate(numbered, start=1)},
        {outcome.id: outcome for outcome in form.outcomes},
    )


def _cut(text: str) -> str:
    return text if len(text) <= _QUOTED_MAX else text[:_QUOTED_MAX] + "…"


def question_name(form: FormDef | CompiledForm, question_id: str) -> str:
    """第8题; the label in quotes for an unnumbered question; 已删除的题目“q12” for one the form does not have."""
    return _name(_view(form), question_id)


def _name(view: _Form, question_id: str) -> str:
    number = view.numbers.get(question_id)
    if number is not None:
        return f"第{number}题"
    question = view.by_id.get(question_id)
    if question is None:
        return f"已删除的题目“{question_id}”"
    return f"“{text_of(question.label)}”"


def _option(question: Question | None, value: Any) -> str:
    for option in getattr(question, "options", ()):
        if option.value == value:
            return f"“{text_of(option.label)}”"
    return f"“{value}”"


def _options(question: Question | None, values: list[Any]) -> str:
    return "".join(_option(question, value) for value in values)


def _summed(view: _Form, names: list[str]) -> str:
    """第15、16、17题 when all are numbered, else their names joined by 、."""
    numbers = [view.numbers.get(name) for name in names]
    if all(number is not None for number in numbers):
        return "第" + "、".join(str(number) for number in numbers) + "题"
    return "、".join(_name(view, name) for name in names)


def _condition(view: _Form, condition: Condition) -> str:
    question = view.by_id.get(condition.question)
    name = _name(view, condition.question)
    op, value, values = condition.op, condition.value, condition.values
    choice = isinstance(question, SingleChoice | MultipleChoice)
    multiple = isinstance(question, MultipleChoice)
    if op in ("is", "is_not"):
        if choice:
            return f"{name}{'选' if op == 'is' else '不是'}{_option(question, value)}"
        if isinstance(question, NumberQuestion) or isinstance(value, int):
            return f"{name}{'等于' if op == 'is' else '不等于'}{value}"
        return f"{name}填的{'是' if op == 'is' else '不是'}“{value}”"
    if op == "any_of":
        if len(values) == 1:
            return f"{name}选{'了' if multiple else ''}{_option(question, values[0])}"
        return (
            f"{name}选了{_options(question, values)}中任一项"
            if multiple
            else f"{name}选{_options(question, values)}中的一项"
        )
    if op == "all_of":
        if len(values) == 1:
            return f"{name}选了{_option(question, values[0])}"
        return f"{name}{_options(question, values)}都选了"
    if op == "none_of":
        if len(values) == 1:
            return f"{name}没选{_option(question, values[0])}"
        return f"{name}{_options(question, values)}都没选"
    counts = {
        "count_at_least": "至少选了{}项",
        "count_at_most": "最多选了{}项",
        "count_is": "正好选了{}项",
        "gt": "大于{}",
        "lt": "小于{}",
        "chars_at_least": "不少于{}个字",
        "chars_at_most": "不多于{}个字",
    }
    if op in counts:
        return name + counts[op].format(value)
    if op == "between":
        return f"{name}介于{condition.low}和{condition.high}之间"
    if op == "answered":
        return f"{name}已回答"
    if op == "unanswered":
        return f"{name}没有回答"
    # is_sum_of
    if len(condition.questions) == 1:
        return f"{name}等于{_name(view, condition.questions[0])}"
    return f"{name}等于{_summed(view, condition.questions)}之和"


def _describe(view: _Form, rule: Rule, nested: bool) -> str:
    if isinstance(rule, Condition):
        return _condition(view, rule)
    if not rule.rules:
        return "总是成立" if isinstance(rule, AllOf) else "永远不成立"
    if len(rule.rules) == 1:
        return _describe(view, rule.rules[0], nested)
    joiner = "，并且" if isinstance(rule, AllOf) else "，或者"
    text = joiner.join(_describe(view, child, nested=True) for child in rule.rules)
    return f"（{text}）" if nested else text


def describe_rule(rule: Rule, form: FormDef | CompiledForm) -> str:
    """The rule as a plain Chinese sentence: 第8题选“有”，并且（第13题大于5，或者第14题至少选了2项）.

    Args:
        rule: the tree.
        form: the form whose questions and options it names (a definition being edited will do).
    """
    return _describe(_view(form), rule, nested=False)


def describe_place(
    rule: Rule | str, form: FormDef | CompiledForm, place: Place, *, to: str | None = None
) -> str:
    """The builder's sentence for a rule in its place: "…时显示", "…时转到<outcome>", "须满足：…".

    Args:
        rule: the tree, or a CEL expression that does not read back (shown as it is, in quotes).
        form: the form it belongs to.
        place: where it sits.
        to: for a jump, the outcome it goes to.
    """
    view = _view(form)
    text = describe_rule(rule, form) if not isinstance(rule, str) else f"“{rule}”成立"
    if place == "visible_if":
        return f"{text}时显示"
    if place == "check":
        return f"须满足：{text}"
    outcome = view.outcomes.get(to) if to else None
    if outcome is None:
        return f"{text}时转到“{to}”"
    kind = "结束页" if outcome.kind == "blocked" else "提示页"
    sentence = f"{text}时转到{kind}“{_cut(text_of(outcome.message))}”"
    if outcome.kind == "flagged" and outcome.resume_at:
        sentence += f"，再从{_name(view, outcome.resume_at)}继续"
    return sentence


def _answer(form: CompiledForm, visible: list[str], answers: Mapping[str, Any], question_id: str) -> str:
    """How the preview says a question's current answer: 第8题选的是“没有”."""
    view = _view(form)
    name = _name(view, question_id)
    question = form.by_id.get(question_id)
    if question is None:
        return f"{name}不存在"
    if question_id not in visible:
        return f"{name}没有显示"
    value = answers.get(question_id, empty_value(question))
    if isinstance(question, MultipleChoice):
        return f"{name}选的是{_options(question, value)}" if value else f"{name}一项也没选"
    if value is None or value == [] or value == {}:
        return f"{name}还没有回答"
    if isinstance(question, SingleChoice):
        return f"{name}选的是{_option(question, value)}"
    if isinstance(question, NumberQuestion):
        return f"{name}填的是{value}"
    if isinstance(question, TextQuestion):
        return f"{name}填的是“{_cut(value)}”"
    return f"{name}已回答"


def _reads(rule: Rule) -> list[str]:
    names: list[str] = []
    for _, node in walk(rule):
        if isinstance(node, Condition):
            names += [node.question, *node.questions]
    return list(dict.fromkeys(names))


def explain_hidden(
    form: CompiledForm, answers: Mapping[str, Any], question_id: str, *, today: dt.date | None = None
) -> str | None:
    """Why ``question_id`` is not shown for ``answers``, in Chinese; ``None`` when it is shown.

    Either an earlier jump ended the form (or skipped past the question to where a flagged outcome resumes),
    or the question's display rule does not hold: the sentence names the rule and the current answers of the
    questions it reads ("第8题选“有”时显示；现在第8题选的是“没有”"). A display rule that does not read back
    into the builder's tree is shown as its CEL.

    Args:
        form: the compiled form.
        answers: the answers as the preview holds them (evaluated with :func:`~shenbao.forms.engine.evaluate`).
        question_id: the question asked about.
        today: the day ages are counted on, as for :func:`~shenbao.forms.engine.evaluate`.

    Raises:
        KeyError: the form has no such question.
    """
    from shenbao.forms.rule_reading import read_rule  # the builder's parser, loaded only when asked

    question = form.by_id[question_id]
    evaluation = evaluate(form, answers, today=today)
    if question_id in evaluation.visible:
        return None
    visible, clean = evaluation.visible, evaluation.answers
    position = {each.id: index for index, each in enumerate(form.questions)}
    context = new_context(today)
    for each in form.questions:
        if each.id in form.read_by_rules:
            context.add_variable(each.id, clean.get(each.id, empty_value(each)))

    def now(names: list[str]) -> str:
        ordered = sorted(names, key=lambda name: position.get(name, len(position)))
        return "，".join(_answer(form, visible, clean, name) for name in ordered)

    stop: tuple[Question, int] | None = None
    for earlier in form.questions[: position[question_id]]:
        if earlier.id not in visible:
            continue
        for index, (condition, outcome) in enumerate(form.rules[earlier.id].jumps):
            if condition.holds(context):
                resume = outcome.resume_at if outcome.kind == "flagged" else None
                if resume is None or position.get(resume, -1) > position[question_id]:
                    stop = (earlier, index)
                break
    if stop is not None:
        earlier, index = stop
        jump = earlier.jumps[index]
        compiled = form.rules[earlier.id].jumps[index][0]
        tree = jump.when if not isinstance(jump.when, str) else read_rule(jump.when, form)
        sentence = describe_place(tree or compiled.source, form, "jump", to=jump.to)
        reads = _reads(tree) if tree is not None else sorted(compiled.reads)
        return f"{sentence}；现在{now(reads)}，所以{_name(_view(form), question_id)}不再显示"
    compiled_rule = form.rules[question_id].visible_if
    if compiled_rule is None:
        return f"{_name(_view(form), question_id)}没有显示"
    stored = question.visible_if
    tree = (
        stored
        if stored is not None and not isinstance(stored, str)
        else read_rule(compiled_rule.source, form)
    )
    sentence = describe_place(tree or compiled_rule.source, form, "visible_if")
    reads = _reads(tree) if tree is not None else sorted(compiled_rule.reads)
    return f"{sentence}；现在{now(reads)}"
