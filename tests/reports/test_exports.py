"""The pack's export columns (decoded, linted) and the rows they make, masked or whole."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, cast

import pytest

from shenbao.exports import (
    EXPORT_FILE,
    HEADERS,
    FormColumns,
    approval_day,
    lint_exports,
    load_exports,
    national_row,
)
from shenbao.exports.spec import CODES
from shenbao.forms.loader import DefinitionError
from shenbao.paths import form_defs_dir
from shenbao.store.reports import ApprovedApplication
from tests.reports.known_set import yijian, zizhu
from tests.support.applications import YIJIAN, ZIZHU, chains, forms, step_forms
from tests.support.packs import gansu_divisions
from tests.support.samples import id_number

COLUMN = {header: index for index, (header, _) in enumerate(HEADERS)}

FORM = {
    "id": "small",
    "version": 1,
    "title": "小表",
    "chain": "small",
    "sections": [
        {
            "id": "s",
            "title": "S",
            "questions": [
                {"type": "text", "id": "name", "label": "姓名"},
                {"type": "id_number", "id": "card", "label": "身份证号"},
                {
                    "type": "single_choice",
                    "id": "size",
                    "label": "人数",
                    "options": [{"value": "a", "label": "A"}],
                },
                {
                    "type": "fields",
                    "id": "who",
                    "label": "户主",
                    "fields": [{"id": "phone", "label": "电话", "kind": "phone"}],
                },
            ],
        }
    ],
}


VISIT = {
    "id": "visit",
    "version": 1,
    "title": "入户",
    "sections": [
        {
            "id": "s",
            "title": "S",
            "questions": [
                {"type": "number", "id": "members", "label": "人数", "max": 30},
                {"type": "text", "id": "remarks", "label": "备注"},
            ],
        }
    ],
}
"""A form a step of the chain ``small`` fills."""


def _chain(form: str | None) -> dict[str, Any]:
    step = {"id": "check", "name": "核查", "public_name": "村级核查", "role": "village", "deadline": {"working_days": 5},
            "actions": ["record_check"]}  # fmt: skip
    return {"id": "small", "version": 1, "title": "小流程", "deadline": {"working_days": 5},
            "steps": [{**step, **({"form": form} if form else {})}]}  # fmt: skip


def _lint(
    tmp_path: Path,
    forms_columns: dict[str, Any],
    form: dict[str, Any] = FORM,
    *,
    step_form: str | None = "visit",
) -> list[tuple[str, str | None]]:
    (tmp_path / "forms").mkdir(exist_ok=True)
    (tmp_path / "forms" / "small.json").write_text(json.dumps(form), encoding="utf-8")
    (tmp_path / "chains" / "forms").mkdir(parents=True, exist_ok=True)
    (tmp_path / "chains" / "forms" / "visit.json").write_text(json.dumps(VISIT), encoding="utf-8")
    (tmp_path / "chains" / "small.json").write_text(json.dumps(_chain(step_form)), encoding="utf-8")
    (tmp_path / EXPORT_FILE).write_text(
        json.dumps({"title": "导出", "forms": forms_columns}), encoding="utf-8"
    )
    files, problems = lint_exports(tmp_path)
    assert files == [tmp_path / EXPORT_FILE]
    return [(problem.code, problem.question) for problem in problems]


def case(
    columns: dict[str, Any],
    expected: list[tuple[str, str | None]],
    *,
    id: str,
    step_form: str | None = "visit",
) -> Any:
    """A lint case: the export's columns, the problems expected, and the form the chain's one step fills."""
    return pytest.param(columns, expected, step_form, id=id)


LINT_CASES = [
    case({"small": {"name": "name", "id_number": "card", "phone": "who.phone"}}, [], id="clean"),
    case({"small": {"name": []}}, [("X001", None)], id="an-empty-list-of-paths"),
    case({"small": {"name": ["name", "Q2"]}}, [("X001", None)], id="a-bad-path-in-a-list"),
    case({"small": {}, "other": {"name": "name"}}, [("X002", None)], id="unknown-form"),
    case({"small": {"name": "nobody"}}, [("X003", "small")], id="unknown-question"),
    case({"small": {"phone": "who.mobile"}}, [("X004", "small")], id="unknown-blank"),
    case({"small": {"phone": "name.phone"}}, [("X004", "small")], id="blank-of-a-plain-question"),
    case({"small": {"id_number": "name"}}, [("X005", "small")], id="wrong-type"),
    case({"small": {"name": "who.phone"}}, [("X005", "small")], id="wrong-kind-of-blank"),
    case({"small": {"household_size": "size"}}, [("X006", "small")], id="size-not-numbers"),
    case({}, [("X007", None)], id="form-with-a-chain-left-out"),
    case({"small": {"household_size": "visit:members", "name": ["name", "visit:remarks"]}}, [],
         id="clean-with-a-step-form-and-a-fallback"),
    case({"small": {"household_size": "survey:members"}}, [("X008", "small")], id="unknown-step-form"),
    case({"small": {"household_size": "visit:members"}}, [("X009", "small")],
         id="a-step-form-no-step-of-the-chain-fills", step_form=None),
    case({"small": {"name": "visit:nobody"}}, [("X003", "small")], id="unknown-step-form-question"),
    case({"small": {"household_size": "visit:remarks"}}, [("X005", "small")], id="step-form-wrong-type"),
    case({"small": {"household_size": ["size", "visit:members"]}}, [("X006", "small")],
         id="each-path-checked"),
]  # fmt: skip
"""Columns, the problems they give, and the form the chain's step fills."""


