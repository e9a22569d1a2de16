"""A pack as files and as published versions: one model. Export what is published as the pack's files (reviewable in
git); import a pack folder back as new versions.

**Export** (:func:`export_pack`) writes, in the pack layout under ``<folder>/<pack>/``, the version served now of each
form (``forms/<id>.json``) and chain (``chains/<id>.json``) of the pack, exactly as published (so loading the folder
at start-up, or importing it, finds every file already published and changes nothing), with keys in the format's
order whatever order the database gave them back in; ``holidays.json`` is the pack's file years with the years its
admins saved over them. The pack's other files (the step forms under ``chains/forms/``, ``export.json``,
``regions/``) are not kept as versions and are copied from the installed pack as they are.

Which forms are the pack's: every form one of whose versions came from the pack's files (``source`` is
``pack:<pack>``, a file at start-up or an import), and every form published only in the builder by a province
admin (its owner is the province, not a county) whose chain is a chain of the pack, or, for a form with no chain,
when the platform runs one pack only. A county's own forms stay the county's and are not exported.

**Import** (:func:`import_pack`) checks every file first (:func:`shenbao.cases.pack_checks.check_folder`) and stores
nothing when any is refused, like DHIS2's ``atomicMode=ALL``. Otherwise, in ONE transaction, each new version is
stored and made current (conditionally: a publication made meanwhile refuses the whole import), with its
publication (``import``) and audit row, each new holiday year is saved (conditional on its revision), and the
catalog's generation moves, so every process serves the import within a second. A holiday year the folder leaves
out stays saved: an import adds and corrects, it never deletes.
"""

from __future__ import annotations

import shutil
from collections.abc import Collection, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from shenbao.cases.pack_checks import CHAINS, HOLIDAYS, FileReport, Planned, check_folder, packs_in
from shenbao.forms.model import FormDef
from shenbao.packs import FARMER_FORMS, ChainRegistry, FormRegistry
from shenbao.paths import form_defs_dir
from shenbao.roles import role_level
from shenbao.store import Database
from shenbao.store import holidays as saved_years
from shenbao.store import versions as stored
from shenbao.store.audit import record_audit
from shenbao.store.catalog import bump_generation
from shenbao.store.staff import StaffRecord
from shenbao.workflow.calendar import YearOverride
from shenbao.workflow.model import Chain

__all__ = [
    "CHAINS",
    "HOLIDAYS",
    "NOT_PROVINCE",
    "Exported",
    "FileReport",
    "PackImport",
    "definition_file",
    "export_pack",
    "holidays_file",
    "import_pack",
    "may_import_packs",
    "pack_of_version",
    "pack_years",
    "packs_in",
    "published_in_pack",
]

NOT_PROVINCE = "只有省级管理员可以导出和导入整个配置包；如需导入，请联系省级管理员。"

_VERSIONED = (f"{FARMER_FORMS}/", f"{CHAINS}/")


class Exported(msgspec.Struct, frozen=True, kw_only=True):
    """What :func:`export_pack` wrote: each file (from the folder on), and the versions and years in them."""

    pack: str
    files: list[str]
    forms: dict[str, int]
    """The version written of each form, by id."""
    chains: dict[str, int]
    """The version written of each chain, by id."""
    years: list[int]
    """The years of ``holidays.json``."""


def _ordered(value: Any, model: Any) -> Any:
    """``value`` with its keys in ``model``'s order (keys ``model`` lacks keep their place after them), recursively:
    the same content, so the same digest, in the order the format writes it."""
    if isinstance(value, dict) and isinstance(model, dict):
        keys = [key for key in model if key in value] + [key for key in value if key not in model]
        return {key: _ordered(value[key], model.get(key)) for key in keys}
    if isinstance(value, list) and isinstance(model, list) and len(value) == len(model):
        return [_ordered(each, other) for each, other in zip(value, model, strict=True)]
    return value


def definition_file(definition: dict[str, Any], kind: stored.Kind) -> bytes:
    """A published definition as its pack file: its content unchanged (the digest of the file's JSON is the
    version's), keys in the format's order, indented by two spaces, Chinese as written.

    This is the admin's single-form export (:func:`shenbao.forms.transfer.export_json`) for a definition kept as
    published: that one re-encodes a decoded form, which would drop a default a file spelled out and so change the
    content; a pack file must stay byte-for-byte the version it is.
    """
    model_type: type[FormDef] | type[Chain] = FormDef if kind == "form" else Chain
    try:
        model = msgspec.to_builtins(msgspec.convert(definition, model_type))
    except msgspec.ValidationError:  # published under an older format: write it in the order it came back
        model = definition
    return msgspec.json.format(msgspec.json.encode(_ordered(definition, model)), indent=2) + b"\n"


