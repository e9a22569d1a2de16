"""What a farmer's draft keeps when the form it is filled on gets a new version. Pure: no I/O.

A draft's answer is kept, as it is, when the new version still has its question with the same type and
accepts the value (the new version's own answer cleaning and checks decide). Otherwise the farmer is asked
again, told why (only where the new version shows the question: an answer it refuses to a question it hides
is left out, as the farmer is not asked it); answers to removed questions (and removed blanks of a multi-field question) are listed so
the farmer is told, and the new questions the farmer will now see are listed too.

Identity numbers and phones may be sealed in a stored draft (``{"$enc": "v1:..."}``, see
``shenbao.store.sealing``): a sealed value passes through unchanged, and for the checks it stands in as a
valid number of its kind (a rule that reads it, such as ``id_age``, sees the same stand-in in both versions).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import msgspec

from shenbao.forms.engine import CompiledForm, evaluate
from shenbao.forms.identity import check_char
from shenbao.forms.model import (
    FieldsQuestion,
    IdNumber,
    MultipleChoice,
    Notice,
    Phone,
    Question,
    SingleChoice,
    text_of,
)
from shenbao.forms.values import clean, is_answered

__all__ = ["CarryOver", "carry_over"]

_SEALED = "$enc"
"""The key of a sealed answer (``shenbao.store.sealing.SEALED``; ``forms`` may not import the store)."""

_STAND_INS = {"phone": "13800000000", "id_number": "62010219800101001" + check_char("62010219800101001")}
"""Valid values that stand in for sealed ones while answers are checked (never kept)."""

_QUOTED_MAX = 24


class CarryOver(msgspec.Struct, frozen=True, kw_only=True):
    """A draft moved onto a new version of its form.

    Attributes:
        answers: the draft's answers the new version keeps, values unchanged (sealed ones stay sealed), less
            the blanks a multi-field question no longer has.
        again: question id -> why the farmer must answer it again, in Chinese (「…」的选项改了，请重新选择).
        new: ids of questions new in this version that the farmer will now see (shown under the kept answers
            by the new version's rules), not yet answered, in form order.
        dropped: what the draft answered that the new version no longer has, in the old version's order: a
            question's id, or ``"q4.wechat"`` for a blank removed from a multi-field question.
    """

    answers: dict[str, Any]
    again: dict[str, str]
    new: list[str]
    dropped: list[str]


def _is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(_SEALED), str)


def _quoted(question: Question) -> str:
    label = text_of(question.label)
    return f"「{label if len(label) <= _QUOTED_MAX else label[: _QUOTED_MAX - 1] + '…'}」"


def _checkable(question: Question, value: Any) -> Any:
    """``value`` with sealed identity numbers and phones replaced by valid stand-ins of their kind."""
    if _is_sealed(value):
        if isinstance(question, IdNumber):
            return _STAND_INS["id_number"]
        if isinstance(question, Phone):
            return _STAND_INS["phone"]
        return value
    if isinstance(question, FieldsQuestion) and isinstance(value, dict):
        kinds = {field.id: field.kind for field in question.fields}
        return {
            blank: _STAND_INS[kinds[blank]] if _is_sealed(entry) and kinds.get(blank) in _STAND_INS else entry
            for blank, entry in value.items()
        }
    return value


def _without_removed_blanks(
    old: Question, new: Question, value: Any, question_id: str, dropped: list[str]
) -> Any:
    """A multi-field answer less the blanks the old question had and the new one has not (each noted)."""
    if not (isinstance(old, FieldsQuestion) and isinstance(new, FieldsQuestion) and isinstance(value, dict)):
        return value
    had = {field.id for field in old.fields}
    has = {field.id for field in new.fields}
    removed = [blank for blank in value if blank in had and blank not in has]
    if not removed:
        return value
    dropped += [f"{question_id}.{blank}" for blank in removed if is_answered(value[blank])]
    return {blank: entry for blank, entry in value.items() if blank not in removed}


def _retyped_sealed_blank(old: Question, new: Question, value: Any) -> str | None:
    """The label of a sealed blank whose kind changed: a sealed value is only known to fit its own kind."""
    if not (isinstance(old, FieldsQuestion) and isinstance(new, FieldsQuestion) and isinstance(value, dict)):
        return None
    before = {field.id: field.kind for field in old.fields}
    for field in new.fields:
        if _is_sealed(value.get(field.id)) and before.get(field.id) != field.kind:
            return text_of(field.label)
    return None


def _option_gone(question: Question, value: Any) -> bool:
    """Whether ``value`` chose an option the choice question no longer has."""
    if not isinstance(question, SingleChoice | MultipleChoice):
        return False
    offered = {str(option.value) for option in question.options}
    chosen = value if isinstance(value, list) else [value]
    return any(str(each).strip() not in offered for each in chosen)


def _why(old: Question, new: Question, value: Any, problem: str) -> str:
    """Why an answer the new version refuses must be given again."""
    if old == new:
        return f"{_quoted(new)}：{problem}"
    if _option_gone(new, value):
        return f"{_quoted(new)}的选项改了，请重新选择"
    return f"{_quoted(new)}的要求改了：{problem}"


def carry_over(
    old: CompiledForm, new: CompiledForm, answers: Mapping[str, Any], *, today: dt.date | None = None
) -> CarryOver:
    """Move a draft filled on ``old`` onto ``new``.

    Args:
        old: the version the draft was filled on.
        new: the version it moves to.
        answers: the draft's answers as stored (identity numbers and phones may be sealed).
        today: the day rules that compute an age count on, as for :func:`~shenbao.forms.engine.evaluate`.

    Returns:
        What is kept, what must be answered again and why, what is new and what is no longer asked.
    """
    position = {question.id: index for index, question in enumerate(old.questions)}
    answered = sorted(
        (question_id for question_id, value in answers.items() if is_answered(value)),
        key=lambda question_id: (position.get(question_id, len(position)), question_id),
    )
    dropped = [question_id for question_id in answered if question_id not in new.by_id]
    kept: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for question_id in answered:
        question = new.by_id.get(question_id)
        if question is None:
            continue
        was = old.by_id.get(question_id, question)
        if was.__struct_config__.tag != question.__struct_config__.tag:
            refused[question_id] = f"{_quoted(question)}这道题改了，请重新回答"
            continue
        value = _without_removed_blanks(was, question, answers[question_id], question_id, dropped)
        retyped = _retyped_sealed_blank(was, question, value)
        if retyped is not None:
            refused[question_id] = f"{_quoted(question)}的“{retyped}”改了，请重新填写"
            continue
        _, problems = clean(question, _checkable(question, value), new.cleaners)
        if problems:
            refused[question_id] = _why(was, question, value, problems[0])
        else:
            kept[question_id] = value
    checked = {question_id: _checkable(new.by_id[question_id], value) for question_id, value in kept.items()}
    after = evaluate(new, checked, today=today)
    before = evaluate(
        old,
        {key: _checkable(old.by_id[key], answers[key]) for key in answered if key in old.by_id},
        today=today,
    )
    shown = set(after.visible)
    for question_id, messages in after.errors.items():
        if question_id in kept and question_id not in before.errors:
            prefix = f"{new.name_of(question_id)}："
            refused[question_id] = f"{_quoted(new.by_id[question_id])}：{messages[0].removeprefix(prefix)}"
            del kept[question_id]
    if kept.keys() != checked.keys():
        after = evaluate(new, {key: checked[key] for key in kept}, today=today)
        shown = set(after.visible)
    order = {question.id: index for index, question in enumerate(new.questions)}
    again = {
        question_id: refused[question_id]
        for question_id in sorted(refused, key=lambda each: order[each])
        if question_id in shown
    }
    fresh = [
        question.id
        for question in new.questions
        if question.id in shown
        and question.id not in old.by_id
        and not isinstance(question, Notice)
        and not is_answered(answers.get(question.id))
    ]
    dropped.sort(key=lambda path: position.get(path.partition(".")[0], len(position)))
    return CarryOver(answers=kept, again=again, new=fresh, dropped=dropped)
