"""A pack as files and as published versions: export writes what is served, the folder loads and imports back as a
no-op; an import is checked first and stores all or nothing; on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from shenbao import store
from shenbao.cases import holidays
from shenbao.cases.catalog import Catalog, sync_pack_versions
from shenbao.cases.pack_files import export_pack, import_pack, pack_of_version
from shenbao.packs import ChainRegistry, PackForms
from shenbao.store import holidays as saved_years
from shenbao.store import versions as stored
from shenbao.store.audit import AuditFilter, audit_page
from shenbao.store.catalog import generation
from shenbao.store.staff import StaffRecord
from tests.support.staff import add_account

pytestmark = pytest.mark.anyio

YIJIAN = "gansu-yijian-2023"
D = dt.date.fromisoformat
# Test data only, not the State Council's arrangement for 2027 (its Spring Festival is Saturday 6 February).
HOLIDAYS_2027 = [
    D("2027-01-01"),
    *(D("2027-02-05") + dt.timedelta(days=n) for n in range(7)),
    D("2027-10-01"),
]
WORKDAYS_2027 = [D("2027-02-20")]


async def _installed(db: store.Database) -> tuple[PackForms, ChainRegistry]:
    """The Gansu pack as a platform starts with it: its files recorded as published versions."""
    packs, chains = PackForms.from_packs(["gansu"]), ChainRegistry.from_packs(["gansu"])
    await sync_pack_versions(db, packs, chains)
    return packs, chains


async def _admin(db: store.Database) -> StaffRecord:
    return await add_account(db, "province", "62", username="admin1")


def _edit(path: Path, **changes: Any) -> None:
    content = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**content, **changes}, ensure_ascii=False, indent=2), "utf-8")


def _version(
    kind: str, source: str, owner_region: str = "", chain: str | None = None
) -> stored.VersionRecord:
    definition: dict[str, Any] = {"id": "relief-2027", "version": 1} | ({"chain": chain} if chain else {})
    return stored.VersionRecord(
        row=1, kind=kind, item_id="relief-2027", version=1, title="临时救助", definition=definition, digest="",
        source=source, owner_region=owner_region, staff_id=None, username="", reason="",
        at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("versions", "packs", "expected"),
    [
        pytest.param(
            [_version("form", "admin"), _version("form", "pack:gansu")],
            ["gansu"],
            "gansu",
            id="from-a-pack-file",
        ),
        pytest.param(
            [_version("form", "admin", "62", "gansu-zizhu-2021")],
            ["gansu"],
            "gansu",
            id="province-form-on-a-pack-chain",
        ),
        pytest.param(
            [_version("form", "admin", "62")], ["gansu"], "gansu", id="province-form-without-chain-one-pack"
        ),
        pytest.param(
            [_version("form", "admin", "62")], ["gansu", "qinghai"], None, id="without-chain-several-packs"
        ),
        pytest.param(
            [_version("form", "admin", "620102", "gansu-zizhu-2021")], ["gansu"], None, id="a-county-form"
        ),
        pytest.param(
            [_version("form", "admin", "62", "no-such-chain")], ["gansu"], None, id="a-chain-of-no-pack"
        ),
    ],
)
async def test_which_pack_a_form_published_in_the_builder_belongs_to(
    versions: list[stored.VersionRecord], packs: list[str], expected: str | None
) -> None:
    gansu = ChainRegistry.from_packs(["gansu"])
    running = {chain.id: (chain, gansu.calendar("gansu")) for chain in gansu}
    for pack in packs[1:]:  # another pack running beside Gansu, with a chain of its own
        chain = msgspec.structs.replace(next(iter(gansu)), id=f"{pack}-chain")
        running[chain.id] = (chain, gansu.calendar("gansu"))
    chains = ChainRegistry(running, packs={chain_id: chain_id.split("-")[0] for chain_id in running})
    assert chains.packs() == packs
    assert pack_of_version(versions, chains) == expected


async def test_an_exported_pack_loads_with_equal_definitions_and_imports_back_as_a_no_op(
    db: store.Database, tmp_path: Path
) -> None:
    packs, chains = await _installed(db)

    exported = await export_pack(db, "gansu", tmp_path, chains=chains)

    assert exported.forms == {"gansu-yijian-2023": 1, "gansu-zizhu-2021": 1}
    assert exported.chains == {"gansu-yijian-2023": 1, "gansu-zizhu-2021": 2}
    assert {"gansu/chains/forms/household-check.json", "gansu/export.json", "gansu/holidays.json"} <= set(
        exported.files
    )
    loaded = PackForms.from_packs(["gansu"], tmp_path)
    loaded_chains = ChainRegistry.from_packs(["gansu"], tmp_path)
    assert {form.id: form.definition for form in loaded.forms} == {
        form.id: form.definition for form in packs.forms
    }
    assert {form.id: form.definition for form in loaded.step_forms} == {
        form.id: form.definition for form in packs.step_forms
    }
    assert list(loaded_chains) == list(chains)
    for form_id, raw in loaded.files.items():  # the file IS the published version: same digest
        record = await stored.version_record(db, form_id, 1)
        assert record is not None and stored.definition_digest(raw) == record.digest
    first_key = next(iter(json.loads((tmp_path / "gansu/forms/gansu-yijian-2023.json").read_text("utf-8"))))
    assert first_key == "$schema"  # the format's order, whatever order the database gave the keys back in

    before = await generation(db)
    report = await import_pack(db, tmp_path, dry_run=False, staff=await _admin(db))

    assert not report.stored and not report.refused and not report.new
    assert {each.status for each in report.files} == {"unchanged", "file_only"}
    assert await generation(db) == before
    await sync_pack_versions(
        db, loaded, loaded_chains
    )  # a platform started on the exported folder: nothing refused


async def test_a_dry_run_says_what_would_be_published_and_stores_nothing(
    db: store.Database, tmp_path: Path
) -> None:
    _, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)
    _edit(tmp_path / "gansu/forms/gansu-yijian-2023.json", version=2, title="一键报贫（第二版）")
    before = await generation(db)

    report = await import_pack(db, tmp_path / "gansu", dry_run=True, staff=None)

    [new] = report.new
    assert (new.path, new.item, new.version, new.current) == (
        "gansu/forms/gansu-yijian-2023.json",
        YIJIAN,
        2,
        1,
    )
    assert new.messages == ["将发布为第2版（现在用的是第1版）"]
    assert report.dry_run and not report.stored
    assert [each.version for each in await stored.versions_of(db, YIJIAN)] == [1]
    assert await generation(db) == before


async def test_a_changed_file_under_a_published_number_refuses_the_whole_import(
    db: store.Database, tmp_path: Path
) -> None:
    _, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)
    _edit(tmp_path / "gansu/forms/gansu-yijian-2023.json", title="改了标题却没改版本号")
    _edit(tmp_path / "gansu/chains/gansu-zizhu-2021.json", version=3, title="新的流程名称")  # fine on its own

    report = await import_pack(db, tmp_path, dry_run=False, staff=await _admin(db))

    [refused] = report.refused
    assert refused.item == YIJIAN
    assert "第1版已在" in refused.messages[0] and '"version" 改成 2' in refused.messages[0]
    assert [each.item for each in report.new] == ["gansu-zizhu-2021"]
    assert not report.stored
    assert await stored.current_version(db, "gansu-zizhu-2021", kind="chain") == 2


@pytest.mark.parametrize(
    ("file", "changes", "expected"),
    [
        pytest.param(
            "forms/gansu-yijian-2023.json",
            {"version": 2, "chain": "no-such-chain"},
            "审批流程 no-such-chain 不存在",
            id="form-of-a-chain-that-does-not-exist",
        ),
        pytest.param(
            "forms/gansu-yijian-2023.json",
            {"version": 2, "sections": "not a list"},
            "格式",
            id="form-not-in-format",
        ),
        pytest.param(
            "chains/gansu-zizhu-2021.json",
            {"version": 2, "id": "renamed"},
            "和文件名不一致",
            id="chain-failing-lint",
        ),
        pytest.param("forms/gansu-yijian-2023.json", {"version": 0}, "应当不小于1", id="version-zero"),
    ],
)
async def test_a_file_that_does_not_lint_is_refused_in_chinese(
    db: store.Database, tmp_path: Path, file: str, changes: dict[str, Any], expected: str
) -> None:
    _, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)
    _edit(tmp_path / "gansu" / file, **changes)

    report = await import_pack(db, tmp_path, dry_run=False, staff=None)

    [refused] = report.refused
    assert refused.path == f"gansu/{file}" and refused.messages
    assert expected in " ".join(refused.messages)
    assert not report.stored


@pytest.mark.parametrize(
    ("file", "changes", "expected"),
    [
        pytest.param(
            "chains/new-chain.json",
            {"id": "new-chain"},
            "平台上还没有审批流程“new-chain”",
            id="a-chain-not-deployed",
        ),
        pytest.param(
            "chains/forms/household-check.json",
            {"title": "改过的入户核查"},
            "导入不能添加或改变它",
            id="a-changed-step-form",
        ),
    ],
)
async def test_what_the_running_platform_lacks_is_refused(
    db: store.Database, tmp_path: Path, file: str, changes: dict[str, Any], expected: str
) -> None:
    packs, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)
    pack = tmp_path / "gansu"
    running = {"chains": chains, "step_forms": packs.step_forms}
    assert not (await import_pack(db, tmp_path, dry_run=True, staff=None, **running)).refused
    if not (pack / file).exists():
        (pack / file).write_bytes((pack / "chains/gansu-zizhu-2021.json").read_bytes())
    _edit(pack / file, **changes)

    report = await import_pack(db, tmp_path, dry_run=False, staff=None, **running)

    [refused] = report.refused
    assert refused.path == f"gansu/{file}" and expected in refused.messages[0]
    assert not report.stored


async def test_a_new_version_is_published_served_and_audited(db: store.Database, tmp_path: Path) -> None:
    packs, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)
    _edit(tmp_path / "gansu/forms/gansu-yijian-2023.json", version=2, title="一键报贫（第二版）")
    admin = await _admin(db)
    catalog = Catalog(db, packs.forms, chains)
    await catalog.refresh()
    before = await generation(db)

    report = await import_pack(db, tmp_path, dry_run=False, staff=admin, packs=["gansu"], address="10.0.0.9")

    assert report.stored and [each.item for each in report.new] == [YIJIAN]
    assert await stored.current_version(db, YIJIAN) == 2
    record = await stored.version_record(db, YIJIAN, 2)
    assert record is not None and (record.source, record.username) == ("pack:gansu", "admin1")
    [publication, _] = await stored.publications(db, YIJIAN)
    assert (publication.action, publication.version, publication.previous) == ("import", 2, 1)
    assert await generation(db) == before + 1
    await catalog.refresh()
    served = packs.forms.get(YIJIAN)
    assert served is not None and (served.version, served.title()) == (2, "一键报贫（第二版）")
    page = await audit_page(db, AuditFilter(action="form.import"))
    assert [(row.target, row.address) for row in page.entries] == [(YIJIAN, "10.0.0.9")]

    again = await export_pack(db, "gansu", tmp_path / "again", chains=chains)
    assert again.forms[YIJIAN] == 2
    assert not (await import_pack(db, tmp_path / "again", dry_run=False, staff=admin)).new


async def test_a_pack_the_platform_does_not_run_and_a_non_province_account_are_refused(
    db: store.Database, tmp_path: Path
) -> None:
    _, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)

    report = await import_pack(db, tmp_path, dry_run=True, staff=None, packs=["qinghai"])
    [refused] = report.refused
    assert "gansu" in refused.messages[0] and "qinghai" in refused.messages[0]
    county = await add_account(db, "county", "620102", username="county1")
    with pytest.raises(PermissionError):
        await import_pack(db, tmp_path, dry_run=True, staff=county)
    nothing = await import_pack(db, tmp_path / "gansu" / "regions", dry_run=True, staff=None)
    assert [each.kind for each in nothing.refused] == ["pack"]


async def test_holiday_years_are_exported_and_imported_through_the_years_checks(
    db: store.Database, tmp_path: Path
) -> None:
    packs, chains = await _installed(db)
    admin = await _admin(db)
    saved = await holidays.save_holiday_year(
        db, chains, packs.forms, admin, pack="gansu", year=2027, holidays=HOLIDAYS_2027, workdays=WORKDAYS_2027,
        note="测试通知", expected=0,
    )  # fmt: skip
    assert isinstance(saved, holidays.HolidaySaved)

    exported = await export_pack(db, "gansu", tmp_path, chains=chains)

    assert exported.years == [2027]
    years = json.loads((tmp_path / "gansu/holidays.json").read_text("utf-8"))
    assert years["2027"]["workdays"] == ["2027-02-20"] and len(years["2027"]["holidays"]) == 9
    assert ChainRegistry.from_packs(["gansu"], tmp_path).file_years("gansu")[2027].workdays == WORKDAYS_2027
    unchanged = await import_pack(db, tmp_path, dry_run=True, staff=admin, chains=chains)
    assert [each.status for each in unchanged.files if each.kind == "holidays"] == ["unchanged"]

    years["2027"]["workdays"] = ["2027-02-20", "2027-02-21"]
    years["2028"] = {
        "holidays": ["2028-01-01"],
        "workdays": ["2028-01-01"],
    }  # a working day that is a holiday
    (tmp_path / "gansu/holidays.json").write_text(json.dumps(years), "utf-8")
    refused = await import_pack(db, tmp_path, dry_run=False, staff=admin, chains=chains)
    assert [each.item for each in refused.refused] == ["2028"] and not refused.stored

    del years["2028"]
    (tmp_path / "gansu/holidays.json").write_text(json.dumps(years), "utf-8")
    imported = await import_pack(db, tmp_path, dry_run=False, staff=admin, chains=chains)

    assert imported.stored and [each.messages for each in imported.new] == [
        ["将保存2027年的安排：放假9天，调休上班2天，替换已保存的第1版"]
    ]
    record = await saved_years.holiday_year(db, "gansu", 2027)
    assert record is not None and (record.revision, record.workdays) == (
        2,
        [D("2027-02-20"), D("2027-02-21")],
    )
    page = await audit_page(db, AuditFilter(action="holidays.import"))
    assert [row.target for row in page.entries] == ["gansu:2027"]


async def test_the_dry_run_reports_exactly_what_the_import_then_does(
    db: store.Database, tmp_path: Path
) -> None:
    _, chains = await _installed(db)
    await export_pack(db, "gansu", tmp_path, chains=chains)
    _edit(tmp_path / "gansu/forms/gansu-yijian-2023.json", version=2, title="一键报贫（第二版）")
    _edit(tmp_path / "gansu/chains/gansu-zizhu-2021.json", version=3, title="自主申报流程（第三版）")
    (tmp_path / "gansu/holidays.json").write_text(
        json.dumps({"2027": {"holidays": [str(day) for day in HOLIDAYS_2027], "workdays": ["2027-02-20"]}}),
        "utf-8",
    )
    kinds: list[stored.Kind] = ["form", "chain"]
    items = {kind: await stored.current_versions(db, kind=kind) for kind in kinds}

    said = await import_pack(db, tmp_path, dry_run=True, staff=None, chains=chains)
    done = await import_pack(db, tmp_path, dry_run=False, staff=await _admin(db), chains=chains)

    assert done.stored and said.files == done.files  # the same rows, word for word
    promised = {(each.kind, each.item, each.version) for each in said.new}
    assert promised == {("form", YIJIAN, 2), ("chain", "gansu-zizhu-2021", 3), ("holidays", "2027", None)}
    changed = {
        (kind, item, version)
        for kind in kinds
        for item, version in (await stored.current_versions(db, kind=kind)).items()
        if items[kind].get(item) != version
    }
    years = {("holidays", str(year.year), None) for year in await saved_years.holiday_years(db, "gansu")}
    assert (
        changed | years == promised
    )  # what was published and saved is what the dry run listed, nothing else
