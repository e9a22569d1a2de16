"""The rule builder's typed tree and its compilation to CEL.

Admins build display rules, jumps and checks without code: a question, an operator that fits its type and an
operand, in nested 全部满足/任一满足 groups. The tree (:class:`~shenbao.forms.model.AllOf`,
:class:`~shenbao.forms.model.AnyOf`, :class:`~shenbao.forms.model.Condition`, defined with the rest of the
definition format in :mod:`shenbao.forms.model`) is stored as it is and compiled to one canonical CEL
expression, which the engine runs like a hand-written one. :mod:`shenbao.forms.rule_reading` reads CEL back
into the tree; :mod:`shenbao.forms.rule_text` says a rule in Chinese and finds what is wrong with it.

Some operators compile differently by the question's type (an unanswered multiple choice is ``[]``, any other
unanswered question ``null``; "is one of" is ``q in [...]`` on a single choice and ``q.exists(...)`` on a
multiple choice), so compiling takes the form, or its questions by id.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Final, TypeAlias

from shenbao.forms.expressions import ExpressionError
from shenbao.forms.model import (
    AllOf,
    AnyOf,
    Condition,
    FormDef,
    MultipleChoice,
    NumberQuestion,
    Operator,
    Question,
    SingleChoice,
    TextQuestion,
    Upload,
)

if TYPE_CHECKING:
    from shenbao.forms.engine import CompiledForm

__all__ = [
    "LIST_OPERATORS",
    "OPERATORS",
    "AllOf",
    "AnyOf",
    "Condition",
    "FormLike",
    "Operator",
    "Path",
    "Rule",
    "RuleError",
    "cel_literal",
    "compile_rule",
    "fits",
    "int_valued",
    "is_list_answer",
    "operand_problem",
    "questions_by_id",
    "rule_source",
    "walk",
]

Rule: TypeAlias = AllOf | AnyOf | Condition
FormLike: TypeAlias = "FormDef | CompiledForm | Mapping[str, Question]"
"""Where a rule's questions are looked up: a definition, a compiled form, or the questions by id."""
Path: TypeAlias = tuple[int, ...]
"""Where a rule sits in a tree: the index in each group on the way down (``()`` is the whole rule)."""

OPERATORS: Final[tuple[Operator, ...]] = (
    "is",
    "is_not",
    "any_of",
    "all_of",
    "none_of",
    "count_at_least",
    "count_at_most",
    "count_is",
    "gt",
    "lt",
    "between",
    "answered",
    "unanswered",
    "chars_at_least",
    "chars_at_most",
    "is_sum_of",
)
"""Every operator, in the order the builder offers them."""

LIST_OPERATORS: Final = frozenset({"count_at_least", "count_at_most", "count_is", "all_of"})
"""Operators that only a multiple choice takes."""

_VALUE_OPERATORS: Final = frozenset(
    {
        "is",
        "is_not",
        "count_at_least",
        "count_at_most",
        "count_is",
        "gt",
        "lt",
        "chars_at_least",
        "chars_at_most",
    }
)
_INT_OPERATORS: Final = frozenset(
    {"count_at_least", "count_at_most", "count_is", "gt", "lt", "chars_at_least", "chars_at_most"}
)
_VALUES_OPERATORS: Final = frozenset({"any_of", "all_of", "none_of"})


class RuleError(ExpressionError):
    """A condition lacks the operand its operator takes, or carries one it does not take."""


def questions_by_id(form: FormLike) -> Mapping[str, Question]:
    """The questions of ``form`` by id, in display order."""
    if isinstance(form, FormDef):
        return {question.id: question for question in form.questions()}
    if isinstance(form, Mapping):
        return form
    return form.by_id


def is_list_answer(question: Question | None) -> bool:
    """Whether the question's answer is a list (``[]`` when unanswered or hidden): a multiple choice, files."""
    return isinstance(question, MultipleChoice | Upload)


def int_valued(question: Question | None) -> bool:
    """Whether the answer is a whole number: a number question, or a single choice whose values are all ints."""
    if isinstance(question, NumberQuestion):
        return True
    return (
        isinstance(question, SingleChoice)
        and bool(question.options)
        and all(isinstance(option.value, int) for option in question.options)
    )


def fits(op: Operator, question: Question) -> bool:
    """Whether the builder offers ``op`` for ``question`` (是/不是 for a choice, 大于 for a number, ...)."""
    single = isinstance(question, SingleChoice)
    multiple = isinstance(question, MultipleChoice)
    if op in ("is", "is_not"):
        return single or isinstance(question, NumberQuestion | TextQuestion)
    if op in ("any_of", "none_of"):
        return single or multiple
    if op in LIST_OPERATORS:
        return multiple
    if op in ("gt", "lt", "between", "is_sum_of"):
        return int_valued(question)
    if op in ("chars_at_least", "chars_at_most"):
        return isinstance(question, TextQuestion)
    # answered, unanswered: anything that takes an answer
    return question.__struct_config__.tag not in ("notice", "fields")


