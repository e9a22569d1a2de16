"""The rule builder's tree: compiled to CEL, read back from CEL, stored in definitions."""

from __future__ import annotations

import functools
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shenbao.forms import CompiledForm, compile_form, evaluate
from shenbao.forms.expressions import CompiledExpression, compile_expression, new_context
from shenbao.forms.lint import lint_form
from shenbao.forms.model import AllOf, AnyOf, Condition, FormDef, Jump, Rule
from shenbao.forms.rule_reading import read_rule
from shenbao.forms.rules import RuleError, compile_rule, questions_by_id, rule_source, walk

from .rule_strategies import answers, reading, small_forms, trees
from .support import gansu_form, zizhu_minimal

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _holds(source: str, values: dict[str, Any]) -> bool:
    context = new_context()
    for name, value in values.items():
        context.add_variable(name, value)
    return compile_expression(source).holds(context)


@_SETTINGS
@given(st.data())
def test_a_tree_reads_back_from_its_cel(data: st.DataObject) -> None:
    form = data.draw(small_forms())
    rule = data.draw(trees(form))
    source = compile_rule(rule, form)
    assert read_rule(source, form) == rule, source


@_SETTINGS
@given(st.data())
def test_the_cel_means_what_the_tree_says(data: st.DataObject) -> None:
    form = data.draw(small_forms())
    rule = data.draw(trees(form, max_leaves=6))
    source = compile_rule(rule, form)
    by_id = questions_by_id(form)
    for _ in range(5):
        values = data.draw(answers(form))
        assert _holds(source, values) is (reading(rule, values, by_id) is True), (source, values)


def _gansu_rules(form: CompiledForm) -> list[tuple[str, str]]:
    rules: list[tuple[str, str]] = []
    for question in form.questions:
        sources = [question.visible_if] if question.visible_if else []
        sources += [jump.when for jump in question.jumps] + [check.rule for check in question.checks]
        rules += [(question.id, source) for source in sources if isinstance(source, str)]
    return rules


@pytest.mark.parametrize("name", ["gansu-zizhu-2021", "gansu-yijian-2023"])
def test_every_gansu_rule_reads_back_and_compiles_to_itself(name: str) -> None:
    form = gansu_form(name)
    rules = _gansu_rules(form)
    assert rules
    for question_id, source in rules:
        rule = read_rule(source, form)
        assert rule is not None, f"{question_id}: {source}"
        assert compile_rule(rule, form) == source


@st.composite
def _zizhu_values(draw: st.DrawFn, form: CompiledForm) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for question in form.questions:
        options = [option.value for option in getattr(question, "options", [])]
        if question.__struct_config__.tag == "multiple_choice":
            values[question.id] = draw(st.lists(st.sampled_from(options), max_size=4, unique=True))
        elif options:
            values[question.id] = draw(st.none() | st.sampled_from(options))
        else:
            values[question.id] = None
    return values


@functools.cache
def _zizhu_pairs() -> list[tuple[CompiledExpression, CompiledExpression]]:
    """Each rule of the 2021 form, compiled as written and as read back and compiled again."""
    form = gansu_form("gansu-zizhu-2021")
    pairs = []
    for _, source in _gansu_rules(form):
        rule = read_rule(source, form)
        assert rule is not None
        pairs.append((compile_expression(source), compile_expression(compile_rule(rule, form))))
    return pairs


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_every_gansu_rule_read_back_evaluates_the_same(zizhu: CompiledForm, data: st.DataObject) -> None:
    values = data.draw(_zizhu_values(zizhu))
    context = new_context()
    for name, value in values.items():
        context.add_variable(name, value)
    for written, read_back in _zizhu_pairs():
        assert read_back.holds(context) == written.holds(context), written.source


