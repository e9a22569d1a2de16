"""Read a CEL rule back into the builder's tree, when it fits the builder's grammar.

The expression is parsed with the CEL grammar that ``cel-python`` ships for ``lark``
(:class:`celpy.celparser.CELParser`); its parse tree is matched against the shapes
:func:`~shenbao.forms.rules.compile_rule` writes and their natural hand-written variants (``"a" in q9``,
``q9.exists(x, x == "a")``, ``5 < q13``, ``size(q14) > 2``, ``q13 >= 1 && q13 <= 5``). Anything else (a
ternary, arithmetic, ``id_age(...)``, ``!`` of a group) does not fit: :func:`read_rule` returns ``None`` and the
rule stays a CEL expression. The question types decide the shapes that differ by type (``size(q) > 0`` is
"answered" only for a multiple choice, ``q != null`` only for the others).

Importing this module loads ``celpy``, which pulls in ``pendulum`` and ``google-re2``: only the builder
needs it, so nothing that evaluates forms imports it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from celpy.celparser import CELParseError, CELParser
from lark import Token, Tree

from shenbao.forms.expressions import ExpressionError, compile_expression, new_context
from shenbao.forms.model import Question
from shenbao.forms.rules import (
    AllOf,
    AnyOf,
    Condition,
    FormLike,
    Operator,
    Rule,
    is_list_answer,
    questions_by_id,
)

__all__ = ["read_rule"]

_PASS_THROUGH: Final = frozenset(
    {
        "expr",
        "conditionalor",
        "conditionaland",
        "relation",
        "addition",
        "multiplication",
        "unary",
        "member",
        "primary",
    }
)
"""Grammar nodes that, with one child, are only a step down to it."""

_MIRROR: Final = {
    "relation_lt": "relation_gt",
    "relation_gt": "relation_lt",
    "relation_le": "relation_ge",
    "relation_ge": "relation_le",
    "relation_eq": "relation_eq",
    "relation_ne": "relation_ne",
}

_Node = Tree[Token]


class _NoFit(Exception):
    """The expression does not fit the builder's grammar."""


@dataclass(frozen=True, slots=True)
class _Bound:
    """``q >= n`` or ``q <= n``: half of a ``between``, or on its own a ``gt``/``lt`` off by one."""

    question: str
    op: str
    value: int

    def alone(self) -> Condition:
        if self.op == "relation_ge":
            return Condition(question=self.question, op="gt", value=self.value - 1)
        return Condition(question=self.question, op="lt", value=self.value + 1)


_parser: CELParser | None = None


def _parse(source: str) -> _Node:
    global _parser  # building the LALR tables takes a moment: once per process
    if _parser is None:
        _parser = CELParser()
    tree: _Node = _parser.parse(source)
    return tree


def _down(node: _Node | Token) -> _Node:
    """Follow single-child steps (an ``expr`` that is only an ``or`` that is only an ``and`` ...)."""
    while isinstance(node, Tree) and node.data in _PASS_THROUGH and len(node.children) == 1:
        node = node.children[0]
    if not isinstance(node, Tree):
        raise _NoFit
    return node


def _ident(node: _Node | Token) -> str:
    node = _down(node)
    if node.data != "ident":
        raise _NoFit
    return str(node.children[0])


def _maybe_ident(node: _Node | Token) -> str | None:
    try:
        return _ident(node)
    except _NoFit:
        return None


def _literal(node: _Node | Token) -> str | int:
    """A string or int literal (``-3`` included); ``null``, bools, floats, uints and bytes do not fit."""
    node = _down(node)
    negative = False
    if node.data == "unary" and len(node.children) == 2 and _data(node.children[0]) == "unary_neg":
        negative = True
        node = _down(node.children[1])
    if node.data != "literal":
        raise _NoFit
    token = node.children[0]
    if not isinstance(token, Token) or token.type not in ("INT_LIT", "STRING_LIT", "MLSTRING_LIT"):
        raise _NoFit
    if negative and token.type != "INT_LIT":
        raise _NoFit
    try:  # CEL itself decodes the literal: escapes, raw strings, hex ints
        value = compile_expression(str(token)).value(new_context())
    except ExpressionError:
        raise _NoFit from None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise _NoFit
    return -value if negative and isinstance(value, int) else value


def _int(node: _Node | Token) -> int:
    value = _literal(node)
    if not isinstance(value, int):
        raise _NoFit
    return value


def _is_null(node: _Node | Token) -> bool:
    node = _down(node)
    if node.data != "literal":
        return False
    token = node.children[0]
    return isinstance(token, Token) and token.type == "NULL_LIT"


