"""Rules are CEL expressions (``common-expression-language``), compiled once when a form loads.

Every question id is a variable holding that question's answer: ``null`` while unanswered or hidden, ``[]``
for an unanswered multiple choice. Two helpers fill gaps in CEL:

``chars(s)``
    the number of characters in ``s`` (CEL's ``size()`` counts UTF-8 bytes, so ``size("你好") == 6``);
    ``chars(null) == 0``.
``total(list)``
    the sum of the numbers in ``list``, skipping ``null`` (hidden or unanswered counts add nothing).
``id_age(id_number)``
    the age in whole years, on the day of evaluation, of the holder of a resident identity number;
    ``-1`` when it is not a valid number (so ``id_age(q4.id_number) >= 60`` is simply false then).
``id_sex(id_number)``
    ``"男"`` or ``"女"`` from a valid identity number, ``""`` otherwise.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import cel

from shenbao import china_time
from shenbao.forms import identity

__all__ = ["HELPERS", "CompiledExpression", "ExpressionError", "compile_expression", "new_context"]


def _chars(value: Any) -> int:
    return len(value) if isinstance(value, str) else 0


def _total(values: Iterable[Any]) -> int:
    return sum(value for value in values if isinstance(value, int) and not isinstance(value, bool))


def _valid_id(value: Any, today: dt.date) -> str | None:
    if not isinstance(value, str):
        return None
    number = identity.normalise(value)
    return number if not identity.problems(number, today=today) else None


def _id_helpers(today: dt.date) -> dict[str, Callable[[Any], Any]]:
    def id_age(value: Any) -> int:
        number = _valid_id(value, today)
        born = identity.birth_date(number) if number else None
        if born is None:
            return -1
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def id_sex(value: Any) -> str:
        number = _valid_id(value, today)
        return identity.sex(number) if number else ""

    return {"id_age": id_age, "id_sex": id_sex}


HELPERS: Mapping[str, Any] = {"chars": _chars, "total": _total, **_id_helpers(dt.date(2000, 1, 1))}
"""The functions every rule may call, besides CEL's own (the identity helpers are bound to the day of each
evaluation by :func:`new_context`)."""

# CEL names operators and internals with symbols (`_==_`, `!_`, `@in`); callable functions have plain names.
_FUNCTION_NAME = re.compile(r"[A-Za-z]\w*")
# CEL reports the variable a macro binds (the x in q9.exists(x, ...)) among the variables it reads.
_MACRO_BINDING = re.compile(r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_]\w*)\s*,")


class ExpressionError(ValueError):
    """An expression does not compile, or calls a function that is neither CEL's nor a helper."""


class CompiledExpression:
    """A compiled CEL program with the question ids it reads."""

    __slots__ = ("program", "reads", "source")

    def __init__(self, source: str, program: cel.Program, reads: frozenset[str]) -> None:
        self.source = source
        self.program = program
        self.reads = reads

    def holds(self, context: cel.Context) -> bool:
        """Run against ``context``; an expression that fails at run time (a type mismatch) does not hold."""
        return self.value(context) is True

    def value(self, context: cel.Context) -> Any:
        """Run against ``context`` and return the result; ``None`` when it fails at run time."""
        try:
            return self.program.execute(context)
        except (RuntimeError, TypeError, ValueError, KeyError, ArithmeticError):
            return None  # e.g. a type mismatch, or a division by zero


_CEL_FUNCTIONS = frozenset(
    {
        "size", "has", "all", "exists", "exists_one", "map", "filter", "matches", "contains", "startsWith",
        "endsWith", "int", "uint", "double", "string", "bool", "type", "dyn", "duration", "timestamp",
        "max", "min", "lowerAscii", "upperAscii", "trim", "split", "join", "replace",
    }
)  # fmt: skip


def compile_expression(source: str) -> CompiledExpression:
    """Compile ``source`` once; raise :class:`ExpressionError` with CEL's own message when it is invalid."""
    try:
        program = cel.compile(source)
    except ValueError as error:
        raise ExpressionError(str(error).split("\n", 1)[0]) from None
    references = program.references()
    unknown = [
        name
        for name in references["functions"]
        if _FUNCTION_NAME.fullmatch(name) and name not in HELPERS and name not in _CEL_FUNCTIONS
    ]
    if unknown:
        names = ", ".join(unknown)
        raise ExpressionError(f"unknown function {names}(): use CEL's functions or {sorted(HELPERS)}")
    bound = set(_MACRO_BINDING.findall(source))
    return CompiledExpression(source, program, frozenset(references["variables"]) - bound)


def new_context(today: dt.date | None = None) -> cel.Context:
    """A fresh evaluation context carrying the helpers, ages counted on ``today`` (by default the date in China, as
    the applicant reads it, whatever the server's zone)."""
    return cel.Context(functions={**HELPERS, **_id_helpers(today or china_time.today())})
