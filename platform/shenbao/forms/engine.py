"""Compile a form once; evaluate answers against it many times. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import cel
import msgspec

from shenbao.forms.expressions import CompiledExpression, compile_expression, new_context
from shenbao.forms.messages import fill
from shenbao.forms.model import (
    Check,
    FieldsQuestion,
    FormDef,
    Label,
    Notice,
    Outcome,
    Question,
    Rule,
    text_of,
)
from shenbao.forms.personal import PersonalFields, personal_fields
from shenbao.forms.rules import FormLike, rule_source
from shenbao.forms.values import CLEANERS, Cleaner, blank_problems, clean, empty_value, is_answered

__all__ = ["CompiledForm", "Evaluation", "compile_form", "evaluate"]


@dataclass(frozen=True, slots=True)
class _Check:
    rule: CompiledExpression
    message: Label
    values: tuple[tuple[str, CompiledExpression], ...]
    reads: frozenset[str]
    """What the rule and the values read: the check waits until all of it is answered."""

    def text(self, context: cel.Context) -> str:
        """The message, with the values computed over ``context`` put into its placeholders."""
        message = text_of(self.message)
        if not self.values:
            return message
        return fill(message, {name: value.value(context) for name, value in self.values})


def _compile_check(check: Check, form: FormLike) -> _Check:
    rule = compile_expression(rule_source(check.rule, form))
    values = tuple((name, compile_expression(source)) for name, source in check.values.items())
    reads = rule.reads.union(*(value.reads for _, value in values))
    return _Check(rule=rule, message=check.message, values=values, reads=reads)


@dataclass(frozen=True, slots=True)
class _Rules:
    visible_if: CompiledExpression | None
    jumps: tuple[tuple[CompiledExpression, Outcome], ...]
    checks: tuple[_Check, ...]


@dataclass(frozen=True)
class CompiledForm:
    """A form definition with every expression compiled and its indexes built."""

    definition: FormDef
    questions: tuple[Question, ...]
    by_id: Mapping[str, Question]
    numbers: Mapping[str, int]
    """The display number (第N题) of each numbered question, counted over numbered questions only."""
    section_of: Mapping[str, str]
    outcomes: Mapping[str, Outcome]
    rules: Mapping[str, _Rules] = field(repr=False)
    read_by_rules: frozenset[str] = frozenset()
    """The question ids some rule reads: only these become CEL variables (each one added costs time)."""
    cleaners: Mapping[str, Cleaner] = field(default_factory=lambda: CLEANERS, repr=False)
    """The answer cleaner of each question type: the built-in ones and any widget's own."""

    @property
    def id(self) -> str:
        """The form's id, as its definition names it."""
        return self.definition.id

    @property
    def version(self) -> int:
        """The definition's version, stored with every application."""
        return self.definition.version

    @cached_property
    def personal(self) -> PersonalFields:
        """Where the answers hold identity numbers and phones (the store seals them), and the applicant's."""
        return personal_fields(self.definition)

    def title(self, lang: str = "zh") -> str:
        """The title in ``lang``, falling back to Chinese."""
        return text_of(self.definition.title, lang)

    def name_of(self, question_id: str) -> str:
        """How messages name a question: ``第5题``, or its label in quotes (``“户口簿、身份证照片”``) when unnumbered."""
        number = self.numbers.get(question_id)
        if number is not None:
            return f"第{number}题"
        return f"“{text_of(self.by_id[question_id].label)}”"


class Evaluation(msgspec.Struct, kw_only=True):
    """What a set of answers means for a form: the single source of truth for pages, API and submit."""

    visible: list[str]
    errors: dict[str, list[str]]
    missing: list[str]
    outcome: Outcome | None
    answers: dict[str, Any]
    """The clean answers of visible questions only: what is stored. Hidden questions' answers are dropped."""
    answered: int
    answerable: int
    blank_errors: dict[str, dict[str, list[str]]] = {}
    """The messages of ``errors`` that concern one blank of a multi-field question, by question and blank id:
    a page shows each under its blank (the ID number under the ID number), the rest under the question."""

    def own_errors(self, question_id: str) -> list[str]:
        """The messages of a question that concern none of its blanks in particular."""
        messages = self.errors.get(question_id, [])
        blanks = self.blank_errors.get(question_id)
        if not blanks:
            return messages
        under_blanks = {message for each in blanks.values() for message in each}
        return [message for message in messages if message not in under_blanks]

    @property
    def progress(self) -> int:
        """Percent of the visible questions answered."""
        return round(100 * self.answered / self.answerable) if self.answerable else 100

    @property
    def submittable(self) -> bool:
        """No errors, nothing required missing, and no outcome that forbids applying."""
        blocked = self.outcome is not None and self.outcome.kind == "blocked"
        return not self.errors and not self.missing and not blocked