def pack_of_version(versions: list[stored.VersionRecord], chains: ChainRegistry) -> str | None:
    """The pack a form or chain belongs to, from its versions (newest first); ``None``: a county's own form, or a
    form of no chain while several packs run (see the module's docstring)."""
    for version in reversed(versions):  # the oldest first: where it came from
        if version.source.startswith("pack:"):
            return version.source.removeprefix("pack:")
    newest = versions[0]
    if newest.kind == "chain":
        return chains.pack_of(newest.item_id)
    if len(newest.owner_region) > 2:  # a county's (or a city's) own form
        return None
    chain = newest.definition.get("chain")
    if isinstance(chain, str) and chain:
        return chains.pack_of(chain)
    packs = chains.packs()
    return packs[0] if len(packs) == 1 else None


async def published_in_pack(
    database: Database, pack: str, chains: ChainRegistry, kind: stored.Kind
) -> dict[str, stored.VersionRecord]:
    """The version served now of each form (or chain) of ``pack``, by id."""
    found: dict[str, stored.VersionRecord] = {}
    for item_id, version in sorted((await stored.current_versions(database, kind=kind)).items()):
        versions = await stored.versions_of(database, item_id, kind=kind)
        if not versions or pack_of_version(versions, chains) != pack:
            continue
        record = next((each for each in versions if each.version == version), None)
        if record is not None:
            found[item_id] = record
    return found


async def pack_years(database: Database, pack: str, chains: ChainRegistry) -> dict[int, YearOverride]:
    """The pack's holiday years: its ``holidays.json``'s, with the years its admins saved over them."""
    years = dict(chains.file_years(pack)) if pack in chains.packs() else {}
    for record in await saved_years.holiday_years(database, pack):
        years[record.year] = YearOverride(holidays=record.holidays, workdays=record.workdays)
    return dict(sorted(years.items()))


def holidays_file(years: dict[int, YearOverride]) -> bytes:
    """``holidays.json`` of these years: ``{"2027": {"holidays": [...], "workdays": [...]}}``, by year."""
    content = {
        str(year): {"holidays": sorted(each.holidays), "workdays": sorted(each.workdays)}
        for year, each in sorted(years.items())
    }
    return msgspec.json.format(msgspec.json.encode(content), indent=2) + b"\n"


async def export_pack(
    database: Database, pack: str, folder: Path, *, chains: ChainRegistry, root: Path | None = None
) -> Exported:
    """Write pack ``pack`` as it is published now into ``<folder>/<pack>/`` (created when missing).

    Files of ``<folder>/<pack>/`` this export does not write are left as they were.

    Args:
        database: the open database.
        pack: the pack's name (its folder under ``form_defs/``).
        folder: where to write it: a ``form_defs/`` of one's own (a git checkout), or an empty folder.
        chains: the running platform's chains (which pack each chain is, and the pack's ``holidays.json`` years).
        root: where the installed packs are (``form_defs/`` by default), for the files copied as they are.
    """
    root = root or form_defs_dir()
    target = folder / pack
    written: list[str] = []

    def write(relative: str, content: bytes) -> None:
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(f"{pack}/{relative}")

    source = root / pack
    if source.is_dir() and source.resolve() != target.resolve():
        for path in sorted(each for each in source.rglob("*") if each.is_file()):
            relative = path.relative_to(source).as_posix()
            versioned = (
                relative.startswith(_VERSIONED) and relative.count("/") == 1 and path.suffix == ".json"
            )
            if not versioned and relative != HOLIDAYS:
                (target / relative).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target / relative)
                written.append(f"{pack}/{relative}")
    forms = await published_in_pack(database, pack, chains, "form")
    for form_id, record in forms.items():
        write(f"{FARMER_FORMS}/{form_id}.json", definition_file(record.definition, "form"))
    pack_chains = await published_in_pack(database, pack, chains, "chain")
    for chain_id, record in pack_chains.items():
        write(f"{CHAINS}/{chain_id}.json", definition_file(record.definition, "chain"))
    years = await pack_years(database, pack, chains)
    write(HOLIDAYS, holidays_file(years))
    return Exported(
        pack=pack,
        files=sorted(written),
        forms={form_id: record.version for form_id, record in forms.items()},
        chains={chain_id: record.version for chain_id, record in pack_chains.items()},
        years=list(years),
    )


class PackImport(msgspec.Struct, frozen=True, kw_only=True):
    """What an import did (``stored``) or would do (a dry run, or when refused): a row per file."""

    files: list[FileReport]
    dry_run: bool
    stored: bool

    @property
    def refused(self) -> list[FileReport]:
        """The files that stop the import."""
        return [each for each in self.files if each.status == "refused"]

    @property
    def new(self) -> list[FileReport]:
        """The versions to publish and holiday years to save."""
        return [each for each in self.files if each.status == "new"]


def may_import_packs(staff: StaffRecord) -> bool:
    """Whether ``staff`` may export and import whole packs: active province accounts only."""
    return staff.active and role_level(staff.role) == "province"


