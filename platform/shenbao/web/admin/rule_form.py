"""The rule builder's form: a rule tree drawn as rows the admin changes with drop-downs, and read back from a post.

Each node of the tree is posted under its path (``r`` is the whole rule, ``r.0`` its first row, ``r.0.1`` the
second row of that group): ``node.<path>`` says what it is (``all``, ``any`` or ``cond``); a condition posts its
question (``q.<path>``), the question it had before (``was.<path>``: a new question resets the operand), its
operator (``op.<path>``) and its operand (``v.<path>``; ``vs.<path>.<option value>`` for ticked options;
``lo.<path>``/``hi.<path>``; ``sum.<path>.<question id>``). A button says what else to do (``act``): ``add:<path>``
appends a condition to a group, ``group:<path>`` a nested group, ``del:<path>`` removes a node, ``and``/``or`` turn
a single condition into a group of two.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import msgspec

from shenbao.forms.edit_rules import RulePlace, default_condition, rule_candidates
from shenbao.forms.model import (
    AllOf,
    AnyOf,
    Condition,
    FormDef,
    MultipleChoice,
    NumberQuestion,
    Question,
    SingleChoice,
    TextQuestion,
)
from shenbao.forms.rule_problems import rule_problems
from shenbao.forms.rule_reading import read_rule
from shenbao.forms.rule_text import OPERATOR_NAMES, describe_place, question_name
from shenbao.forms.rules import OPERATORS, Rule, fits, int_valued, rule_source

__all__ = ["ConditionRow", "GroupNode", "RuleEditor", "posted_rule", "rule_editors", "rule_rows"]

Operand = Literal["option", "options", "number", "text", "range", "none", "questions"]


class ConditionRow(msgspec.Struct, frozen=True, kw_only=True):
    """One condition drawn as a row: the question, the operator and the operand's inputs."""

    path: str
    question: str
    questions: list[tuple[str, str]]
    op: str
    ops: list[tuple[str, str]]
    operand: Operand
    value: str = ""
    ticked: list[str] = []
    low: str = ""
    high: str = ""
    options: list[tuple[str, str]] = []
    addends: list[tuple[str, str]] = []
    problems: list[str] = []
    kind: Literal["cond"] = "cond"


class GroupNode(msgspec.Struct, frozen=True, kw_only=True):
    """A 全部满足/任一满足 group and its rows."""

    path: str
    group: Literal["all", "any"]
    children: list[GroupNode | ConditionRow]
    problems: list[str] = []
    kind: Literal["group"] = "group"


class RuleEditor(msgspec.Struct, frozen=True, kw_only=True):
    """One rule of a question as the panel shows it: the sentence, the tree (when it reads back) and its CEL."""

    place: RulePlace
    index: int
    key: str
    sentence: str
    expression: str
    root: GroupNode | ConditionRow | None
    problems: list[str]
    to: str = ""
    message: str = ""


def _operand(op: str, question: Question | None) -> Operand:
    if op in ("any_of", "all_of", "none_of"):
        return "options"
    if op in ("answered", "unanswered"):
        return "none"
    if op == "between":
        return "range"
    if op == "is_sum_of":
        return "questions"
    if op in ("is", "is_not") and isinstance(question, SingleChoice | MultipleChoice):
        return "option"
    if op in ("is", "is_not") and isinstance(question, TextQuestion):
        return "text"
    return "number"


def _row(
    form: FormDef, candidates: list[Question], condition: Condition, path: str, problems: dict[str, list[str]]
) -> ConditionRow:
    by_id = {each.id: each for each in candidates}
    question = by_id.get(condition.question) or next(
        (each for each in form.questions() if each.id == condition.question), None
    )
    choices = [(each.id, question_name(form, each.id) + "：" + _short(each)) for each in candidates]
    if question is not None and question.id not in by_id:
        choices.append((question.id, question_name(form, question.id) + "（不能选：在本题之后）"))
    elif question is None:
        choices.append((condition.question, f"{condition.question}（已删除）"))
    ops: list[tuple[str, str]] = [
        (op, OPERATOR_NAMES[op]) for op in OPERATORS if question is not None and fits(op, question)
    ]
    if condition.op not in dict(ops):
        ops.append((condition.op, f"{OPERATOR_NAMES.get(condition.op, condition.op)}（不适用于这道题）"))
    options = [(str(option.value), _label(option.label)) for option in getattr(question, "options", [])]
    addends = [
        (each.id, question_name(form, each.id))
        for each in candidates
        if each.id != condition.question and (isinstance(each, NumberQuestion) or int_valued(each))
    ]
    return ConditionRow(
        path=path,
        question=condition.question,
        questions=choices,
        op=condition.op,
        ops=ops,
        operand=_operand(condition.op, question),
        value="" if condition.value is None else str(condition.value),
        ticked=[
            str(value) for value in (condition.questions if condition.op == "is_sum_of" else condition.values)
        ],
        low="" if condition.low is None else str(condition.low),
        high="" if condition.high is None else str(condition.high),
        options=options,
        addends=addends,
        problems=problems.get(path, []),
    )


