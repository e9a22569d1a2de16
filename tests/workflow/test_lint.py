"""The chain linter: each small broken chain gives its code; the shipped pack lints clean."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import msgspec
import pytest
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.packs import ChainRegistry, FormRegistry, PackError, check_routing
from shenbao.paths import form_defs_dir
from shenbao.workflow.lint import CODES, lint_all, lint_chains
from tests.support.web import migrated_settings


def step(id: str, **extra: Any) -> dict[str, Any]:
    return {"id": id, "name": f"环节{id}", "public_name": f"第{id}步", "role": "village",
            "deadline": {"working_days": 5}, "actions": ["pass_up"], **extra}  # fmt: skip


def chain(*steps: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A chain ``tiny`` of ``steps`` (one plain step by default), 15 working days, one SMS template."""
    return {
        "id": "tiny",
        "version": 1,
        "title": "小流程",
        "deadline": {"working_days": 15},
        "steps": list(steps) or [step("only")],
        "sms": {"hello": "【甘肃一键报贫】申请{receipt}到了{step}"},  # the sign of the pack.json _lint writes
        **extra,
    }


HOME = {"type": "region", "id": "home", "label": "户籍地址", "depth": "village"}
"""The question that routes the application: the form's first region question."""
RISK = {
    "type": "multiple_choice",
    "id": "risk",
    "label": "风险",
    "options": [{"value": "disaster", "label": "灾"}],
}