def test_the_q13_check_is_a_sum_or_an_unanswered_q14() -> None:
    form = gansu_form("gansu-zizhu-2021")
    assert read_rule("size(q14) == 0 || q13 == total([q15, q16, q17, q18, q19])", form) == AnyOf(
        rules=[
            Condition(question="q14", op="unanswered"),
            Condition(question="q13", op="is_sum_of", questions=["q15", "q16", "q17", "q18", "q19"]),
        ]
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('"a" in q9', Condition(question="q9", op="any_of", values=["a"])),
        ('q9.exists(x, x in ["a"])', Condition(question="q9", op="any_of", values=["a"])),
        ('q9.exists(item, item == "a")', Condition(question="q9", op="any_of", values=["a"])),
        ('!("a" in q9)', Condition(question="q9", op="none_of", values=["a"])),
        ('["a", "b"].all(x, x in q9)', Condition(question="q9", op="all_of", values=["a", "b"])),
        ('q8 in ["yes", "no"]', Condition(question="q8", op="any_of", values=["yes", "no"])),
        ('!(q8 in ["yes"])', Condition(question="q8", op="none_of", values=["yes"])),
        ('!(q8 == "yes")', Condition(question="q8", op="is_not", value="yes")),
        ('"yes" == q8', Condition(question="q8", op="is", value="yes")),
        ("'yes' == q8", Condition(question="q8", op="is", value="yes")),
        ("5 < q13", Condition(question="q13", op="gt", value=5)),
        ("q13 >= 3", Condition(question="q13", op="gt", value=2)),
        ("q13 <= 3", Condition(question="q13", op="lt", value=4)),
        ("q13 > -1", Condition(question="q13", op="gt", value=-1)),
        ("q13 <= 5 && q13 >= 1", Condition(question="q13", op="between", low=1, high=5)),
        ("size(q14) > 2", Condition(question="q14", op="count_at_least", value=3)),
        ("size(q14) < 3", Condition(question="q14", op="count_at_most", value=2)),
        ("size(q14) == 2", Condition(question="q14", op="count_is", value=2)),
        ("size(q14) != 0", Condition(question="q14", op="answered")),
        ("chars(q12) > 9", Condition(question="q12", op="chars_at_least", value=10)),
        ("q12 == null", Condition(question="q12", op="unanswered")),
        ("total([q15, q16]) == q13", Condition(question="q13", op="is_sum_of", questions=["q15", "q16"])),
        ("true", AllOf()),
        ("false", AnyOf()),
        (
            'q1 == "self" || q1 == "proxy"',
            AnyOf(
                rules=[
                    Condition(question="q1", op="is", value="self"),
                    Condition(question="q1", op="is", value="proxy"),
                ]
            ),
        ),
        (
            '(q1 == "self" || q8 == "no") && q13 > 2',
            AllOf(
                rules=[
                    AnyOf(
                        rules=[
                            Condition(question="q1", op="is", value="self"),
                            Condition(question="q8", op="is", value="no"),
                        ]
                    ),
                    Condition(question="q13", op="gt", value=2),
                ]
            ),
        ),
    ],
)
def test_hand_written_variants_read_into_the_tree(source: str, expected: Rule) -> None:
    form = gansu_form("gansu-zizhu-2021")
    assert read_rule(source, form) == expected


@pytest.mark.parametrize(
    "source",
    [
        "q13 + 1 > 3",  # arithmetic
        'q8 == "yes" ? true : false',  # the ternary
        "id_age(q4.id_number) >= 60",  # a helper the builder does not offer
        '!(q8 == "yes" && q1 == "self")',  # a negated group
        "q9 != null",  # a multiple choice is [] when unanswered, never null
        "size(q12) > 0",  # size() of a text counts bytes
        'q9 == "a"',  # a list is never a string
        "q8 in q9",  # not a literal
        "q13 > 2.5",  # a float
        'q8 == "yes" && nowhere == 1',  # a question the form does not have
        "q8 ==",  # not CEL at all
    ],
)
def test_what_does_not_fit_stays_an_expression(source: str) -> None:
    assert read_rule(source, gansu_form("gansu-zizhu-2021")) is None


def test_a_string_value_is_escaped_for_cel() -> None:
    form = gansu_form("gansu-zizhu-2021")
    rule = Condition(question="q12", op="is", value='他说"好"\\\n')
    source = compile_rule(rule, form)
    assert source == 'q12 == "他说\\"好\\"\\\\\\n"'
    assert _holds(source, {"q12": '他说"好"\\\n'})


def test_groups_are_parenthesised_and_trivial_groups_collapse() -> None:
    form = gansu_form("gansu-zizhu-2021")
    yes = Condition(question="q8", op="is", value="yes")
    between = Condition(question="q13", op="between", low=1, high=5)
    rule = AnyOf(rules=[AllOf(rules=[yes, between]), AllOf(rules=[AnyOf(rules=[yes, yes])]), AllOf()])
    assert compile_rule(rule, form) == (
        '(q8 == "yes" && (q13 >= 1 && q13 <= 5)) || (q8 == "yes" || q8 == "yes") || true'
    )
    assert compile_rule(between, form) == "q13 >= 1 && q13 <= 5"
    assert compile_rule(AllOf(rules=[yes]), form) == 'q8 == "yes"'