def _bool_literal(node: _Node) -> bool | None:
    if node.data != "literal":
        return None
    token = node.children[0]
    return str(token) == "true" if isinstance(token, Token) and token.type == "BOOL_LIT" else None


def _data(node: _Node | Token) -> str:
    return node.data if isinstance(node, Tree) else ""


def _list_literal(node: _Node | Token) -> list[str | int]:
    node = _down(node)
    if node.data != "list_lit" or not node.children:
        raise _NoFit
    return [_literal(item) for item in _down(node.children[0]).children]


def _call(node: _Node | Token) -> tuple[str, list[_Node | Token]] | None:
    """``name(args)``: the function's name and its arguments, or ``None``."""
    node = _down(node)
    if node.data != "ident_arg" or len(node.children) != 2:
        return None
    return str(node.children[0]), list(_down(node.children[1]).children)


def _counted(node: _Node | Token) -> tuple[str, str] | None:
    """``size(q)`` or ``chars(q)``: the function and the question."""
    call = _call(node)
    if call is None or call[0] not in ("size", "chars") or len(call[1]) != 1:
        return None
    question = _maybe_ident(call[1][0])
    return (call[0], question) if question else None


class _Reader:
    def __init__(self, questions: Mapping[str, Question]) -> None:
        self.questions = questions

    def question(self, name: str) -> Question:
        question = self.questions.get(name)
        if question is None:
            raise _NoFit  # a question the form does not have: its type is unknown
        return question

    def listed(self, name: str) -> bool:
        return is_list_answer(self.question(name))

    def rule(self, node: _Node | Token) -> Rule:
        item = self.item(node)
        return item.alone() if isinstance(item, _Bound) else item

    def item(self, node: _Node | Token) -> Rule | _Bound:
        node = _down(node)
        data = node.data
        if data == "expr":
            raise _NoFit  # the ternary
        if data == "conditionalor":
            return self.group(node, "conditionalor")
        if data == "conditionaland":
            return self.group(node, "conditionaland")
        if data == "relation":
            return self.relation(node)
        if data == "unary":
            return self.negation(node)
        if data == "member_dot_arg":
            return self.macro(node)
        if data == "paren_expr":  # a group of its own: never merged into the chain around it
            return self.rule(node.children[0])
        literal = _bool_literal(node)
        if literal is not None:
            return AllOf() if literal else AnyOf()  # the empty groups
        raise _NoFit

    def group(self, node: _Node, data: str) -> Rule:
        chain: list[_Node | Token] = []
        step: _Node | Token = node
        while isinstance(step, Tree) and step.data == data and len(step.children) == 2:
            chain.insert(0, step.children[1])
            step = step.children[0]
        chain.insert(0, step)
        items = [self.item(each) for each in chain]
        rules: list[Rule] = []
        index = 0
        while index < len(items):
            item, after = items[index], items[index + 1] if index + 1 < len(items) else None
            if (
                data == "conditionaland"
                and isinstance(item, _Bound)
                and isinstance(after, _Bound)
                and item.question == after.question
                and {item.op, after.op} == {"relation_ge", "relation_le"}
            ):
                low, high = (item, after) if item.op == "relation_ge" else (after, item)
                rules.append(Condition(question=item.question, op="between", low=low.value, high=high.value))
                index += 2
                continue
            rules.append(item.alone() if isinstance(item, _Bound) else item)
            index += 1
        if len(rules) == 1:
            return rules[0]
        return AllOf(rules=rules) if data == "conditionaland" else AnyOf(rules=rules)

    def relation(self, node: _Node) -> Rule | _Bound:
        operator, right = node.children
        if not isinstance(operator, Tree) or operator.data not in (*_MIRROR, "relation_in"):
            raise _NoFit
        left = operator.children[0]
        if operator.data == "relation_in":
            return self.membership(left, right)
        op = operator.data
        if _maybe_ident(left) is None and _counted(left) is None:
            left, right, op = right, left, _MIRROR[op]  # 5 < q13 is q13 > 5
        name = _maybe_ident(left)
        if name is not None:
            return self.compare(name, op, right)
        counted = _counted(left)
        if counted is None:
            raise _NoFit
        return self.count(counted[0], counted[1], op, _int(right))

    def compare(self, name: str, op: str, right: _Node | Token) -> Rule | _Bound:
        question = self.question(name)
        listed = is_list_answer(question)
        if op in ("relation_eq", "relation_ne") and _is_null(right):
            if listed:
                raise _NoFit  # [] is never null: not "answered"
            return Condition(question=name, op="unanswered" if op == "relation_eq" else "answered")
        if op == "relation_eq":
            call = _call(right)
            if call is not None:
                if call[0] != "total" or len(call[1]) != 1:
                    raise _NoFit
                node = _down(call[1][0])
                if node.data != "list_lit" or not node.children:
                    raise _NoFit
                summed = [_ident(each) for each in _down(node.children[0]).children]
                return Condition(question=name, op="is_sum_of", questions=summed)
        if listed:
            raise _NoFit
        if op in ("relation_eq", "relation_ne"):
            return Condition(
                question=name, op="is" if op == "relation_eq" else "is_not", value=_literal(right)
            )
        value = _int(right)
        if op == "relation_gt":
            return Condition(question=name, op="gt", value=value)
        if op == "relation_lt":
            return Condition(question=name, op="lt", value=value)
        return _Bound(name, op, value)

    def count(self, function: str, name: str, op: str, number: int) -> Rule:
        question = self.question(name)
        at_least: Operator = "count_at_least" if function == "size" else "chars_at_least"
        at_most: Operator = "count_at_most" if function == "size" else "chars_at_most"
        if function == "size":
            if not is_list_answer(question):
                raise _NoFit  # size() of a text counts bytes
            if number == 0 and op in ("relation_gt", "relation_ne"):
                return Condition(question=name, op="answered")
            if number == 0 and op in ("relation_eq", "relation_le"):
                return Condition(question=name, op="unanswered")
            if op == "relation_eq":
                return Condition(question=name, op="count_is", value=number)
        if op == "relation_ge":
            return Condition(question=name, op=at_least, value=number)
        if op == "relation_le":
            return Condition(question=name, op=at_most, value=number)
        if op == "relation_gt":
            return Condition(question=name, op=at_least, value=number + 1)
        if op == "relation_lt" and number > 0:
            return Condition(question=name, op=at_most, value=number - 1)
        raise _NoFit

    def membership(self, left: _Node | Token, right: _Node | Token) -> Rule:
        name = _maybe_ident(right)
        if name is not None:  # "a" in q9
            if not self.listed(name):
                raise _NoFit
            return Condition(question=name, op="any_of", values=[_literal(left)])
        name = _ident(left)  # q1 in ["a", "b"]
        if self.listed(name):
            raise _NoFit
        return Condition(question=name, op="any_of", values=_list_literal(right))

    def macro(self, node: _Node) -> Rule:
        """``q9.exists(x, x in [...])``, ``q9.exists(x, x == "a")`` or ``["a", "b"].all(x, x in q9)``."""
        target, method, arguments = node.children
        parts = list(_down(arguments).children) if isinstance(arguments, Tree) else []
        if len(parts) != 2:
            raise _NoFit
        variable = _ident(parts[0])
        body = _down(parts[1])
        operator, right = (
            body.children if body.data == "relation" and len(body.children) == 2 else (None, None)
        )
        if not isinstance(operator, Tree) or right is None:
            raise _NoFit
        left = operator.children[0]
        if str(method) == "exists":
            name = _ident(target)
            if not self.listed(name) or _ident(left) != variable:
                raise _NoFit
            if operator.data == "relation_in":
                return Condition(question=name, op="any_of", values=_list_literal(right))
            if operator.data == "relation_eq":
                return Condition(question=name, op="any_of", values=[_literal(right)])
            raise _NoFit
        if str(method) == "all" and operator.data == "relation_in" and _ident(left) == variable:
            name = _ident(right)
            if not self.listed(name):
                raise _NoFit
            return Condition(question=name, op="all_of", values=_list_literal(target))
        raise _NoFit

    def negation(self, node: _Node) -> Rule:
        if len(node.children) != 2 or _data(node.children[0]) != "unary_not":
            raise _NoFit
        inner = self.rule(node.children[1])
        if not isinstance(inner, Condition):
            raise _NoFit
        if inner.op == "any_of":
            return Condition(question=inner.question, op="none_of", values=inner.values)
        if inner.op == "is":
            return Condition(question=inner.question, op="is_not", value=inner.value)
        raise _NoFit


def read_rule(source: str, form: FormLike) -> Rule | None:
    """The tree that ``source`` is, or ``None`` when it does not fit the builder's grammar.

    The tree compiles (:func:`~shenbao.forms.rules.compile_rule`) to an expression that holds exactly when
    ``source`` does; for a tree the builder made, it compiles back to ``source`` itself.

    Args:
        source: a CEL expression, as a definition holds it.
        form: the form, or its questions by id: their types decide what a shape means, and a question the
            form does not have makes the expression unreadable (its type is unknown).
    """
    try:
        tree = _parse(source)
    except CELParseError:
        return None
    try:
        return _Reader(questions_by_id(form)).rule(tree)
    except _NoFit:
        return None