class _Lost(Exception):
    """Something was published or saved since the check: undo the whole import and say which file."""

    def __init__(self, report: FileReport, message: str) -> None:
        super().__init__(message)
        self.report = msgspec.structs.replace(report, status="refused", messages=[message])


async def import_pack(
    database: Database,
    folder: Path,
    *,
    dry_run: bool,
    staff: StaffRecord | None,
    packs: Collection[str] | None = None,
    chains: ChainRegistry | None = None,
    step_forms: FormRegistry | None = None,
    widgets: Mapping[str, str | None] | None = None,
    pack_widgets: Mapping[str, Mapping[str, str | None]] | None = None,
    address: str = "",
    now: datetime | None = None,
) -> PackImport:
    """Check the pack folder(s) at ``folder`` and, unless ``dry_run`` or anything is refused, import them.

    Args:
        database: the open database.
        folder: a pack's folder, or a folder of packs (what :func:`export_pack` writes).
        dry_run: only check: say what would happen, store nothing.
        staff: the province admin importing; ``None`` for the command line.
        packs: the packs the platform runs (``None``: any).
        chains: the running platform's chains (a chain it does not run is refused; its packs' ``holidays.json``
            years count as unchanged).
        step_forms: the running platform's step forms (a step form file must be one of them, unchanged).
        widgets: the installed widgets and the question type each draws.
        pack_widgets: each served pack's widgets instead, by pack (a pack's forms may name its own only).
        address: the client's address, for the audit log.
        now: when (default: now).

    Raises:
        PermissionError: ``staff`` is not an active province account.
    """
    if staff is not None and not may_import_packs(staff):
        raise PermissionError(NOT_PROVINCE)
    planned = await check_folder(
        database,
        folder,
        packs=packs,
        chains=chains,
        step_forms=step_forms,
        widgets=widgets,
        pack_widgets=pack_widgets,
    )
    reports = [each.report for each in planned]
    todo = [each for each in planned if each.report.status == "new"]
    if dry_run or not todo or any(each.status == "refused" for each in reports):
        return PackImport(files=reports, dry_run=dry_run, stored=False)
    now = now or datetime.now(UTC)
    try:
        async with database.transaction():
            for each in todo:
                await _store(database, each, staff, address, now)
            await bump_generation(database)
    except _Lost as lost:
        key = (lost.report.path, lost.report.item)
        replaced = [lost.report if (each.path, each.item) == key else each for each in reports]
        return PackImport(files=replaced, dry_run=False, stored=False)
    return PackImport(files=reports, dry_run=False, stored=True)


async def _store(
    database: Database, planned: Planned, staff: StaffRecord | None, address: str, now: datetime
) -> None:
    report = planned.report
    reason = f"导入配置包 {report.pack} 的文件 {report.path}"
    if report.kind == "holidays":
        assert planned.year is not None
        year, override = int(report.item), planned.year
        revision = await saved_years.save_holiday_year(
            database, pack=report.pack, year=year, holidays=override.holidays, workdays=override.workdays,
            note=f"导入自配置包 {report.pack}", expected=planned.revision, staff_id=staff.id if staff else 0, now=now,
        )  # fmt: skip
        if revision is None:
            raise _Lost(report, f"另一位管理员刚保存了{year}年的安排：请重新检查后再导入")
        await record_audit(
            database, action="holidays.import", staff=staff, target=f"{report.pack}:{year}",
            detail=f"{year}年第{revision}版：放假{len(override.holidays)}天，调休上班{len(override.workdays)}天；{reason}",
            address=address, at=now,
        )  # fmt: skip
        return
    kind: stored.Kind = "form" if report.kind == "form" else "chain"
    assert planned.definition is not None and report.version is not None
    version = report.version
    current = await stored.current_version(database, report.item, kind=kind, for_update=True)
    if current != report.current:
        raise _Lost(report, f"检查之后又有人发布了（现在用的是第{current}版）：请重新检查后再导入")
    if not await stored.store_version(
        database, kind=kind, item_id=report.item, version=version, definition=planned.definition,
        title=planned.title, source=f"pack:{report.pack}", owner_region=planned.owner_region, staff=staff,
        reason=reason, now=now,
    ):  # fmt: skip
        raise _Lost(report, f"另一位管理员刚发布了第{version}版：请把文件的版本号改大后重新检查")
    if not await stored.move_current(
        database, report.item, kind=kind, expected=current, version=version, now=now
    ):
        raise _Lost(report, "另一位管理员刚发布了新的版本：请重新检查后再导入")
    await stored.record_publication(
        database, kind=kind, item_id=report.item, version=version, previous=current, action="import", staff=staff,
        reason=reason, now=now,
    )  # fmt: skip
    before = f"第{current}版" if current is not None else "未发布"
    await record_audit(
        database, action=f"{kind}.import", staff=staff, target=report.item,
        detail=f"发布第{version}版（原为{before}）：{reason}", address=address, at=now,
    )  # fmt: skip