def _label(label: Any) -> str:
    return label if isinstance(label, str) else str(label.get("zh", ""))


def _short(question: Question, limit: int = 18) -> str:
    text = _label(question.label)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _node(
    form: FormDef, candidates: list[Question], rule: Rule, path: str, problems: dict[str, list[str]]
) -> GroupNode | ConditionRow:
    if isinstance(rule, Condition):
        return _row(form, candidates, rule, path, problems)
    return GroupNode(
        path=path,
        group="all" if isinstance(rule, AllOf) else "any",
        children=[
            _node(form, candidates, child, f"{path}.{index}", problems)
            for index, child in enumerate(rule.rules)
        ],
        problems=problems.get(path, []),
    )


def _editor(form: FormDef, question: Question, place: RulePlace, index: int, rule: Rule | str) -> RuleEditor:
    tree = read_rule(rule, form) if isinstance(rule, str) else rule
    problems: dict[str, list[str]] = {}
    if tree is not None:
        for problem in rule_problems(tree, form, question.id, place):
            path = ".".join(["r", *map(str, problem.path)])
            problems.setdefault(path, []).append(problem.message)
    try:
        expression = rule_source(rule, form)
    except ValueError as error:
        expression = str(rule) if isinstance(rule, str) else ""
        problems.setdefault("r", []).append(f"这个条件还不完整：{error}")
    jump = question.jumps[index] if place == "jump" else None
    check = question.checks[index] if place == "check" else None
    return RuleEditor(
        place=place,
        index=index,
        key=f"{place}-{index}",
        sentence=describe_place(
            tree if tree is not None else expression, form, place, to=jump.to if jump else None
        ),
        expression=expression,
        root=_node(form, rule_candidates(form, question.id, place), tree, "r", problems)
        if tree is not None
        else None,
        problems=[message for path, messages in problems.items() if path == "r" for message in messages]
        if tree is None or isinstance(tree, Condition)
        else [],
        to=jump.to if jump else "",
        message=_label(check.message) if check else "",
    )


def rule_rows(form: FormDef, rule: Rule | str, *, after: str) -> GroupNode | ConditionRow | None:
    """``rule`` as rows over every question of ``form`` (a rule read after ``after``, the form's last question: the
    chain's green channel), with each node's problems; ``None`` when it does not fit the builder's grammar."""
    tree = read_rule(rule, form) if isinstance(rule, str) else rule
    if tree is None:
        return None
    problems: dict[str, list[str]] = {}
    for problem in rule_problems(tree, form, after, "check"):
        problems.setdefault(".".join(["r", *map(str, problem.path)]), []).append(problem.message)
    return _node(form, rule_candidates(form, after, "check"), tree, "r", problems)


def rule_editors(form: FormDef, question: Question) -> list[RuleEditor]:
    """Every rule of ``question``: its display rule, then its jumps, then its checks."""
    editors = []
    if question.visible_if is not None:
        editors.append(_editor(form, question, "visible_if", 0, question.visible_if))
    editors += [
        _editor(form, question, "jump", index, jump.when) for index, jump in enumerate(question.jumps)
    ]
    editors += [
        _editor(form, question, "check", index, check.rule) for index, check in enumerate(question.checks)
    ]
    return editors


