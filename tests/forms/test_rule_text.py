"""Rules in Chinese: the builder's sentences, its problems at each row, the preview's "为什么没显示"."""

from __future__ import annotations

import msgspec
import pytest

from shenbao.forms import CompiledForm
from shenbao.forms.model import AllOf, AnyOf, Condition, FormDef, Rule
from shenbao.forms.rule_problems import CODES, RuleProblem, rule_problems
from shenbao.forms.rule_text import Place, describe_place, describe_rule, explain_hidden

from .support import zizhu_minimal

yes8 = Condition(question="q8", op="is", value="yes")


@pytest.mark.parametrize(
    ("rule", "sentence"),
    [
        (yes8, "第8题选“有”"),
        (Condition(question="q8", op="is_not", value="yes"), "第8题不是“有”"),
        (Condition(question="q9", op="any_of", values=["inpatient"]), "第9题选了“有住院病人”"),
        (
            Condition(question="q9", op="any_of", values=["inpatient", "chronic"]),
            "第9题选了“有住院病人”“有长期慢性病人”中任一项",
        ),
        (
            Condition(question="q9", op="all_of", values=["inpatient", "chronic"]),
            "第9题“有住院病人”“有长期慢性病人”都选了",
        ),
        (
            Condition(question="q9", op="none_of", values=["inpatient", "chronic"]),
            "第9题“有住院病人”“有长期慢性病人”都没选",
        ),
        (Condition(question="q9", op="none_of", values=["inpatient"]), "第9题没选“有住院病人”"),
        (
            Condition(question="q1", op="any_of", values=["self", "proxy"]),
            "第1题选“本人办理”“代人办理”中的一项",
        ),
        (Condition(question="q14", op="count_at_least", value=2), "第14题至少选了2项"),
        (Condition(question="q14", op="count_at_most", value=2), "第14题最多选了2项"),
        (Condition(question="q14", op="count_is", value=3), "第14题正好选了3项"),
        (Condition(question="q13", op="gt", value=5), "第13题大于5"),
        (Condition(question="q13", op="lt", value=5), "第13题小于5"),
        (Condition(question="q13", op="between", low=1, high=5), "第13题介于1和5之间"),
        (Condition(question="q37", op="answered"), "第37题已回答"),
        (Condition(question="q37", op="unanswered"), "第37题没有回答"),
        (Condition(question="q12", op="chars_at_least", value=10), "第12题不少于10个字"),
        (Condition(question="q12", op="chars_at_most", value=200), "第12题不多于200个字"),
        (Condition(question="q12", op="is", value="看病"), "第12题填的是“看病”"),
        (
            Condition(question="q13", op="is_sum_of", questions=["q15", "q16", "q17"]),
            "第13题等于第15、16、17题之和",
        ),
        (
            Condition(question="q13", op="is_sum_of", questions=["q15", "materials"]),
            "第13题等于第15题、“户口簿、身份证照片”之和",
        ),
        (Condition(question="materials", op="answered"), "“户口簿、身份证照片”已回答"),
        (Condition(question="gone", op="answered"), "已删除的题目“gone”已回答"),
        (
            AllOf(
                rules=[
                    yes8,
                    AnyOf(
                        rules=[
                            Condition(question="q13", op="gt", value=5),
                            Condition(question="q14", op="count_at_least", value=2),
                        ]
                    ),
                ]
            ),
            "第8题选“有”，并且（第13题大于5，或者第14题至少选了2项）",
        ),
        (
            AnyOf(rules=[yes8, Condition(question="q1", op="is", value="self")]),
            "第8题选“有”，或者第1题选“本人办理”",
        ),
        (AllOf(), "总是成立"),
    ],
)
def test_describe_rule(zizhu: CompiledForm, rule: Rule, sentence: str) -> None:
    assert describe_rule(rule, zizhu) == sentence
    assert describe_rule(rule, zizhu.definition) == sentence


def test_each_place_has_its_sentence(zizhu: CompiledForm) -> None:
    assert describe_place(yes8, zizhu, "visible_if") == "第8题选“有”时显示"
    assert describe_place(yes8, zizhu, "check") == "须满足：第8题选“有”"
    non_agri = Condition(question="q5", op="is", value="non_agri")
    assert describe_place(non_agri, zizhu, "jump", to="q48") == (
        "第5题选“非农户籍”时转到结束页“受政策限制,非农业户籍不能申请,…”"
    )
    assert describe_place(yes8, zizhu, "jump", to="q49") == (
        "第8题选“有”时转到提示页“从现行政策规定看,您的家庭中存在…”，再从第45题继续"
    )
    assert describe_place("id_age(q4.id_number) >= 60", zizhu, "visible_if") == (
        "“id_age(q4.id_number) >= 60”成立时显示"
    )


def _problems(rule: Rule, form: FormDef, question: str, place: Place) -> list[tuple[str, list[int], str]]:
    return [
        (problem.code, problem.path, problem.message)
        for problem in rule_problems(rule, form, question, place)
    ]


