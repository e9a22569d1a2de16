"""The builder's edits of rules (display rules, jumps, checks) and of the terminal outcomes, on a definition as data.

:func:`shenbao.forms.editing.apply_edit` hands these here: each takes the definition as plain data (``msgspec``
builtins) and changes it in place, raising :class:`~shenbao.forms.editing.EditError`'s base ``ValueError``
subclass passed in as ``error`` with a Chinese message when what it names is gone.
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from shenbao.forms.model import Condition, FormDef, Label, MultipleChoice, Question, SingleChoice
from shenbao.forms.rules import OPERATORS, Rule, fits

__all__ = [
    "RulePlace",
    "add_outcome",
    "add_rule",
    "default_condition",
    "delete_outcome",
    "delete_rule",
    "rule_candidates",
    "set_rule",
    "update_outcome",
    "update_rule_details",
]

RulePlace = Literal["visible_if", "jump", "check"]

_OUTCOME_MESSAGES = {
    "blocked": "很抱歉，按照政策规定，您不能申请。",
    "flagged": "您的情况可能不符合政策，申请仍会提交，由工作人员核实。",
}


def rule_candidates(form: FormDef, question_id: str, place: RulePlace) -> list[Question]:
    """The questions a rule of ``question_id`` at ``place`` may read: a display rule those before it, a jump those
    and its own answer, a check any question of the form (2021 q13 adds up q15–q19)."""
    questions = form.questions()
    if place == "check":
        return questions  # a check is run once the form is answered: it may compare with any question
    position = next((index for index, each in enumerate(questions) if each.id == question_id), len(questions))
    return questions[: position + (0 if place == "visible_if" else 1)]


def default_condition(form: FormDef, question_id: str, place: RulePlace) -> Condition | None:
    """A first condition to start a rule from: on the nearest choice question at or before this one that it may
    read, its first option."""
    candidates = rule_candidates(form, question_id, "jump" if place == "check" else place)
    chosen = next(
        (each for each in reversed(candidates) if isinstance(each, SingleChoice | MultipleChoice)),
        candidates[-1] if candidates else None,
    )
    if chosen is None:
        return None
    op = next(op for op in OPERATORS if fits(op, chosen))
    options = getattr(chosen, "options", [])
    if op in ("any_of", "all_of", "none_of"):
        return Condition(question=chosen.id, op=op, values=[options[0].value] if options else [])
    if op in ("is", "is_not"):
        return Condition(question=chosen.id, op=op, value=options[0].value if options else None)
    return Condition(question=chosen.id, op=op)


def _question(data: dict[str, Any], question_id: str, error: type[ValueError]) -> dict[str, Any]:
    for section in data["sections"]:
        question: dict[str, Any]
        for question in section["questions"]:
            if question["id"] == question_id:
                return question  # the stored dict itself: the caller changes it in place
    raise error("这道题已不存在（可能刚被删除），请刷新后再试")


def _builtins(rule: Rule | str) -> Any:
    return rule if isinstance(rule, str) else msgspec.to_builtins(rule)


def set_rule(
    data: dict[str, Any],
    question_id: str,
    place: RulePlace,
    index: int,
    rule: Rule | str,
    error: type[ValueError],
) -> None:
    """Make ``rule`` the question's display rule, or its ``index``-th jump's or check's condition."""
    question = _question(data, question_id, error)
    if place == "visible_if":
        question["visible_if"] = _builtins(rule)
        return
    key, field = ("jumps", "when") if place == "jump" else ("checks", "rule")
    items = question.get(key, [])
    if not 0 <= index < len(items):
        raise error("这条规则已不存在，请刷新后再试")
    items[index][field] = _builtins(rule)


def add_rule(
    data: dict[str, Any], form: FormDef, question_id: str, place: RulePlace, error: type[ValueError]
) -> None:
    """Start a display rule, a jump (to the first outcome, adding a 不能申请 outcome if there is none) or a check."""
    question = _question(data, question_id, error)
    condition = default_condition(form, question_id, place)
    if condition is None:
        raise error("这道题前面还没有题目，显示条件只能用前面的题目：请先在前面添加题目")
    rule = msgspec.to_builtins(condition)
    if place == "visible_if":
        question["visible_if"] = rule
    elif place == "jump":
        if not data.get("outcomes"):
            add_outcome(data, "blocked")
        question.setdefault("jumps", []).append({"when": rule, "to": data["outcomes"][0]["id"]})
    else:
        question.setdefault("checks", []).append({"rule": rule, "message": "请检查这道题的回答"})


def delete_rule(
    data: dict[str, Any], question_id: str, place: RulePlace, index: int, error: type[ValueError]
) -> None:
    """Remove the display rule (the question is then always shown), or one jump or check."""
    question = _question(data, question_id, error)
    if place == "visible_if":
        question.pop("visible_if", None)
        return
    key = "jumps" if place == "jump" else "checks"
    items = question.get(key, [])
    if not 0 <= index < len(items):
        raise error("这条规则已不存在，请刷新后再试")
    del items[index]
    if not items:
        question.pop(key, None)


def update_rule_details(
    data: dict[str, Any],
    question_id: str,
    place: RulePlace,
    index: int,
    *,
    to: str | None,
    message: Label | None,
    error: type[ValueError],
) -> None:
    """Where a jump goes, or what a check says when it fails."""
    question = _question(data, question_id, error)
    key = "jumps" if place == "jump" else "checks"
    items = question.get(key, [])
    if place == "visible_if" or not 0 <= index < len(items):
        raise error("这条规则已不存在，请刷新后再试")
    if place == "jump" and to is not None:
        items[index]["to"] = to
    if place == "check" and message is not None:
        items[index]["message"] = message


def add_outcome(data: dict[str, Any], kind: Literal["blocked", "flagged"]) -> str:
    """Add a terminal outcome of ``kind`` with a standard message; returns its id."""
    taken = {outcome["id"] for outcome in data.get("outcomes", [])}
    taken |= {question["id"] for section in data["sections"] for question in section["questions"]}
    number = 1
    while f"end{number}" in taken:
        number += 1
    outcome_id = f"end{number}"
    data.setdefault("outcomes", []).append(
        {"id": outcome_id, "kind": kind, "message": _OUTCOME_MESSAGES[kind]}
    )
    return outcome_id


def update_outcome(
    data: dict[str, Any], outcome_id: str, values: dict[str, Any], error: type[ValueError]
) -> None:
    """Change an outcome's kind, message or the question a flagged outcome resumes at."""
    for outcome in data.get("outcomes", []):
        if outcome["id"] == outcome_id:
            outcome.update(values)
            if outcome.get("resume_at") is None or outcome.get("kind") == "blocked":
                outcome.pop("resume_at", None)
            return
    raise error("这个结果已不存在，请刷新后再试")


def delete_outcome(data: dict[str, Any], outcome_id: str, error: type[ValueError]) -> None:
    """Remove an outcome no jump goes to (a jump to it must be removed or redirected first)."""
    users = [
        question["id"]
        for section in data["sections"]
        for question in section["questions"]
        if any(jump.get("to") == outcome_id for jump in question.get("jumps", []))
    ]
    if users:
        raise error(f"还有{len(users)}道题的跳转转到这个结果：请先删掉或改掉这些跳转")
    kept = [outcome for outcome in data.get("outcomes", []) if outcome["id"] != outcome_id]
    if len(kept) == len(data.get("outcomes", [])):
        raise error("这个结果已不存在，请刷新后再试")
    data["outcomes"] = kept