def operand_problem(condition: Condition) -> str | None:
    """What is wrong with the operand of ``condition`` for its operator, in Chinese; ``None`` when it is right."""
    op = condition.op
    extra = [
        name
        for name, present, wanted in (
            ("value", condition.value is not None, op in _VALUE_OPERATORS),
            ("values", bool(condition.values), op in _VALUES_OPERATORS),
            ("low", condition.low is not None, op == "between"),
            ("high", condition.high is not None, op == "between"),
            ("questions", bool(condition.questions), op == "is_sum_of"),
        )
        if present and not wanted
    ]
    if op in _VALUE_OPERATORS and condition.value is None:
        return "还没有填要比较的值，请填写" if op not in _INT_OPERATORS else "还没有填数字，请填写一个整数"
    if op in _INT_OPERATORS and not isinstance(condition.value, int):
        return f"“{condition.value}”不是整数，请填写一个整数"
    if op in _VALUES_OPERATORS and not condition.values:
        return "还没有选选项，请至少选一项"
    if op == "between" and (condition.low is None or condition.high is None):
        return "“介于”要填最小值和最大值两个整数"
    if op == "is_sum_of" and not condition.questions:
        return "还没有选要相加的题目，请至少选一题"
    if extra:
        return f"多余的{'、'.join(extra)}：这个条件用不到，请删掉"
    return None


def cel_literal(value: str | int) -> str:
    """``value`` as a CEL literal: an int as it is, a string double-quoted with JSON's escapes (CEL has them all)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise RuleError(f"a rule compares with strings and whole numbers, not {value!r}")
    return str(value) if isinstance(value, int) else json.dumps(value, ensure_ascii=False)


def _list(values: list[str | int]) -> str:
    return "[" + ", ".join(cel_literal(value) for value in values) + "]"


def _condition(condition: Condition, question: Question | None) -> str:
    problem = operand_problem(condition)
    if problem is not None:
        raise RuleError(f"{condition.question} {condition.op}: {problem}")
    q, op, value, values = condition.question, condition.op, condition.value, condition.values
    listed = is_list_answer(question) or (question is None and op in LIST_OPERATORS)
    simple = {
        "is": "==",
        "is_not": "!=",
        "gt": ">",
        "lt": "<",
        "count_at_least": ">=",
        "count_at_most": "<=",
        "count_is": "==",
        "chars_at_least": ">=",
        "chars_at_most": "<=",
    }
    if op in simple:
        assert value is not None  # operand_problem said so
        subject = f"size({q})" if op.startswith("count") else f"chars({q})" if op.startswith("chars") else q
        return f"{subject} {simple[op]} {cel_literal(value)}"
    if op == "between":
        return f"{q} >= {condition.low} && {q} <= {condition.high}"
    if op in ("answered", "unanswered"):
        if listed:
            return f"size({q}) > 0" if op == "answered" else f"size({q}) == 0"
        return f"{q} != null" if op == "answered" else f"{q} == null"
    if op == "is_sum_of":
        return f"{q} == total([{', '.join(condition.questions)}])"
    if op == "all_of":
        return f"{_list(values)}.all(x, x in {q})"
    # any_of, none_of
    if listed:
        if len(values) == 1:
            shape = f"{cel_literal(values[0])} in {q}"
            return shape if op == "any_of" else f"!({shape})"
        shape = f"{q}.exists(x, x in {_list(values)})"
        return shape if op == "any_of" else f"!{shape}"
    shape = f"{q} in {_list(values)}"
    return shape if op == "any_of" else f"!({shape})"


def _unwrap(rule: Rule) -> Rule:
    """A group of one rule is that rule."""
    while isinstance(rule, AllOf | AnyOf) and len(rule.rules) == 1:
        rule = rule.rules[0]
    return rule


def _compile(rule: Rule, by_id: Mapping[str, Question], nested: bool) -> str:
    rule = _unwrap(rule)
    if isinstance(rule, Condition):
        source = _condition(rule, by_id.get(rule.question))
        return f"({source})" if nested and rule.op == "between" else source
    if not rule.rules:
        return "true" if isinstance(rule, AllOf) else "false"
    parts = []
    for child in map(_unwrap, rule.rules):
        part = _compile(child, by_id, nested=True)
        parts.append(f"({part})" if isinstance(child, AllOf | AnyOf) and child.rules else part)
    return (" && " if isinstance(rule, AllOf) else " || ").join(parts)


def compile_rule(rule: Rule, form: FormLike) -> str:
    """The canonical CEL of ``rule``, in the shapes the shipped forms are written in.

    ``q8 == "yes"``, ``"chronic" in q9``, ``q9.exists(x, x in ["a", "b"])``, ``!q9.exists(...)``,
    ``["a", "b"].all(x, x in q9)``, ``size(q21) > 0``, ``q37 != null``, ``q13 == total([q15, q16])``; groups
    joined by ``&&`` or ``||``, a nested group (and a ``between``, itself two comparisons) in parentheses, so
    that :func:`~shenbao.forms.rule_reading.read_rule` reads the same tree back. An empty 全部满足 group is
    ``true``, an empty 任一满足 group ``false``; a group of one rule is that rule.

    Args:
        rule: the tree.
        form: where its questions are looked up; a question it does not have (deleted) compiles in the shape of
            a single-valued answer, and :func:`~shenbao.forms.rule_text.rule_problems` says so.

    Raises:
        RuleError: a condition lacks its operand, or has one its operator does not take.
    """
    return _compile(rule, questions_by_id(form), nested=False)


def rule_source(rule: str | Rule, form: FormLike) -> str:
    """The CEL source of a definition's rule, whether it is written as CEL or stored as a tree.

    Every consumer of ``visible_if``, ``Jump.when`` and ``Check.rule`` goes through this.

    Raises:
        RuleError: a tree's condition lacks its operand (see :func:`compile_rule`).
    """
    return rule if isinstance(rule, str) else compile_rule(rule, form)


def walk(rule: Rule, path: Path = ()) -> Iterator[tuple[Path, Rule]]:
    """Every node of ``rule`` with its path, the whole rule first, then each group's rules in order."""
    yield path, rule
    if isinstance(rule, AllOf | AnyOf):
        for index, child in enumerate(rule.rules):
            yield from walk(child, (*path, index))