def _int(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    return int(raw) if raw.lstrip("-").isdigit() and len(raw) < 10 else None


def _posted_condition(
    form: FormDef, question_id: str, place: RulePlace, posted: Mapping[str, str], path: str
) -> Condition | None:
    by_id = {each.id: each for each in form.questions()}
    chosen = posted.get(f"q.{path}", "")
    question = by_id.get(chosen)
    if question is None:
        return default_condition(form, question_id, place)
    op = posted.get(f"op.{path}", "")
    if posted.get(f"was.{path}") != chosen or op not in OPERATORS or not fits(op, question):
        fresh = default_condition(
            form, chosen, "check"
        )  # the first operator and option of the chosen question
        if fresh is not None and fresh.question == chosen:
            return fresh
        op = next(each for each in OPERATORS if fits(each, question))
    options = {str(option.value): option.value for option in getattr(question, "options", [])}
    operand = _operand(op, question)
    if operand == "option":
        raw = posted.get(f"v.{path}", "")
        value: str | int | None = options.get(raw, next(iter(options.values()), None))
        return Condition(question=chosen, op=op, value=value)
    if operand == "options":
        ticked = [value for key, value in options.items() if posted.get(f"vs.{path}.{key}") == "1"]
        return Condition(question=chosen, op=op, values=ticked)
    if operand == "text":
        return Condition(question=chosen, op=op, value=posted.get(f"v.{path}", ""))
    if operand == "range":
        return Condition(
            question=chosen, op=op, low=_int(posted.get(f"lo.{path}")), high=_int(posted.get(f"hi.{path}"))
        )
    if operand == "questions":
        addends = [each.id for each in form.questions() if posted.get(f"sum.{path}.{each.id}") == "1"]
        return Condition(question=chosen, op=op, questions=addends)
    if operand == "none":
        return Condition(question=chosen, op=op)
    return Condition(question=chosen, op=op, value=_int(posted.get(f"v.{path}")))


def _posted_node(
    form: FormDef, question_id: str, place: RulePlace, posted: Mapping[str, str], path: str
) -> Rule | None:
    kind = posted.get(f"node.{path}")
    if kind == "cond":
        return _posted_condition(form, question_id, place, posted, path)
    if kind not in ("all", "any"):
        return None
    indices = sorted(
        int(key.rsplit(".", 1)[1])
        for key in posted
        if key.startswith(f"node.{path}.")
        and key.count(".") == path.count(".") + 2
        and key.rsplit(".", 1)[1].isdigit()
    )
    children = [
        child
        for index in indices
        if (child := _posted_node(form, question_id, place, posted, f"{path}.{index}"))
    ]
    return AllOf(rules=children) if kind == "all" else AnyOf(rules=children)


def _changed(rule: Rule, path: list[int], change: Any) -> Rule | None:
    """``rule`` with the node at ``path`` replaced by ``change(node)`` (which may return ``None``: removed)."""
    if not path:
        result: Rule | None = change(rule)
        return result
    if isinstance(rule, Condition):
        return rule
    children = list(rule.rules)
    if path[0] >= len(children):
        return rule
    child = _changed(children[path[0]], path[1:], change)
    if child is None:
        del children[path[0]]
    else:
        children[path[0]] = child
    return msgspec.structs.replace(rule, rules=children)


def posted_rule(form: FormDef, question_id: str, place: RulePlace, posted: Mapping[str, str]) -> Rule | None:
    """The tree a post of the rule builder describes, after the button it was sent with (``None``: removed)."""
    rule = _posted_node(form, question_id, place, posted, "r")
    if rule is None:
        return None
    fresh = default_condition(form, question_id, place)
    act, _, where = posted.get("act", "").partition(":")
    steps = [int(part) for part in where.split(".")[1:] if part.isdigit()] if where else []
    if act == "add" and fresh is not None:
        return _changed(
            rule,
            steps,
            lambda node: (
                msgspec.structs.replace(node, rules=[*node.rules, fresh])
                if not isinstance(node, Condition)
                else node
            ),
        )
    if act == "group" and fresh is not None:

        def nest(node: Rule) -> Rule:
            if isinstance(node, Condition):
                return node
            inner: Rule = AnyOf(rules=[fresh]) if isinstance(node, AllOf) else AllOf(rules=[fresh])
            return msgspec.structs.replace(node, rules=[*node.rules, inner])

        return _changed(rule, steps, nest)
    if act == "del":
        return _changed(rule, steps, lambda node: None)
    if act in ("and", "or") and fresh is not None and isinstance(rule, Condition):
        return AllOf(rules=[rule, fresh]) if act == "and" else AnyOf(rules=[rule, fresh])
    return rule