@pytest.mark.parametrize(("columns", "expected", "step_form"), LINT_CASES)
def test_lint(
    tmp_path: Path, columns: dict[str, Any], expected: list[tuple[str, str | None]], step_form: str | None
) -> None:
    assert _lint(tmp_path, columns, step_form=step_form) == expected


def test_every_export_code_is_exercised() -> None:
    exercised = {code for case in LINT_CASES for code, _ in cast(list[tuple[str, Any]], case.values[1])}
    assert exercised == set(CODES)


def test_a_step_form_problem_says_which_chain_and_form(tmp_path: Path) -> None:
    _lint(tmp_path, {"small": {"household_size": "visit:members"}}, step_form=None)
    _, problems = lint_exports(tmp_path)
    assert [problem.message for problem in problems] == [
        "household_size reads visit:members, but no step of form small's chain fills form visit"
    ]


def test_a_malformed_file_is_one_problem(tmp_path: Path) -> None:
    (tmp_path / EXPORT_FILE).write_text(
        '{"title": "导出", "forms": {"small": {"age": "q1"}}}', encoding="utf-8"
    )
    _, problems = lint_exports(tmp_path)
    assert [problem.code for problem in problems] == ["X001"]
    assert "age" in problems[0].message
    with pytest.raises(DefinitionError, match="age"):
        load_exports(["."], tmp_path)


def test_the_gansu_pack_lints_clean_and_maps_both_forms() -> None:
    files, problems = lint_exports(form_defs_dir())
    assert form_defs_dir() / "gansu" / EXPORT_FILE in files and problems == []
    exports = load_exports(["gansu"])
    assert exports.title == "防止返贫监测对象申报"
    assert exports.columns[ZIZHU] == FormColumns(
        name="q4.name",
        id_number="q4.id_number",
        phone="q4.phone",
        household_size=["q13", "household-check:members"],
        risk_types="q11",
    )
    assert exports.columns[YIJIAN] == FormColumns(
        name="name",
        id_number="id_number",
        phone="phone",
        household_size="household-check:members",
        risk_types="hardship",
    )