def compile_form(definition: FormDef, *, cleaners: Mapping[str, Cleaner] | None = None) -> CompiledForm:
    """Compile every expression of ``definition``.

    Args:
        definition: the decoded form.
        cleaners: answer cleaners by question type that replace the built-in ones (the widgets' checks of
            regions, locations and images).

    Raises:
        ExpressionError: an expression does not compile, or a rule tree's condition lacks its operand
            (:class:`~shenbao.forms.rules.RuleError`). Run the linter first for messages naming the file and
            the question.
        KeyError: a jump names an outcome the form does not define.
    """
    questions = tuple(definition.questions())
    by_id = {question.id: question for question in questions}
    outcomes = {outcome.id: outcome for outcome in definition.outcomes}

    def compiled(rule: str | Rule) -> CompiledExpression:
        return compile_expression(rule_source(rule, by_id))

    rules = {
        question.id: _Rules(
            visible_if=compiled(question.visible_if) if question.visible_if else None,
            jumps=tuple((compiled(jump.when), outcomes[jump.to]) for jump in question.jumps),
            checks=tuple(_compile_check(check, by_id) for check in question.checks),
        )
        for question in questions
    }
    return CompiledForm(
        definition=definition,
        questions=questions,
        by_id=by_id,
        numbers={
            question.id: number
            for number, question in enumerate(
                (question for question in questions if question.numbered), start=1
            )
        },
        section_of={
            question.id: section.id for section in definition.sections for question in section.questions
        },
        outcomes=outcomes,
        rules=rules,
        cleaners={**CLEANERS, **(cleaners or {})},
        read_by_rules=frozenset(
            name
            for rule in rules.values()
            for reads in (
                rule.visible_if.reads if rule.visible_if is not None else frozenset(),
                *(jump.reads for jump, _ in rule.jumps),
                *(check.reads for check in rule.checks),
            )
            for name in reads
        ),
    )


def _resume_at(outcome: Outcome) -> str | None:
    """Where the form goes on after a jump to ``outcome``: only a flagged outcome may resume."""
    return outcome.resume_at if outcome.kind == "flagged" else None


def evaluate(form: CompiledForm, answers: Mapping[str, Any], *, today: dt.date | None = None) -> Evaluation:
    """Decide, for ``answers``, what is visible, what is wrong, what is missing and which outcome is reached.

    Questions are walked in order: a question is visible when its ``visible_if`` holds over the answers
    before it and no earlier jump has ended the form. A jump to a flagged outcome with ``resume_at`` skips the
    questions up to that one, then the walk goes on from it (the outcome stays; a later jump replaces it, and
    a blocked one still ends everything). Checks run last, over every visible answer. Rules that compute an
    age (``id_age``) count it on ``today``: pass it for a result that does not depend on the clock.
    """
    context = new_context(today)
    visible: list[str] = []
    errors: dict[str, list[str]] = {}
    blank_errors: dict[str, dict[str, list[str]]] = {}
    missing: list[str] = []
    clean_answers: dict[str, Any] = {}
    outcome: Outcome | None = None
    stopped = False  # a jump has stopped the walk: for good, or until the outcome's resume_at
    answerable = 0

    for question in form.questions:
        rules = form.rules[question.id]
        if stopped and outcome is not None and question.id == _resume_at(outcome):
            stopped = False
        shown = not stopped and (rules.visible_if is None or rules.visible_if.holds(context))
        if not shown:
            if question.id in form.read_by_rules:
                context.add_variable(question.id, empty_value(question))
            continue
        visible.append(question.id)
        if isinstance(question, Notice):
            continue
        answerable += 1
        value, problems = clean(question, answers.get(question.id), form.cleaners)
        if problems:
            name = form.name_of(question.id)
            errors[question.id] = [f"{name}：{problem}" for problem in problems]
            if isinstance(question, FieldsQuestion):
                blanks = blank_problems(question, answers.get(question.id))
                if blanks:
                    blank_errors[question.id] = {
                        blank: [f"{name}：{problem}" for problem in each] for blank, each in blanks.items()
                    }
        if is_answered(value):
            clean_answers[question.id] = value
        elif question.required and not problems:  # a refused answer is said once, as what is wrong
            missing.append(question.id)
        if question.id in form.read_by_rules:
            context.add_variable(question.id, value)
        for condition, target in rules.jumps:
            if condition.holds(context):
                outcome, stopped = target, True
                break

    unanswered = {question_id for question_id in visible if question_id not in clean_answers}
    for question_id in visible:
        if question_id in errors or question_id not in clean_answers:
            continue
        for check in form.rules[question_id].checks:
            if check.reads & unanswered:
                continue  # wait until the farmer has answered what the check compares
            if not check.rule.holds(context):
                errors.setdefault(question_id, []).append(
                    f"{form.name_of(question_id)}：{check.text(context)}"
                )

    return Evaluation(
        visible=visible,
        errors=errors,
        missing=missing,
        outcome=outcome,
        answers=clean_answers,
        answered=len(clean_answers),
        answerable=answerable,
        blank_errors=blank_errors,
    )
