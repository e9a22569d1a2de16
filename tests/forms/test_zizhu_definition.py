"""The 2021 definition file says what the seed says: ids in order, types, options, texts."""

from __future__ import annotations

import pytest

from shenbao.forms import CompiledForm
from shenbao.forms.model import FieldsQuestion, MultipleChoice, SingleChoice, Upload


def test_question_ids_follow_the_seed_numbering(zizhu: CompiledForm) -> None:
    numbered = [question.id for question in zizhu.questions if question.numbered]
    assert numbered == [f"q{number}" for number in range(1, 48)]


def test_question_numbers_match_the_ids(zizhu: CompiledForm) -> None:
    assert all(zizhu.numbers[f"q{number}"] == number for number in range(1, 48))
    assert set(zizhu.numbers) == {f"q{number}" for number in range(1, 48)}


def test_the_materials_upload_is_unnumbered_and_optional_between_q46_and_q47(zizhu: CompiledForm) -> None:
    ids = [question.id for question in zizhu.questions]
    assert ids[ids.index("q46") + 1 : ids.index("q47")] == ["materials"]
    materials = zizhu.by_id["materials"]
    assert isinstance(materials, Upload)
    assert (materials.numbered, materials.required, materials.max_files) == (False, False, 6)
    assert zizhu.section_of["materials"] == "pledge"
    assert zizhu.name_of("materials") == "“户口簿、身份证照片”"
    assert zizhu.name_of("q47") == "第47题"


def test_outcomes_are_q48_blocked_and_q49_flagged(zizhu: CompiledForm) -> None:
    assert {key: outcome.kind for key, outcome in zizhu.outcomes.items()} == {
        "q48": "blocked",
        "q49": "flagged",
    }


def test_form_header(zizhu: CompiledForm) -> None:
    definition = zizhu.definition
    assert (definition.id, definition.version, definition.guide_min_seconds) == ("gansu-zizhu-2021", 1, 60)
    assert definition.pledge_before == "q45"


@pytest.mark.parametrize(
    "text",
    [
        "一、申请对象",
        "25个工作日。",
        "3、家庭经济状况核对授权书。",
        "4、提交申请",
        "核对录入的申请信息,确认后提交办理",
    ],
)
def test_guide_holds_the_seed_sections(zizhu: CompiledForm, text: str) -> None:
    assert text in zizhu.definition.guide


@pytest.mark.parametrize(
    "text",
    [
        "我和家庭成员共同承诺:",
        "一、热爱党,热爱国家,热爱人民,做遵纪守法的公民。",
        "如有虚假,愿承担一切法律责任。现自愿授权各相关单位对我申报的家庭成员情况、家庭收入、支出及财产状况进行调查核实。",
        "注:承诺人为具有完全民事行为能力中国公民,本人或代理人(需家庭成员委托方能代理)",
    ],
)
def test_pledge_is_word_for_word(zizhu: CompiledForm, text: str) -> None:
    assert zizhu.definition.pledge is not None
    assert text in zizhu.definition.pledge


def test_sections_cover_the_questions_in_order(zizhu: CompiledForm) -> None:
    layout = {section.title: [q.id for q in section.questions] for section in zizhu.definition.sections}
    assert layout == {
        "办理方式": ["q1", "q2", "q3", "q4"],
        "户籍与住址": ["q5", "q6", "q7"],
        "家庭情况": ["q8", "q9", "q10", "q11", "q12"],
        "家庭成员": [f"q{number}" for number in range(13, 23)],
        "住房与财产": [f"q{number}" for number in range(23, 32)],
        "收入与保障": [f"q{number}" for number in range(32, 45)],
        "承诺与签名": ["q45", "q46", "materials", "q47"],
    }


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("q3", "fields"), ("q4", "fields"), ("q6", "region"), ("q7", "geolocation"), ("q12", "text"),
        ("q45", "signature"), ("q46", "photo"), ("q47", "notice"), ("q9", "multiple_choice"), ("q13", "single_choice"),
    ],
)  # fmt: skip
def test_question_types(zizhu: CompiledForm, question: str, kind: str) -> None:
    assert zizhu.by_id[question].__struct_config__.tag == kind


def test_household_address_picker_goes_down_to_the_village(zizhu: CompiledForm) -> None:
    """The application goes to the handler of the household's village (the chain's first step)."""
    q6 = zizhu.by_id["q6"]
    assert (q6.depth, q6.root, q6.required) == ("village", "62", True)  # type: ignore[union-attr]
    assert q6.help == "请依次选择市州、区县、乡镇、村"


def test_q49_resumes_at_the_signature(zizhu: CompiledForm) -> None:
    assert zizhu.outcomes["q49"].resume_at == "q45" and zizhu.outcomes["q48"].resume_at is None


@pytest.mark.parametrize(
    ("question", "kinds", "verified"),
    [
        pytest.param("q3", ["text", "id_number", "phone"], [False, False, False], id="proxy: no code"),
        pytest.param(
            "q4", ["text", "id_number", "phone"], [False, False, True], id="applicant: code to the phone"
        ),
    ],
)
def test_identity_blanks(zizhu: CompiledForm, question: str, kinds: list[str], verified: list[bool]) -> None:
    fields = zizhu.by_id[question]
    assert isinstance(fields, FieldsQuestion)
    assert [field.kind for field in fields.fields] == kinds
    assert [field.verify for field in fields.fields] == verified


def test_q3_note_records_that_its_rule_reads_q1(zizhu: CompiledForm) -> None:
    question = zizhu.by_id["q3"]
    assert question.note is not None
    assert "2题" in question.note
    assert "q1" in question.note


def test_q9_options_are_grouped_as_in_the_seed(zizhu: CompiledForm) -> None:
    question = zizhu.by_id["q9"]
    assert isinstance(question, MultipleChoice)
    groups = [option.group for option in question.options]
    assert list(dict.fromkeys(groups)) == [
        "今年一年里家里有病人",
        "目前家里有残疾人",
        "目前家里供养学生",
        "目前家里有留守人员",
        "今年一年家里有突发情况",
        None,  # the added 以上都没有 belongs to no group
    ]
    assert [groups.count(group) for group in dict.fromkeys(groups)] == [4, 4, 4, 4, 2, 1]


def test_only_none_of_the_above_is_exclusive(zizhu: CompiledForm) -> None:
    exclusive = [
        (question.id, option.value, option.label)
        for question in zizhu.questions
        if isinstance(question, MultipleChoice)
        for option in question.options
        if option.exclusive
    ]
    assert exclusive == [("q9", "none", "以上都没有"), ("q10", "none", "以上都没有")]


@pytest.mark.parametrize(
    ("question", "most"), [("q13", 15), *((f"q{number}", 6) for number in range(15, 20))]
)
def test_count_options_are_numbers_with_person_labels(zizhu: CompiledForm, question: str, most: int) -> None:
    options = zizhu.by_id[question]
    assert isinstance(options, SingleChoice)
    assert [(option.value, option.label) for option in options.options] == [
        (count, f"{count}人") for count in range(1, most + 1)
    ]


def test_option_values_are_short_ascii_codes(zizhu: CompiledForm) -> None:
    values = [
        option.value
        for question in zizhu.questions
        if isinstance(question, SingleChoice | MultipleChoice)
        for option in question.options
        if isinstance(option.value, str)
    ]
    assert all(value.isascii() and value == value.lower() and len(value) <= 20 for value in values)