CHECKED = {"action": "record_check", "step": "household_check", "actor": "v1", "on": "2026-06-03",
           "answers": {"members": 4, "housing": "safe", "meets_standard": "yes"}}  # fmt: skip
"""The household check's row of an application's history, as the village handler recorded it."""


def _application(
    form_id: str, answers: dict[str, Any], *, checks: list[dict[str, Any]] | None = None, **fields: Any
) -> ApprovedApplication:
    history = [
        {"action": "submit", "step": "household_check", "actor": "applicant", "on": "2026-06-01"},
        *(checks or []),
        {"action": "approve", "step": "county_approval", "actor": "county", "on": "2026-06-10"},
    ]
    values: dict[str, Any] = {
        "id": 1,
        "receipt_number": "260601123456",
        "form_id": form_id,
        "region_code": "620102001001",
        "status": "approved",
        "answers": answers,
        "workflow_state": {"step": "national_entry", "history": history},
        "created_at": dt.datetime(2026, 6, 1, 17, 30, tzinfo=dt.UTC),  # 2 June 01:30 in China
        **fields,
    }
    return ApprovedApplication(**values)


def _row(application: ApprovedApplication, *, full_identity: bool) -> dict[str, Any]:
    form = forms().get(application.form_id)
    chain = chains().get(application.form_id)
    cells = national_row(
        application,
        form=form,
        columns=load_exports(["gansu"]).columns.get(application.form_id),
        chain=chain[0] if chain else None,
        divisions=gansu_divisions(),
        full_identity=full_identity,
        step_forms={form.id: form for form in step_forms()},
    )
    assert len(cells) == len(HEADERS)
    return {header: cells[index] for header, index in COLUMN.items()}


def test_a_2021_row_for_the_county_has_every_field_whole() -> None:
    answers = zizhu("张三", "123", "13800138000", q11=["illness", "disaster"])
    row = _row(_application(ZIZHU, answers), full_identity=True)
    assert row["受理号"] == "260601123456" and row["姓名"] == "张三"
    assert row["身份证号"] == id_number(serial="123") and row["联系电话"] == "13800138000"
    assert row["家庭人口数"] == 3 and row["风险类型"] == "家庭成员患重病、自然灾害或突发事件"
    assert (row["省代码"], row["省"], row["市州代码"], row["市州"]) == ("62", "甘肃省", "6201", "兰州市")
    assert (row["区县代码"], row["区县"]) == ("620102", "城关区")
    assert (row["乡镇（街道）代码"], row["乡镇（街道）"]) == ("620102001", "酒泉路街道")
    assert row["村（居）代码"] == "620102001001" and row["村（居）"]
    assert row["申请日期"] == dt.date(2026, 6, 2)  # the day in China, not in UTC
    assert row["审批日期"] == dt.date(2026, 6, 10)
    assert row["当前环节"] == "已办结" and row["申请表"] == f"{forms().get(ZIZHU).title()}（第1版）"  # type: ignore[union-attr]


def test_a_2023_row_masks_identity_and_takes_the_household_size_from_the_check() -> None:
    answers = yijian("李四", "456", "13912345678", hardship=["accident", "illness"])
    application = _application(YIJIAN, answers, checks=[CHECKED], status="in_progress")
    row = _row(application, full_identity=False)
    assert row["姓名"] == "李四"
    assert row["身份证号"] == id_number(serial="456")[:6] + "********" + id_number(serial="456")[-4:]
    assert row["联系电话"] == "139****5678"
    assert row["家庭人口数"] == 4
    assert row["风险类型"] == "因意外事故、因病（家里有人生病）"
    assert row["当前环节"] == "录入国家系统"  # approved by the county, not yet entered


