"""CEL rules: the helpers, the operators every rule uses, and what is refused at load."""

from __future__ import annotations

import re
from typing import Any

import pytest

from shenbao.forms.expressions import ExpressionError, compile_expression, new_context


def holds(source: str, **variables: Any) -> bool:
    context = new_context()
    for name, value in variables.items():
        context.add_variable(name, value)
    return compile_expression(source).holds(context)


@pytest.mark.parametrize(
    ("source", "variables", "expected"),
    [
        pytest.param("chars(q) == 2", {"q": "你好"}, True, id="chars counts Chinese characters"),
        pytest.param("size(q) == 6", {"q": "你好"}, True, id="size counts bytes"),
        pytest.param("chars(q) == 0", {"q": None}, True, id="chars of null"),
        pytest.param("total([a, b, c]) == 5", {"a": 2, "b": None, "c": 3}, True, id="total skips null"),
        pytest.param('!("x" in q)', {"q": ["y"]}, True, id="logical not"),
        pytest.param("-a < 0", {"a": 3}, True, id="unary minus"),
        pytest.param('q.exists(v, v in ["a", "b"])', {"q": ["c", "b"]}, True, id="exists over a list"),
        pytest.param('q == "yes"', {"q": None}, False, id="unanswered equals nothing"),
        pytest.param("q > 1", {"q": "text"}, False, id="type mismatch does not hold"),
    ],
)
def test_rule(source: str, variables: dict[str, Any], expected: bool) -> None:
    assert holds(source, **variables) is expected


def test_reads_are_question_ids_without_macro_variables() -> None:
    assert compile_expression('q9.exists(x, x in ["a"]) || q10 == 1').reads == {"q9", "q10"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        pytest.param("q1 ==", "Syntax error", id="syntax error"),
        pytest.param("shout(q1)", "unknown function shout(): use CEL's functions or ['chars', 'id_age', 'id_sex', 'total']",
                     id="unknown function"),
        pytest.param("q1.shout()", "unknown function shout()", id="unknown method"),
    ],
)  # fmt: skip
def test_refused_at_compile_time(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(message)):
        compile_expression(source)


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        pytest.param('id_age("620102198001011239") == 46', True, id="age-after-birthday"),
        pytest.param('id_age("620102198012311237") == 45', True, id="age-before-birthday"),
        pytest.param('id_age("620102198001011230") == -1', True, id="age-of-a-wrong-check-digit"),
        pytest.param("id_age(null) == -1", True, id="age-of-nothing"),
        pytest.param('id_sex("620102198001011239") == "男"', True, id="sex-odd-17th-digit"),
        pytest.param('id_sex("not a number") == ""', True, id="sex-of-nonsense"),
    ],
)
def test_identity_helpers(rule: str, expected: bool) -> None:
    import datetime as dt

    context = new_context(dt.date(2026, 11, 28))
    assert compile_expression(rule).holds(context) is expected


def test_ages_are_counted_on_the_date_in_china_whatever_the_servers_zone() -> None:
    import datetime as dt

    import time_machine

    # 23:30 UTC on 31 December is already 07:30 on 1 January in China: a farmer born on 1 January is a year older.
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 30, tzinfo=dt.UTC), tick=False):
        assert compile_expression('id_age("620102198001011239") == 47').holds(new_context())