def tiny_form(*questions: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """The form ``tiny-form`` of chain ``tiny``: by default the village it comes from and its risks."""
    return {
        "$schema": "../../schema.json",
        "id": "tiny-form",
        "version": 1,
        "chain": "tiny",
        "title": "小表",
        "sections": [{"id": "main", "title": "第一页", "questions": list(questions) or [HOME, RISK]}],
        **extra,
    }


FORM = tiny_form()


def _lint(
    tmp_path: Path, definition: dict[str, Any], form: dict[str, Any] = FORM
) -> list[tuple[str, str | None]]:
    (tmp_path / "pack" / "chains").mkdir(parents=True)
    (tmp_path / "pack" / "forms").mkdir()
    manifest = {"code": "pack", "name": "甘肃省", "version": 1, "province": "62", "sms_sign": "甘肃一键报贫"}
    (tmp_path / "pack" / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    (tmp_path / "pack" / "forms" / "tiny-form.json").write_text(json.dumps(form, ensure_ascii=False), "utf-8")
    (tmp_path / "pack" / "chains" / "tiny.json").write_text(
        json.dumps(definition, ensure_ascii=False), "utf-8"
    )
    files, problems = lint_chains(tmp_path)
    assert len(files) == 1
    return [(problem.code, problem.question) for problem in problems]


GREEN = {"when": '"disaster" in risk', "relief_roles": ["village"]}
APPEAL_NOTICE = {"on": "appeal", "to": "handler", "template": "hello"}
TOWNSHIP = step("t", role="township", notify=[APPEAL_NOTICE])
"""A township step that hears appeals (its handlers get the ``hello`` SMS)."""
BROKEN = [
    pytest.param({**chain(), "colour": "red"}, [("C001", None)], id="C001 unknown key"),
    pytest.param(chain(step("a", actions=["sign"])), [("C001", None)], id="C001 unknown action"),
    pytest.param(chain(step("a", role="hamlet")), [("C001", None)], id="C001 unknown role"),
    pytest.param(chain(step("a", deadline={"working_days": 0})), [("C001", None)], id="C001 zero days"),
    pytest.param({**chain(), "steps": []}, [("C001", None)], id="C001 no steps"),
    pytest.param(chain(step("a"), step("a")), [("C002", "a"), ("C021", "a")], id="C002 C021 duplicate step"),
    pytest.param(chain(step("a", actions=["accept"]), step("b")), [("C003", "a")], id="C003 a step that never moves on"),
    pytest.param(chain(step("a", actions=["refuse"])), [("C003", "a")], id="C003 last step cannot finish"),
    pytest.param(chain(step("a", actions=["pass_up", "return"])), [("C003", "a")], id="C003 return at the first step"),
    pytest.param(chain(step("a", actions=["pass_up", "relief"])), [("C003", "a")], id="C003 relief as a step action"),
    pytest.param(chain(step("a", form="visit")), [("C004", "a")], id="C004 unknown form"),
    pytest.param(chain(step("a", notify=[{"on": "enter", "to": "handler", "template": "bye"}])), [("C005", "a")],
                 id="C005 unknown SMS template"),
    pytest.param(chain(green_channel={"when": '"disaster" in'}), [("C006", None)], id="C006 rule does not compile"),
    pytest.param(chain(green_channel={"when": '"disaster" in q11'}), [("C007", None)],
                 id="C007 rule reads a question the form lacks"),
    pytest.param(chain(sms={"hello": "申请{receipt}，{name}您好"}), [("C008", None)], id="C008 unknown placeholder"),
    pytest.param(chain(sms={"hello": "申请{receipt"}), [("C008", None)], id="C008 broken placeholder"),
    pytest.param({**chain(), "id": "other"}, [("C012", None), ("C009", None)], id="C009 C012 chain id is not the file's"),
    pytest.param(chain(step("a", deadline={"working_days": 20})), [("C010", "a")], id="C010 step longer than chain"),
    pytest.param(chain(step("a", notify=[{"on": "refuse", "to": "applicant", "template": "hello"}])),
                 [("C011", "a")], id="C011 notification on an action not allowed"),
    pytest.param(chain(green_channel={**GREEN, "relief_roles": ["mayor"]}), [("C001", None)],
                 id="C001 relief role is no role"),
    pytest.param(chain(green_channel={**GREEN, "relief_roles": ["county"]}), [("C013", None)],
                 id="C013 relief role acts nowhere"),
    pytest.param(chain(reminders={"remind": "hello", "escalate": "late"}), [("C014", None)],
                 id="C014 reminders name a template not in sms"),
    pytest.param(chain(sms={"hello": "申请{receipt}已超期{days}个工作日"}), [("C015", None)],
                 id="C015 days outside the escalation template"),
    pytest.param(chain(step("a", notify=[{"on": "enter", "to": "handler", "template": "hello"}]),
                       sms={"hello": "申请{receipt}：{reason}"}), [("C025", "a")],
                 id="C025 a reason where a step is entered"),
    pytest.param(chain(sms={"hello": "申请{receipt}：{reason}"}, reminders={"remind": "hello"}), [("C025", None)],
                 id="C025 a reason in the reminder"),
    pytest.param(chain(reminders={"remind": "hello", "escalate": "late", "escalate_every": 61}), [("C001", None)],
                 id="C001 escalations too far apart"),
    pytest.param(chain(sms={"hello": "申请{receipt}到了{step}", "late": "申请{receipt}已超期{days}个工作日"},
                       reminders={"remind": "hello", "escalate": "late"}), [],
                 id="a clean chain with reminders and escalations"),
    pytest.param(chain(appeal_role="township", appeal_days=10), [("C016", None)], id="C016 appeal role acts nowhere"),
    pytest.param(chain(TOWNSHIP, appeal_role="township"), [("C017", None)], id="C017 appeals without a window"),
    pytest.param(chain({**TOWNSHIP, "notify": []}, appeal_role="township", appeal_days=10), [("C018", "t")],
                 id="C018 nobody hears of an appeal"),
    pytest.param(chain(appeal_days=10), [("C019", None)], id="C019 a window without an appeal role"),
    pytest.param(chain(step("a", notify=[APPEAL_NOTICE]), TOWNSHIP, appeal_role="township", appeal_days=10),
                 [("C011", "a")], id="C011 appeal notification away from the appeal step"),
    pytest.param(chain(TOWNSHIP, appeal_role="township", appeal_days=10), [], id="a clean chain with appeals"),
    pytest.param(chain(green_channel=GREEN), [], id="a clean chain with a green channel"),
    pytest.param(chain({k: v for k, v in step("a").items() if k != "public_name"}), [("C001", None)],
                 id="C001 a step without public_name"),
    pytest.param(chain(step("a", public_name="")), [("C020", "a")], id="C020 empty public_name"),
    pytest.param(chain(step("a", public_name="  ")), [("C020", "a")], id="C020 blank public_name"),
    pytest.param(chain(step("a", public_name={"bo": "..."})), [("C020", "a")], id="C020 public_name without zh"),
    pytest.param(chain(step("a", public_name={"zh": "村里答复", "bo": "..."})), [],
                 id="a clean chain with a public_name in two languages"),
    pytest.param(chain(step("a", public_name="村级核查"), step("b", public_name="村级核查 ")), [("C021", "b")],
                 id="C021 two steps the applicant cannot tell apart"),
    pytest.param(chain(step("a", name="村级核查", public_name="村级核查")), [],
                 id="a clean chain whose public_name is the staff name"),
    pytest.param(chain(step("a", deadline={"working_days": 5, "from": "previous_step"}, actions=["approve"])), [],
                 id="a clean chain with a relative deadline"),
]  # fmt: skip


@pytest.mark.parametrize(("definition", "expected"), BROKEN)
def test_broken_chain(tmp_path: Path, definition: dict[str, Any], expected: list[Any]) -> None:
    assert _lint(tmp_path, definition) == expected


TOWNSHIP_HOME = {**HOME, "depth": "township"}
FLAG = {"id": "flag", "kind": "flagged", "message": "仍然记录"}
JUMPING_RISK = {**RISK, "jumps": [{"when": '"disaster" in risk', "to": "flag"}]}
COUNTY_FIRST = chain(step("c", role="county"))
ROUTING = [
    pytest.param(tiny_form(TOWNSHIP_HOME, RISK), chain(), [("C022", "home")],
                 id="C022 a township question, a village step"),
    pytest.param(tiny_form(TOWNSHIP_HOME, RISK), chain(step("c", role="county", actions=["approve"]), step("v")),
                 [("C022", "home")], id="C022 a village step after the first"),
    pytest.param(tiny_form(HOME, RISK), chain(), [], id="a village question, a village step"),
    pytest.param(tiny_form(TOWNSHIP_HOME, RISK), COUNTY_FIRST, [], id="a township question, county steps only"),
    pytest.param({**tiny_form(TOWNSHIP_HOME, RISK), "chain": None}, chain(), [], id="a form with no chain"),
    pytest.param(tiny_form(RISK), chain(), [("C023", None)], id="C023 no region question at all"),
    pytest.param(tiny_form({**HOME, "required": False}, RISK), chain(), [("C024", "home")],
                 id="C024 the region question is optional"),
    pytest.param(tiny_form(RISK, {**HOME, "visible_if": "size(risk) > 0"}), chain(), [("C024", "home")],
                 id="C024 the region question is conditional"),
    pytest.param(tiny_form(JUMPING_RISK, HOME, outcomes=[FLAG]), chain(), [("C024", "home")],
                 id="C024 a flagged jump before it ends the form"),
    pytest.param(tiny_form(JUMPING_RISK, HOME, RISK | {"id": "more"}, outcomes=[{**FLAG, "resume_at": "more"}]),
                 chain(), [("C024", "home")], id="C024 a flagged jump resumes after it"),
    pytest.param(tiny_form(JUMPING_RISK, HOME, outcomes=[{**FLAG, "resume_at": "home"}]), chain(), [],
                 id="a flagged jump that resumes at it"),
    pytest.param(tiny_form(HOME, JUMPING_RISK, outcomes=[FLAG]), chain(), [], id="a flagged jump after it"),
    pytest.param(tiny_form({**TOWNSHIP_HOME, "required": False}, HOME, RISK), chain(),
                 [("C024", "home"), ("C022", "home")], id="C022 C024 only the first region question routes"),
]  # fmt: skip


@pytest.mark.parametrize(("form", "definition", "expected"), ROUTING)
def test_the_question_that_routes_the_application(
    tmp_path: Path, form: dict[str, Any], definition: dict[str, Any], expected: list[Any]
) -> None:
    assert _lint(tmp_path, definition, form) == expected


def test_every_code_is_exercised() -> None:
    expected = [
        *(cast(list[tuple[str, str | None]], param.values[1]) for param in BROKEN),
        *(cast(list[tuple[str, str | None]], param.values[2]) for param in ROUTING),
    ]
    pack_level = {"C027"}  # the sign is the pack's: sign_problems, in test_sms_templates and the pack checks
    assert {code for problems in expected for code, _ in problems} == set(CODES) - pack_level


def test_the_routing_problem_names_the_form_question_depth_and_step(tmp_path: Path) -> None:
    _lint(tmp_path, chain(step("household_check")), tiny_form(TOWNSHIP_HOME, RISK))
    _, problems = lint_chains(tmp_path)
    assert str(problems[0]) == (
        f"{tmp_path / 'pack' / 'forms' / 'tiny-form.json'}: home: C022 region question home routes the "
        "application but picks only down to township, while step household_check of chain tiny acts at village "
        'level: no village handler would ever see an application; set its depth to "village"'
    )


def test_one_form_file_is_checked_against_its_chain(tmp_path: Path) -> None:
    _lint(tmp_path, chain(), tiny_form(TOWNSHIP_HOME, RISK))
    files, problems = lint_all(tmp_path / "pack" / "forms" / "tiny-form.json")
    assert len(files) == 1
    assert [(problem.code, problem.question) for problem in problems] == [("C022", "home")]


def test_a_form_naming_a_missing_chain(tmp_path: Path) -> None:
    assert _lint(tmp_path, chain(), {**FORM, "chain": "nowhere"}) == [("C009", None)]


def test_the_problem_names_file_and_step(tmp_path: Path) -> None:
    _lint(tmp_path, chain(step("a"), step("a")))
    _, problems = lint_chains(tmp_path)
    assert (
        str(problems[0])
        == f"{tmp_path / 'pack' / 'chains' / 'tiny.json'}: a: C002 step id a is used more than once"
    )


def test_the_shipped_packs_lint_clean() -> None:
    files, problems = lint_all(form_defs_dir())
    assert problems == []
    names = {file.name for file in files}
    assert {"gansu-yijian-2023.json", "gansu-zizhu-2021.json", "household-check.json"} <= names
    assert {"example-ningxia-apply.json", "example-ningxia-visit.json"} <= names
    assert len(files) == 8  # each pack's forms, step forms and chains


def test_one_chain_file(tmp_path: Path) -> None:
    files, problems = lint_all(form_defs_dir() / "gansu" / "chains" / "gansu-yijian-2023.json")
    assert (len(files), problems) == (1, [])


@pytest.mark.parametrize(
    ("form", "expected"),
    [
        pytest.param(tiny_form(HOME, RISK), None, id="a village question: served"),
        pytest.param(tiny_form(TOWNSHIP_HOME, RISK), "C022", id="a township question: refused"),
        pytest.param({**tiny_form(HOME, RISK), "chain": "nowhere"}, "C009", id="no such chain: refused"),
    ],
)
def test_start_up_refuses_a_form_whose_applications_reach_no_handler(
    tmp_path: Path, form: dict[str, Any], expected: str | None
) -> None:
    """The app loads its packs through the registries: it must refuse what ``shenbao lint`` refuses."""
    _lint(tmp_path, chain(), form)
    forms = FormRegistry.from_packs(["pack"], tmp_path)
    chains = ChainRegistry.from_packs(["pack"], tmp_path)
    if expected is None:
        check_routing(forms, chains)
        return
    with pytest.raises(PackError, match=f"tiny-form: .*{expected}"):
        check_routing(forms, chains)


def test_the_app_does_not_start_with_such_a_form(tmp_path: Path) -> None:
    _lint(tmp_path / "packs", chain(), tiny_form(TOWNSHIP_HOME, RISK))
    settings = msgspec.structs.replace(
        migrated_settings(tmp_path), packs=("pack",), form_defs=tmp_path / "packs"
    )
    with pytest.raises(ExceptionGroup) as raised, TestClient(create_app(settings)):
        pass  # the start-up fails: Litestar's lifespan reports it in a group
    assert raised.group_contains(PackError, match="tiny-form: home: C022")
