"""A farmer's draft moved onto a new version of its form: what is kept, asked again, new and no longer asked."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms import CompiledForm, compile_form
from shenbao.forms.carry_over import CarryOver, carry_over
from shenbao.forms.model import FormDef
from tests.support.samples import household_2021, one_click_2023

from .support import gansu_form
from .test_diff import Edit, add_q, delete_q, edited, fields, options, set_q

SEALED_ID = {"$enc": "v1:k1:c2VhbGVkLWlkLW51bWJlcg"}
SEALED_PHONE = {"$enc": "v1:k1:c2VhbGVkLXBob25l"}


@pytest.fixture(scope="module")
def zizhu() -> CompiledForm:
    return gansu_form("gansu-zizhu-2021")


def moved(old: CompiledForm, answers: dict[str, Any], *edits: Edit) -> CarryOver:
    """The draft carried from ``old`` onto ``old`` with ``edits``."""
    return carry_over(old, compile_form(edited(old.definition, *edits)), answers)


def drop_option(value: Any) -> Any:
    return lambda each: [option for option in each if option["value"] != value]


@pytest.mark.parametrize(
    ("name", "answers"),
    [
        ("gansu-zizhu-2021", household_2021()),
        ("gansu-zizhu-2021", household_2021(q1="proxy", q2="family")),
        ("gansu-yijian-2023", one_click_2023()),
    ],
    ids=["2021", "2021-proxy", "2023"],
)
def test_the_same_version_keeps_every_answer(name: str, answers: dict[str, Any]) -> None:
    form = gansu_form(name)
    assert carry_over(form, form, answers) == CarryOver(answers=answers, again={}, new=[], dropped=[])


def test_a_new_label_and_a_new_optional_question_keep_everything_and_tell_what_is_new(
    zizhu: CompiledForm,
) -> None:
    answers = household_2021()
    result = moved(
        zizhu,
        answers,
        set_q("q8", label="您家里除了您还有别人吗"),
        add_q("household", 1, id="people", type="number", label="家里有几口人", required=False),
        add_q("pledge", 0, id="thanks", type="notice", label="谢谢您"),
    )
    assert result == CarryOver(answers=answers, again={}, new=["people"], dropped=[])


@pytest.mark.parametrize(
    ("shown_when", "new"),
    [('q8 == "yes"', ["later"]), ('q8 == "no"', []), ('q5 == "non_agri"', [])],
    ids=["shown-by-a-kept-answer", "hidden-by-a-kept-answer", "hidden-by-a-jump"],
)
def test_a_new_question_is_listed_only_when_the_farmer_will_see_it(
    zizhu: CompiledForm, shown_when: str, new: list[str]
) -> None:
    result = moved(
        zizhu,
        household_2021(),
        add_q("household", None, id="later", type="text", label="补充", visible_if=shown_when),
    )
    assert result.new == new
    assert result.again == {}


def test_a_new_question_the_draft_already_answered_is_not_new(zizhu: CompiledForm) -> None:
    answers = household_2021(later="家里还有一头牛")
    result = moved(zizhu, answers, add_q("household", None, id="later", type="text", label="补充"))
    assert result.new == []
    assert result.answers == answers


AGAIN = [
    pytest.param(
        household_2021(),
        [options("q25", drop_option("b"))],
        {"q25": "「当前居住房屋鉴定(评估)等级」的选项改了，请重新选择"},
        id="option-removed",
    ),
    pytest.param(
        household_2021(),
        [
            options(
                "q5",
                lambda each: [
                    {**option, "value": "farm"} if option["value"] == "agri" else option for option in each
                ],
            )
        ],
        {"q5": "「您的户籍性质」的选项改了，请重新选择"},
        id="option-value-renamed",
    ),
    pytest.param(
        household_2021(),
        [options("q9", drop_option("chronic"))],
        {"q9": "「您家里有没有以下情况」的选项改了，请重新选择"},
        id="ticked-option-removed",
    ),
    pytest.param(
        household_2021(q12="家里老人常年吃药，开销很大，收入又少"),
        [set_q("q12", max_chars=12)],
        {"q12": "「请描述具体原因」的要求改了：最多写12个字，现在是18个字，请删去6个字"},
        id="shorter-max-length",
    ),
    pytest.param(
        household_2021(),
        [set_q("q14", min_selections=3)],
        {"q14": "「请选择共同居住的家庭成员都有哪些年龄段构成」的要求改了：请至少选择3项"},
        id="more-choices-required",
    ),
    pytest.param(
        household_2021(q12="家里老人常年吃药，开销很大"),
        [set_q("q12", type="number", min_chars=None, max_chars=None, multiline=None)],
        {"q12": "「请描述具体原因」这道题改了，请重新回答"},
        id="type-changed",
    ),
    pytest.param(
        household_2021(),
        [set_q("q13", checks=[{"rule": "q13 <= 2", "message": "共同居住的人数最多填2人"}])],
        {"q13": "「请选择共同居住的家庭成员人数」：共同居住的人数最多填2人"},
        id="tightened-check",
    ),
    pytest.param(
        household_2021(),
        [fields("q4", lambda each: [*each, {"id": "wechat", "label": "微信号"}])],
        {"q4": "「申请人基本信息」的要求改了：请填写“微信号”"},
        id="new-required-blank",
    ),
]


@pytest.mark.parametrize(("answers", "edits", "again"), AGAIN)
def test_an_answer_the_new_version_refuses_is_asked_again_with_the_reason(
    zizhu: CompiledForm, answers: dict[str, Any], edits: list[Edit], again: dict[str, str]
) -> None:
    result = moved(zizhu, answers, *edits)
    assert result.again == again
    assert result.answers == {key: value for key, value in answers.items() if key not in again}
    assert result.dropped == result.new == []


def test_answers_to_removed_questions_and_blanks_are_dropped_and_told(zizhu: CompiledForm) -> None:
    answers = household_2021(q12="家里老人常年吃药，开销很大")
    result = moved(
        zizhu,
        answers,
        delete_q("q32"),
        delete_q("q12"),
        fields("q4", lambda each: [field for field in each if field["id"] != "phone"]),
    )
    assert result.dropped == ["q4.phone", "q12", "q32"]
    assert result.again == {}
    kept_q4 = {key: value for key, value in answers["q4"].items() if key != "phone"}
    assert result.answers == {
        **{key: value for key, value in answers.items() if key not in ("q12", "q32")},
        "q4": kept_q4,
    }


def test_sealed_identity_numbers_and_phones_pass_through_unchanged(zizhu: CompiledForm) -> None:
    sealed = {"name": "张三", "id_number": SEALED_ID, "phone": SEALED_PHONE}
    answers = household_2021(
        q4=sealed, q3={"name": "李四", "id_number": SEALED_ID, "phone": SEALED_PHONE}, q1="proxy", q2="family"
    )
    same = carry_over(zizhu, zizhu, answers)
    assert same.answers == answers and same.answers["q4"] is sealed
    assert same.again == {}
    relabelled = moved(zizhu, answers, set_q("q4", label="户主基本信息"), set_q("q8", label="家里还有别人吗"))
    assert relabelled.answers == answers and relabelled.again == {}


def test_a_sealed_blank_whose_kind_changed_is_asked_again(zizhu: CompiledForm) -> None:
    answers = household_2021(q4={"name": "张三", "id_number": SEALED_ID, "phone": SEALED_PHONE})
    retyped = fields(
        "q4", lambda each: [{**field, "kind": "text"} if field["id"] == "phone" else field for field in each]
    )
    result = moved(zizhu, answers, retyped)
    assert result.again == {"q4": "「申请人基本信息」的“户主联系电话”改了，请重新填写"}
    assert "q4" not in result.answers


def test_a_check_the_draft_already_failed_keeps_its_answer(zizhu: CompiledForm) -> None:
    answers = household_2021(q13=5)  # q15 + q16 add up to 3: the 2021 check already fails
    assert "q13" in moved(zizhu, answers).answers  # the farmer sees the same message as before
    result = moved(zizhu, answers, set_q("q8", label="家里还有别人吗"))
    assert result.answers == answers and result.again == {}


def test_a_refused_answer_to_a_question_now_hidden_is_left_out_without_asking(zizhu: CompiledForm) -> None:
    answers = household_2021(q36=["dibao_1"])  # q36 shows only when q34 is "yes"; this draft says "no"
    result = moved(zizhu, answers, options("q36", drop_option("dibao_1")))
    assert result.again == {}
    assert result.answers == {key: value for key, value in answers.items() if key != "q36"}


def test_asked_again_in_form_order_alongside_what_is_new_and_dropped(zizhu: CompiledForm) -> None:
    answers = household_2021()
    result = moved(
        zizhu,
        answers,
        options("q33", drop_option("under_20k")),
        options("q5", drop_option("agri")),
        delete_q("q31"),
        add_q("income", 0, id="debt", type="text", label="家里欠了多少债"),
    )
    assert list(result.again) == ["q5", "q33"]
    assert result.new == ["debt"]
    assert result.dropped == ["q31"]


def test_the_one_click_form_carries_its_own_draft() -> None:
    yijian = gansu_form("gansu-yijian-2023")
    answers = one_click_2023(phone=SEALED_PHONE, id_number=SEALED_ID)
    definition: FormDef = yijian.definition
    result = carry_over(yijian, compile_form(edited(definition, set_q("name", label="户主姓名"))), answers)
    assert result == CarryOver(answers=answers, again={}, new=[], dropped=[])


def test_an_answer_the_draft_already_had_wrong_is_asked_again_as_it_is_wrong(zizhu: CompiledForm) -> None:
    answers = household_2021(q12="开销大")  # q12 asks for at least 10 characters, in every version
    result = moved(zizhu, answers, set_q("q8", label="家里还有别人吗"))
    assert result.again == {"q12": "「请描述具体原因」：如果填写，请写10到200个字，现在只有3个字"}
    assert "q12" not in result.answers