@pytest.mark.parametrize(
    ("rule", "question", "place", "expected"),
    [
        (yes8, "q9", "visible_if", []),
        (
            Condition(question="q99", op="answered"),
            "q9",
            "visible_if",
            [("R001", [], "条件里的题目“q99”已删除，请重新选择题目或删掉这个条件")],
        ),
        (
            Condition(question="q20", op="is", value="yes"),
            "q9",
            "visible_if",
            [("R002", [], "第20题在本题之后，显示条件只能用本题之前的题目，请换一道题目或删掉这个条件")],
        ),
        (
            Condition(question="q9", op="answered"),
            "q9",
            "visible_if",
            [("R002", [], "显示条件不能用本题自己的回答，请换成本题之前的题目")],
        ),
        (Condition(question="q24", op="is", value="yes"), "q24", "jump", []),
        (
            Condition(question="q26", op="is", value="yes"),
            "q24",
            "jump",
            [
                (
                    "R002",
                    [],
                    "第26题在本题之后，跳转条件只能用本题和本题之前的题目，请换一道题目或删掉这个条件",
                )
            ],
        ),
        (Condition(question="q20", op="is", value="yes"), "q13", "check", []),
        (
            Condition(question="q8", op="gt", value=3),
            "q9",
            "visible_if",
            [("R003", [], "第8题是单选题，不能用“大于”，请换一个条件")],
        ),
        (
            Condition(question="q9", op="is", value="inpatient"),
            "q20",
            "visible_if",
            [("R003", [], "第9题是多选题，不能用“是”，请换一个条件")],
        ),
        (
            Condition(question="q9", op="any_of"),
            "q20",
            "visible_if",
            [("R004", [], "第9题“选了其中任一”：还没有选选项，请至少选一项")],
        ),
        (
            AllOf(rules=[yes8, AnyOf()]),
            "q20",
            "visible_if",
            [("R005", [1], "这一组还没有条件，请添加条件或删掉这一组")],
        ),
        (
            AnyOf(rules=[yes8, Condition(question="q9", op="none_of", values=["inpatient", "retired"])]),
            "q20",
            "visible_if",
            [("R006", [1], "第9题的选项“retired”已不存在，请重新选择选项")],
        ),
        (
            Condition(question="q8", op="is", value="maybe"),
            "q9",
            "visible_if",
            [("R006", [], "第8题的选项“maybe”已不存在，请重新选择选项")],
        ),
        (
            Condition(question="q13", op="between", low=5, high=1),
            "q20",
            "visible_if",
            [("R007", [], "“介于”的最小值5大于最大值1，请把两个数对调")],
        ),
        (
            Condition(question="q14", op="count_at_least", value=6),
            "q20",
            "visible_if",
            [("R008", [], "第14题只有5个选项，不可能选6项，请改小这个数")],
        ),
        (
            Condition(question="q13", op="is_sum_of", questions=["q13", "q12", "q15"]),
            "q13",
            "check",
            [
                ("R009", [], "第13题不能和自己相加，请去掉第13题"),
                ("R009", [], "第12题不是数字，不能相加，请换一道数字题"),
            ],
        ),
    ],
)
def test_rule_problems(
    zizhu: CompiledForm, rule: Rule, question: str, place: Place, expected: list[tuple[str, list[int], str]]
) -> None:
    assert _problems(rule, zizhu.definition, question, place) == expected
    assert rule_problems(rule, zizhu, question, place) == rule_problems(
        rule, zizhu.definition, question, place
    )


def test_every_problem_code_is_documented(zizhu: CompiledForm) -> None:
    problem = RuleProblem("R005", [0], "这一组还没有条件，请添加条件或删掉这一组")
    assert problem.code in CODES
    assert msgspec.json.decode(msgspec.json.encode(problem), type=RuleProblem) == problem


def test_explain_hidden_names_the_display_rule_and_the_answer(zizhu: CompiledForm) -> None:
    answers = {**zizhu_minimal(), "q8": "no"}
    assert explain_hidden(zizhu, answers, "q9") == "第8题选“有”时显示；现在第8题选的是“没有”"
    assert explain_hidden(zizhu, answers, "q8") is None
    assert explain_hidden(zizhu, zizhu_minimal(), "q38") == "第37题已回答时显示；现在第37题没有显示"
    assert explain_hidden(zizhu, zizhu_minimal(), "q21") == "第20题选“有”时显示；现在第20题没有显示"
    students = {**zizhu_minimal(), "q14": ["over_60", "age_6_16"]}
    assert explain_hidden(zizhu, students, "q21") == "第20题选“有”时显示；现在第20题还没有回答"


def test_explain_hidden_names_the_jump_that_ended_the_form(zizhu: CompiledForm) -> None:
    answers = {**zizhu_minimal(), "q5": "non_agri"}
    assert explain_hidden(zizhu, answers, "q30") == (
        "第5题选“非农户籍”时转到结束页“受政策限制,非农业户籍不能申请,…”；现在第5题选的是“非农户籍”，所以第30题不再显示"
    )
    flagged = {**zizhu_minimal(), "q24": "yes"}
    assert explain_hidden(zizhu, flagged, "q30") is not None
    assert explain_hidden(zizhu, flagged, "q45") is None  # the flagged outcome resumes there


def test_explain_hidden_shows_cel_that_does_not_read_back(zizhu: CompiledForm) -> None:
    raw = msgspec.to_builtins(zizhu.definition)
    for section in raw["sections"]:
        for question in section["questions"]:
            if question["id"] == "q9":
                question["visible_if"] = 'q8 == "yes" ? true : q1 == "proxy"'
    from shenbao.forms import compile_form

    form = compile_form(msgspec.convert(raw, FormDef))
    assert explain_hidden(form, {**zizhu_minimal(), "q8": "no"}, "q9") == (
        '“q8 == "yes" ? true : q1 == "proxy"”成立时显示；现在第1题选的是“本人办理”，第8题选的是“没有”'
    )