@pytest.mark.parametrize(
    "condition",
    [
        Condition(question="q8", op="is"),
        Condition(question="q13", op="gt", value="5"),
        Condition(question="q9", op="any_of"),
        Condition(question="q13", op="between", low=1),
        Condition(question="q13", op="is_sum_of"),
        Condition(question="q8", op="answered", value="yes"),
    ],
)
def test_a_condition_without_its_operand_does_not_compile(condition: Condition) -> None:
    with pytest.raises(RuleError):
        compile_rule(condition, gansu_form("gansu-zizhu-2021"))


def test_walk_gives_each_node_its_path() -> None:
    yes = Condition(question="q8", op="is", value="yes")
    rule = AllOf(rules=[yes, AnyOf(rules=[yes, AllOf()])])
    assert [path for path, _ in walk(rule)] == [(), (0,), (1,), (1, 0), (1, 1)]


def _with_tree_rules() -> FormDef:
    """The 2021 form with q9's display rule, q24's jump and q13's check stored as trees."""
    form = gansu_form("gansu-zizhu-2021")
    raw = msgspec.to_builtins(form.definition)
    for section in raw["sections"]:
        for question in section["questions"]:
            if question["id"] == "q9":
                question["visible_if"] = {"kind": "condition", "question": "q8", "op": "is", "value": "yes"}
            if question["id"] == "q24":
                question["jumps"][0]["when"] = msgspec.to_builtins(read_rule('q24 == "yes"', form))
            if question["id"] == "q13":
                tree = read_rule(question["checks"][0]["rule"], form)
                question["checks"][0]["rule"] = msgspec.to_builtins(tree)
    return msgspec.convert(raw, FormDef)


def test_a_definition_stores_trees_and_evaluates_them_like_their_cel() -> None:
    definition = _with_tree_rules()
    q9 = next(question for question in definition.questions() if question.id == "q9")
    assert q9.visible_if == Condition(question="q8", op="is", value="yes")
    assert rule_source(q9.visible_if, definition) == 'q8 == "yes"'
    trees_form, strings_form = compile_form(definition), gansu_form("gansu-zizhu-2021")
    for changes in ({}, {"q8": "no"}, {"q24": "yes"}, {"q13": 3}):
        given_answers = {**zizhu_minimal(), **changes}
        assert evaluate(trees_form, given_answers) == evaluate(strings_form, given_answers)
    assert lint_form(definition, "tree.json") == []


def test_the_linter_checks_references_order_and_operands_of_trees() -> None:
    raw = msgspec.to_builtins(_with_tree_rules())
    questions = raw["sections"][0]["questions"]
    questions[0]["visible_if"] = {"kind": "condition", "question": "q2", "op": "answered"}
    questions[1]["visible_if"] = {"kind": "condition", "question": "gone", "op": "answered"}
    questions[2]["jumps"] = [{"when": {"kind": "condition", "question": "q1", "op": "is"}, "to": "q48"}]
    problems = lint_form(msgspec.convert(raw, FormDef), "tree.json")
    assert {(problem.question, problem.code) for problem in problems} == {
        ("q1", "E006"),
        ("q2", "E005"),
        ("q3", "E004"),
    }


def test_the_schema_accepts_a_tree_where_it_accepts_cel() -> None:
    jump = msgspec.json.decode(
        b'{"when": {"kind": "any", "rules": [{"kind": "condition", "question": "q5", "op": "any_of",'
        b' "values": ["non_agri"]}]}, "to": "q48"}',
        type=Jump,
    )
    assert jump.when == AnyOf(rules=[Condition(question="q5", op="any_of", values=["non_agri"])])
    with pytest.raises(msgspec.ValidationError):
        msgspec.json.decode(
            b'{"when": {"kind": "condition", "question": "q5", "op": "near"}, "to": "q48"}', type=Jump
        )


def test_the_linter_says_what_the_builder_would_of_a_stale_tree() -> None:
    raw = msgspec.to_builtins(_with_tree_rules())
    for section in raw["sections"]:
        for question in section["questions"]:
            if question["id"] == "q9":
                question["visible_if"] = {"kind": "condition", "question": "q8", "op": "is", "value": "maybe"}
    problems = lint_form(msgspec.convert(raw, FormDef), "tree.json")
    # and since no answer is "maybe", q9 is never shown
    assert [(problem.question, problem.code) for problem in problems] == [("q9", "E021"), ("q9", "E008")]
    assert "第8题的选项“maybe”已不存在" in problems[0].message
