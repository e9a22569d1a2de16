"""Hypothesis strategies for the rule builder's tests: small forms, trees that fit them, answers to them.

Also a direct Python reading of a tree, with CEL's three-valued logic (a comparison with an unanswered
number is an error, which ``||`` and ``&&`` absorb when the other side decides), to check the compiled CEL
against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from shenbao.forms.model import (
    AllOf,
    AnyOf,
    Condition,
    FormDef,
    MultipleChoice,
    NumberQuestion,
    Option,
    Question,
    Section,
    SingleChoice,
    TextQuestion,
)
from shenbao.forms.rules import Rule, int_valued, is_list_answer

values_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=6)
"""Texts with quotes, backslashes, line breaks and Chinese: whatever an admin may type."""


@st.composite
def _options(draw: st.DrawFn, ints: bool) -> list[Option]:
    values: list[Any] = draw(
        st.lists(
            st.integers(-3, 12) if ints else values_text.filter(bool),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    return [Option(value=value, label=f"选项{index}") for index, value in enumerate(values)]


@st.composite
def small_forms(draw: st.DrawFn) -> FormDef:
    """A form of two to six questions of the types the builder reads: choices, numbers, text."""
    kinds = draw(
        st.lists(
            st.sampled_from(["single", "single_int", "multiple", "number", "text"]), min_size=2, max_size=6
        )
    )
    questions: list[Question] = []
    for index, kind in enumerate(kinds, start=1):
        qid, label = f"q{index}", f"题{index}"
        if kind in ("single", "single_int"):
            questions.append(
                SingleChoice(id=qid, label=label, options=draw(_options(ints=kind == "single_int")))
            )
        elif kind == "multiple":
            questions.append(MultipleChoice(id=qid, label=label, options=draw(_options(ints=False))))
        elif kind == "number":
            questions.append(NumberQuestion(id=qid, label=label))
        else:
            questions.append(TextQuestion(id=qid, label=label))
    return FormDef(id="t", version=1, title="t", sections=[Section(id="s", title="s", questions=questions)])


@st.composite
def conditions(draw: st.DrawFn, form: FormDef) -> Condition:
    """A condition on one of ``form``'s questions, with an operator that fits its type and a fitting operand."""
    questions = form.questions()
    question = draw(st.sampled_from(questions))
    q = question.id
    sums = [each.id for each in questions if int_valued(each) and each.id != q]
    ops = ["answered", "unanswered"]
    if isinstance(question, SingleChoice | MultipleChoice):
        ops += ["any_of", "none_of"]
    if isinstance(question, SingleChoice | NumberQuestion | TextQuestion):
        ops += ["is", "is_not"]
    if isinstance(question, MultipleChoice):
        ops += ["all_of", "count_at_least", "count_at_most", "count_is"]
    if int_valued(question):
        ops += ["gt", "lt", "between"] + (["is_sum_of"] if sums else [])
    if isinstance(question, TextQuestion):
        ops += ["chars_at_least", "chars_at_most"]
    op = draw(st.sampled_from(ops))
    options = [option.value for option in getattr(question, "options", [])]
    if op in ("is", "is_not"):
        if options:
            value: Any = draw(st.sampled_from(options))
        elif isinstance(question, NumberQuestion):
            value = draw(st.integers(-5, 20))
        else:
            value = draw(values_text)
        return Condition(question=q, op=op, value=value)
    if op in ("any_of", "all_of", "none_of"):
        chosen = draw(st.lists(st.sampled_from(options), min_size=1, max_size=len(options), unique=True))
        return Condition(question=q, op=op, values=chosen)
    if op.startswith("count"):
        return Condition(question=q, op=op, value=draw(st.integers(1, len(options))))
    if op in ("gt", "lt"):
        return Condition(question=q, op=op, value=draw(st.integers(-5, 20)))
    if op == "between":
        low = draw(st.integers(-5, 20))
        return Condition(question=q, op=op, low=low, high=draw(st.integers(low, 25)))
    if op.startswith("chars"):
        return Condition(question=q, op=op, value=draw(st.integers(1, 8)))
    if op == "is_sum_of":
        summed = draw(st.lists(st.sampled_from(sums), min_size=1, max_size=3, unique=True))
        return Condition(question=q, op=op, questions=summed)
    return Condition(question=q, op=op)


def trees(form: FormDef, max_leaves: int = 12) -> st.SearchStrategy[Rule]:
    """Rules over ``form``: conditions in nested groups of two to four rules (or none: ``true``/``false``)."""

    def groups(children: st.SearchStrategy[Rule]) -> st.SearchStrategy[Rule]:
        members = st.one_of(st.just([]), st.lists(children, min_size=2, max_size=4))
        return st.one_of(st.builds(AllOf, rules=members), st.builds(AnyOf, rules=members))

    return st.recursive(conditions(form), groups, max_leaves=max_leaves)


@st.composite
def answers(draw: st.DrawFn, form: FormDef) -> dict[str, Any]:
    """Every question's value as the engine sets it: an answer, or null (``[]`` for a multiple choice)."""
    values: dict[str, Any] = {}
    for question in form.questions():
        options = [option.value for option in getattr(question, "options", [])]
        if isinstance(question, MultipleChoice):
            chosen = draw(st.lists(st.sampled_from(options), max_size=len(options), unique=True))
            values[question.id] = [value for value in options if value in chosen]
        elif isinstance(question, SingleChoice):
            values[question.id] = draw(st.none() | st.sampled_from(options))
        elif isinstance(question, NumberQuestion):
            values[question.id] = draw(st.none() | st.integers(-5, 25))
        else:
            values[question.id] = draw(st.none() | values_text.filter(bool))
    return values


def reading(rule: Rule, answers: Mapping[str, Any], by_id: Mapping[str, Question]) -> bool | None:
    """What ``rule`` means over ``answers``, read directly: ``None`` where CEL would fail (an error)."""
    if isinstance(rule, AllOf):
        results = [reading(child, answers, by_id) for child in rule.rules]
        return False if False in results else None if None in results else True
    if isinstance(rule, AnyOf):
        results = [reading(child, answers, by_id) for child in rule.rules]
        return True if True in results else None if None in results else False
    answer, op = answers[rule.question], rule.op
    listed = is_list_answer(by_id[rule.question])
    if op == "is":
        return answer == rule.value
    if op == "is_not":
        return answer != rule.value
    if op in ("any_of", "none_of"):
        hit = any(value in rule.values for value in answer) if listed else answer in rule.values
        return hit if op == "any_of" else not hit
    if op == "all_of":
        return all(value in answer for value in rule.values)
    if op.startswith("count"):
        assert isinstance(rule.value, int)
        count = len(answer)
        return {"count_at_least": count >= rule.value, "count_at_most": count <= rule.value}.get(
            op, count == rule.value
        )
    if op in ("gt", "lt", "between"):
        if answer is None:
            return None
        if op == "between":
            assert rule.low is not None and rule.high is not None
            return bool(rule.low <= answer <= rule.high)
        assert isinstance(rule.value, int)
        return bool(answer > rule.value) if op == "gt" else bool(answer < rule.value)
    if op in ("answered", "unanswered"):
        given = len(answer) > 0 if listed else answer is not None
        return given if op == "answered" else not given
    if op.startswith("chars"):
        assert isinstance(rule.value, int)
        chars = len(answer) if isinstance(answer, str) else 0
        return chars >= rule.value if op == "chars_at_least" else chars <= rule.value
    assert op == "is_sum_of"
    return answer == sum(answers[name] or 0 for name in rule.questions)