def test_a_row_without_columns_or_form_keeps_what_the_application_itself_says() -> None:
    application = _application("retired-form", {"name": "王五"}, region_code="620102001")
    cells = national_row(
        application,
        form=None,
        columns=None,
        chain=None,
        divisions=gansu_divisions(),
        full_identity=True,
    )
    row = {header: cells[index] for header, index in COLUMN.items()}
    assert row["姓名"] == "" and row["身份证号"] == "" and row["风险类型"] == ""
    assert (
        row["乡镇（街道）代码"] == "620102001"
        and row["村（居）代码"] == ""
        and row["申请表"] == "retired-form（第1版）"
    )


@pytest.mark.parametrize(
    ("history", "status", "expected"),
    [
        pytest.param(
            [{"action": "approve", "on": "2026-06-10"}], "in_progress", dt.date(2026, 6, 10), id="approved"
        ),
        pytest.param(
            [{"action": "approve", "on": "2026-06-10"}, {"action": "pass_up", "on": "2026-06-12"}],
            "approved",
            dt.date(2026, 6, 10),
            id="approved-then-entered",
        ),
        pytest.param(
            [{"action": "pass_up", "on": "2026-06-12"}],
            "approved",
            dt.date(2026, 6, 12),
            id="no-approve-step",
        ),
        pytest.param([{"action": "pass_up", "on": "2026-06-12"}], "in_progress", None, id="not-approved"),
        pytest.param([], "approved", None, id="no-history"),
    ],
)
def test_approval_day(history: list[dict[str, Any]], status: str, expected: dt.date | None) -> None:
    assert approval_day({"history": history}, status) == expected


def test_shenbao_lint_checks_the_export_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from shenbao.cli import main

    _lint(tmp_path, {"small": {"name": "nobody"}})
    assert main(["lint", str(tmp_path)]) == 1
    out, err = capsys.readouterr()
    assert "X003" in out and "nobody" in out and "exports" in err
    assert main(["lint", str(tmp_path / EXPORT_FILE)]) == 1  # the export file alone is not read as a form
    out, _ = capsys.readouterr()
    assert "X003" in out and "E001" not in out
    assert (
        main(["lint"]) == 0
    )  # the shipped packs: no problem; their longest SMS told as warnings, not failing
    out, err = capsys.readouterr()
    assert (
        "C026 SMS template appeal is 75 characters long" in out
        and "(warning)" in out
        and "2 warning(s)"
        in err  # the 2023 chain's appeal and refusal (the 2021 chain's fit one SMS since v2)
    )


def test_the_latest_check_counts_after_a_second_visit() -> None:
    """A case sent back (退回) to the household check is visited again: the second count is the one exported."""
    again = {**CHECKED, "on": "2026-06-05", "answers": {**CHECKED["answers"], "members": 6}}
    application = _application(YIJIAN, yijian("李四", "456", "13912345678"), checks=[CHECKED, again])
    assert _row(application, full_identity=True)["家庭人口数"] == 6


def test_a_2023_row_without_a_recorded_check_leaves_the_household_size_blank() -> None:
    application = _application(YIJIAN, yijian("李四", "456", "13912345678"), status="in_progress")
    assert _row(application, full_identity=True)["家庭人口数"] is None


def test_a_2021_row_keeps_the_applicants_q13_before_the_checks_count() -> None:
    application = _application(ZIZHU, zizhu("张三", "123", "13800138000"), checks=[CHECKED])
    assert _row(application, full_identity=True)["家庭人口数"] == 3  # q13, not the check's 4


def test_a_2021_row_without_q13_falls_back_to_the_checks_count() -> None:
    answers = {key: value for key, value in zizhu("张三", "123", "13800138000").items() if key != "q13"}
    application = _application(ZIZHU, answers, checks=[CHECKED])
    assert _row(application, full_identity=True)["家庭人口数"] == 4


def test_a_check_at_a_step_the_chain_no_longer_has_is_not_read() -> None:
    stale = {**CHECKED, "step": "retired_step"}
    application = _application(YIJIAN, yijian("李四", "456", "13912345678"), checks=[stale])
    assert _row(application, full_identity=True)["家庭人口数"] is None
