"""What is wrong with a rule the builder holds, said in Chinese at the row of the tree it concerns.

A rule goes stale when its form changes under it: a question it names is deleted or moved after the rule's
question, an option it compares with is removed. Each :class:`RuleProblem` carries a stable code from
:data:`CODES`, the path of the node in the tree (``[1, 0]``: the first rule of the second rule of the whole)
and a message that says what to do. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Final

import msgspec

from shenbao.forms.engine import CompiledForm
from shenbao.forms.model import FormDef, MultipleChoice, Question, SingleChoice
from shenbao.forms.rule_text import OPERATOR_NAMES, Place, question_name
from shenbao.forms.rules import AllOf, AnyOf, Condition, Rule, fits, int_valued, operand_problem, walk

__all__ = ["CODES", "RuleProblem", "rule_problems"]

CODES: Final[Mapping[str, str]] = {
    "R001": "the condition names a question the form does not have (deleted)",
    "R002": "the condition reads a question that a display or jump rule may not read (a later one, or itself)",
    "R003": "the operator does not fit the question's type",
    "R004": "the operand is missing, or is not what the operator takes",
    "R005": "an empty group",
    "R006": "a value that is not an option of the question",
    "R007": "between: the low end is above the high end",
    "R008": "a count of ticked options beyond the number of options",
    "R009": "a sum of questions that are not numbers, or that includes the question itself",
}
"""Each problem's code and what it means, for the builder's tests and logs (the messages are Chinese)."""

_TYPE_NAMES: Final[Mapping[str, str]] = {
    "single_choice": "单选题",
    "multiple_choice": "多选题",
    "text": "填空题",
    "number": "数字题",
    "fields": "多项填空题",
    "notice": "说明",
    "region": "地区题",
    "geolocation": "位置题",
    "photo": "拍照题",
    "signature": "签名题",
    "phone": "手机号题",
    "id_number": "身份证号题",
    "upload": "上传题",
}


class RuleProblem(msgspec.Struct, frozen=True):
    """One thing to fix: its code from :data:`CODES`, where it is in the tree, and what to do, in Chinese."""

    code: str
    path: list[int]
    message: str


def _type_name(question: Question) -> str:
    tag = question.__struct_config__.tag
    return _TYPE_NAMES.get(tag if isinstance(tag, str) else "", "这种题")


def _order(
    form: FormDef | CompiledForm, position: Mapping[str, int], here: int, read: str, place: Place
) -> str | None:
    """Why ``place`` may not read ``read`` (a later question, or for a display rule the question itself)."""
    if place == "check" or position[read] < here:
        return None
    name = question_name(form, read)
    if place == "visible_if":
        if position[read] == here:
            return "显示条件不能用本题自己的回答，请换成本题之前的题目"
        return f"{name}在本题之后，显示条件只能用本题之前的题目，请换一道题目或删掉这个条件"
    if position[read] == here:
        return None  # a jump reads its own question's answer
    return f"{name}在本题之后，跳转条件只能用本题和本题之前的题目，请换一道题目或删掉这个条件"


def _condition(
    form: FormDef | CompiledForm,
    by_id: Mapping[str, Question],
    position: Mapping[str, int],
    here: int,
    condition: Condition,
    place: Place,
) -> Iterator[tuple[str, str]]:
    question = by_id.get(condition.question)
    if question is None:
        yield "R001", f"条件里的题目“{condition.question}”已删除，请重新选择题目或删掉这个条件"
        return
    name = question_name(form, condition.question)
    order = _order(form, position, here, condition.question, place)
    if order:
        yield "R002", order
    if not fits(condition.op, question):
        yield "R003", f"{name}是{_type_name(question)}，不能用“{OPERATOR_NAMES[condition.op]}”，请换一个条件"
        return
    operand = operand_problem(condition)
    if operand:
        yield "R004", f"{name}“{OPERATOR_NAMES[condition.op]}”：{operand}"
        return
    options = [option.value for option in getattr(question, "options", ())]
    compared = condition.values or (
        [condition.value] if condition.op in ("is", "is_not") and condition.value is not None else []
    )
    if isinstance(question, SingleChoice | MultipleChoice):
        for value in compared:
            if value not in options:
                yield "R006", f"{name}的选项“{value}”已不存在，请重新选择选项"
    low, high = condition.low, condition.high
    if condition.op == "between" and low is not None and high is not None and low > high:
        yield "R007", f"“介于”的最小值{condition.low}大于最大值{condition.high}，请把两个数对调"
    if isinstance(question, MultipleChoice) and condition.op.startswith("count"):
        assert isinstance(condition.value, int)
        if condition.value > len(options):
            yield "R008", f"{name}只有{len(options)}个选项，不可能选{condition.value}项，请改小这个数"
    for summed in condition.questions:
        other = by_id.get(summed)
        if other is None:
            yield "R001", f"要相加的题目“{summed}”已删除，请重新选择题目"
            continue
        if summed == condition.question:
            yield "R009", f"{name}不能和自己相加，请去掉{name}"
        elif not int_valued(other):
            yield "R009", f"{question_name(form, summed)}不是数字，不能相加，请换一道数字题"
        order = _order(form, position, here, summed, place)
        if order:
            yield "R002", order


def rule_problems(
    rule: Rule, form: FormDef | CompiledForm, question_id: str, place: Place
) -> list[RuleProblem]:
    """Everything wrong with ``rule`` as ``place`` of the question ``question_id``, at the row it concerns.

    Display rules read only questions before their own; a jump also reads its own question; a check reads any
    question. A question not yet in the form (being added) counts as the last one.

    Args:
        rule: the tree the builder holds.
        form: the form it belongs to, as it is now.
        question_id: the question the rule belongs to.
        place: ``visible_if``, ``jump`` or ``check``.

    Returns:
        The problems in the tree's order, each with its path; empty when the rule is sound.
    """
    questions = form.questions if isinstance(form, CompiledForm) else tuple(form.questions())
    by_id = {question.id: question for question in questions}
    position = {question.id: index for index, question in enumerate(questions)}
    here = position.get(question_id, len(position))
    problems: list[RuleProblem] = []
    for path, node in walk(rule):
        if isinstance(node, AllOf | AnyOf):
            if not node.rules:
                problems.append(RuleProblem("R005", list(path), "这一组还没有条件，请添加条件或删掉这一组"))
            continue
        for code, message in _condition(form, by_id, position, here, node, place):
            problems.append(RuleProblem(code, list(path), message))
    return problems
