"""The check of a pack folder before it is imported: what each file would do, and why one is refused.

Every file is checked as publishing checks it and as ``shenbao lint`` does: a form decodes, lints clean and its
scenarios pass (:func:`shenbao.forms.transfer.check_form_file`, in Chinese), routes through a chain that exists, and
changes no question's type under its id; a chain decodes and lints clean against the pack's forms; a holiday year
passes the checks of the holidays page. Then against what is published: a file whose version is published with the
same content is unchanged; with other content it is refused (a published version never changes: the message names
the next free number); a higher number is a new version to publish. Reading only: nothing is stored here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

import msgspec

from shenbao.forms.diff import diff_forms
from shenbao.forms.lint import Problem
from shenbao.forms.lint_zh import in_chinese
from shenbao.forms.loader import DefinitionError
from shenbao.forms.model import FormDef, text_of
from shenbao.forms.transfer import check_form_file
from shenbao.packs import FARMER_FORMS, STEP_FORMS, ChainRegistry, FormRegistry
from shenbao.store import Database
from shenbao.store import holidays as saved_years
from shenbao.store import versions as stored
from shenbao.workflow.calendar import CalendarError, YearOverride, read_overrides
from shenbao.workflow.holidays import year_problems, year_refusal
from shenbao.workflow.lint import decode_chain, form_chain_problems, lint_chain
from shenbao.workflow.model import Chain

__all__ = [
    "CHAINS",
    "HOLIDAYS",
    "FileKind",
    "FileReport",
    "FileStatus",
    "Planned",
    "check_folder",
    "packs_in",
]

CHAINS = "chains"
"""A pack's folder of approval chains (one file per chain, named by its id)."""
HOLIDAYS = "holidays.json"
"""A pack's holiday years that chinesecalendar does not know (or corrects)."""

FileStatus = Literal["new", "unchanged", "refused", "file_only"]
"""``new``: a version to publish (or a holiday year to save); ``unchanged``: published (saved) as it is;
``refused``: why it cannot be imported; ``file_only``: a step form, checked but kept only as a file."""
FileKind = Literal["pack", "form", "step_form", "chain", "holidays"]

_PACK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
_BOM = b"\xef\xbb\xbf"


def packs_in(folder: Path) -> list[Path]:
    """The pack folders of ``folder``: itself when it is one (it has ``forms/``, ``chains/`` or ``holidays.json``),
    else each of its folders that is one, by name."""

    def is_pack(path: Path) -> bool:
        return (path / FARMER_FORMS).is_dir() or (path / CHAINS).is_dir() or (path / HOLIDAYS).is_file()

    if is_pack(folder):
        return [folder]
    return (
        sorted(each for each in folder.iterdir() if each.is_dir() and is_pack(each))
        if folder.is_dir()
        else []
    )


class FileReport(msgspec.Struct, frozen=True, kw_only=True):
    """What importing one file does (one row per holiday year of ``holidays.json``)."""

    pack: str
    path: str
    """The file, from the pack's folder on (``<pack>/forms/<form id>.json``)."""
    kind: FileKind
    item: str
    """The form's or chain's id, or the year."""
    version: int | None = None
    current: int | None = None
    """The version served now (``None``: none yet)."""
    status: FileStatus
    messages: list[str] = []
    """In Chinese: what it does, or every reason it is refused."""


class Planned(NamedTuple):
    """A checked file and what storing it takes (``None`` for a file that stores nothing)."""

    report: FileReport
    definition: dict[str, Any] | None = None
    title: str = ""
    owner_region: str = ""
    year: YearOverride | None = None
    revision: int = 0
    """For a holiday year: the revision it replaces (0: none saved)."""


class _Read(NamedTuple):
    path: str
    raw: dict[str, Any] | None
    definition: FormDef | Chain | None
    problems: list[str]


def _refused(pack: str, path: str, kind: FileKind, item: str, messages: list[str], **more: Any) -> Planned:
    return Planned(
        FileReport(pack=pack, path=path, kind=kind, item=item, status="refused", messages=messages, **more)
    )


def _read_forms(pack: Path, folder: str, widgets: Mapping[str, str | None] | None) -> list[_Read]:
    found: list[_Read] = []
    for file in sorted((pack / folder).glob("*.json")):
        path = f"{pack.name}/{folder}/{file.name}"
        data = file.read_bytes()
        checked = check_form_file(data, name=path, widgets=widgets)
        problems = [f"{each.where}：{message}" for each in checked.findings for message in each.messages]
        raw = msgspec.json.decode(data.removeprefix(_BOM)) if checked.definition is not None else None
        found.append(_Read(path, raw, checked.definition, problems))
    return found


def _read_chains(pack: Path) -> list[_Read]:
    found: list[_Read] = []
    for file in sorted((pack / CHAINS).glob("*.json")):
        path = f"{pack.name}/{CHAINS}/{file.name}"
        try:
            chain = decode_chain(file.read_bytes().removeprefix(_BOM), source=path)
        except DefinitionError as error:
            detail = str(error).split(": ", 1)[-1]
            found.append(_Read(path, None, None, [f"审批流程文件的格式不对：{detail}。请对照导出的文件改正"]))
            continue
        found.append(_Read(path, msgspec.json.decode(file.read_bytes().removeprefix(_BOM)), chain, []))
    return found


async def _serving(database: Database, kind: stored.Kind) -> dict[str, Any]:
    """The version served now of every form (or chain), decoded; one published under an older format is left out."""
    decoded: dict[str, Any] = {}
    model: type[FormDef] | type[Chain] = FormDef if kind == "form" else Chain
    for item_id, version in (await stored.current_versions(database, kind=kind)).items():
        record = await stored.version_record(database, item_id, version, kind=kind)
        if record is not None:
            try:
                decoded[item_id] = msgspec.convert(record.definition, model)
            except msgspec.ValidationError:
                continue
    return decoded


def _zh(problem: Problem) -> str:
    """A linter's problem in Chinese; one whose code has no Chinese yet keeps its English, under a Chinese lead."""
    said = in_chinese(problem)
    if said != problem.message:
        return said
    return f"检查没有通过（{problem.code}，用 shenbao lint 可以看到同样的问题）：{problem.message}"


def _duplicates(read: list[_Read]) -> set[str]:
    ids = [each.definition.id for each in read if each.definition is not None]
    return {item for item in ids if ids.count(item) > 1}


async def _against_published(
    database: Database, pack: str, kind: stored.Kind, read: _Read, serving: Mapping[str, Any]
) -> Planned:
    """A clean form or chain file compared with its published versions."""
    definition, raw = read.definition, read.raw
    assert definition is not None and raw is not None
    item_id, version = definition.id, definition.version
    report_kind: FileKind = kind
    current = await stored.current_version(database, item_id, kind=kind)
    record = await stored.version_record(database, item_id, version, kind=kind)
    free = await stored.next_version(database, item_id, kind=kind)
    shown = {"version": version, "current": current}
    if record is not None:
        if record.digest == stored.definition_digest(raw):
            served = (
                "，现在用的就是这一版" if current == version else f"；现在用的是第{current}版，导入不改变它"
            )
            message = f"第{version}版已经发布过，内容相同{served}"
            return Planned(FileReport(pack=pack, path=read.path, kind=report_kind, item=item_id, status="unchanged",
                                      messages=[message], **shown))  # fmt: skip
        return _refused(pack, read.path, report_kind, item_id, [
            f"第{version}版已在{record.at:%Y-%m-%d}发布过，内容和这个文件不同；发布过的版本不能再改：请把文件里的 "
            f'"version" 改成 {free}（下一个没用过的版本号）后再导入'
        ], **shown)  # fmt: skip
    if version < free:
        return _refused(pack, read.path, report_kind, item_id, [
            f'文件里的 "version" 是 {version}，比已发布的版本旧：请改成 {free}（下一个没用过的版本号）后再导入'
        ], **shown)  # fmt: skip
    if kind == "form" and isinstance(definition, FormDef) and isinstance(serving.get(item_id), FormDef):
        refused = diff_forms(serving[item_id], definition).refused
        if refused:
            return _refused(
                pack, read.path, report_kind, item_id, [change.text for change in refused], **shown
            )
    newest = (await stored.versions_of(database, item_id, kind=kind))[:1]
    replaces = f"（现在用的是第{current}版）" if current is not None else "（第一次发布）"
    return Planned(
        FileReport(pack=pack, path=read.path, kind=report_kind, item=item_id, status="new",
                   messages=[f"将发布为第{version}版{replaces}"], **shown),
        definition=raw, title=text_of(definition.title), owner_region=newest[0].owner_region if newest else "",
    )  # fmt: skip


def _same(first: YearOverride, second: YearOverride) -> bool:
    return (sorted(first.holidays), sorted(first.workdays)) == (
        sorted(second.holidays),
        sorted(second.workdays),
    )


async def _holiday_years(
    database: Database, pack: Path, file_years: Mapping[int, YearOverride]
) -> list[Planned]:
    """Each year of the pack's ``holidays.json``: the same as saved (or as the installed file has it), or a year
    to save once it passes the holidays page's checks."""
    path = f"{pack.name}/{HOLIDAYS}"
    try:
        years = read_overrides(pack / HOLIDAYS)
    except CalendarError as error:
        detail = str(error).replace(str(pack / HOLIDAYS), path)
        message = f"节假日文件的格式不对（{detail}）：请对照导出的文件改正"
        return [_refused(pack.name, path, "holidays", "", [message])]

    def row(number: int, status: FileStatus, message: str | list[str], **more: Any) -> Planned:
        messages = [message] if isinstance(message, str) else message
        found = FileReport(
            pack=pack.name, path=path, kind="holidays", item=str(number), status=status, messages=messages
        )
        return Planned(found, **more)

    planned: list[Planned] = []
    for year, override in sorted(years.items()):
        saved = await saved_years.holiday_year(database, pack.name, year)
        if saved is not None and _same(
            override, YearOverride(holidays=saved.holidays, workdays=saved.workdays)
        ):
            planned.append(row(year, "unchanged", f"{year}年的安排和已保存的第{saved.revision}版相同"))
        elif saved is None and year in file_years and _same(override, file_years[year]):
            planned.append(row(year, "unchanged", f"{year}年的安排和配置包的 holidays.json 相同"))
        elif problems := _year_problems(year, override):
            planned.append(row(year, "refused", problems))
        else:
            replaces = f"，替换已保存的第{saved.revision}版" if saved is not None else ""
            counts = f"放假{len(override.holidays)}天，调休上班{len(override.workdays)}天"
            revision = saved.revision if saved is not None else 0
            planned.append(
                row(
                    year, "new", f"将保存{year}年的安排：{counts}{replaces}", year=override, revision=revision
                )
            )
    return planned


def _year_problems(year: int, override: YearOverride) -> list[str]:
    """What the holidays page would say of the year (it is chinesecalendar's, or its days do not add up)."""
    refusal = year_refusal(year)
    if refusal:
        return [refusal]
    return [problem.message for problem in year_problems(year, override.holidays, override.workdays)]


async def _versioned(
    database: Database,
    pack: str,
    kind: stored.Kind,
    files: list[_Read],
    known: tuple[dict[str, FormDef], dict[str, Chain | None]],
    serving: Mapping[str, Any],
    running: ChainRegistry | None,
) -> list[Planned]:
    """Each form (or chain) file of a pack: linted against the pack's forms and chains, then against what is
    published."""
    known_forms, known_chains = known
    twice = _duplicates(files)
    noun = "表单" if kind == "form" else "审批流程"
    planned: list[Planned] = []
    for read in files:
        problems = list(read.problems)
        if isinstance(read.definition, FormDef):
            problems += [_zh(p) for p in form_chain_problems(read.definition, read.path, known_chains)]
        elif isinstance(read.definition, Chain):
            problems += [_zh(p) for p in lint_chain(read.definition, read.path, known_forms)]
        item = read.definition.id if read.definition is not None else Path(read.path).stem
        if read.definition is not None and item in twice:
            problems.append(f"“{item}”在这个配置包里有不止一个文件：每个{noun}只留一个文件")
        if isinstance(read.definition, Chain) and running is not None and running.pack_of(item) is None:
            problems.append(_NEW_CHAIN.format(item=item, pack=pack))
        if problems or read.definition is None:
            planned.append(_refused(pack, read.path, kind, item, problems))
        else:
            planned.append(await _against_published(database, pack, kind, read, serving))
    return planned


def _step_forms(pack: str, files: list[_Read], installed: FormRegistry | None) -> list[Planned]:
    """Each step form of a pack: checked, and (given the platform's) the same as the one it runs."""
    planned: list[Planned] = []
    for read in files:
        item = read.definition.id if read.definition is not None else Path(read.path).stem
        if read.problems or read.definition is None:
            planned.append(_refused(pack, read.path, "step_form", item, read.problems))
            continue
        running = installed.get(item) if installed is not None else None
        if installed is not None and (running is None or running.definition != read.definition):
            planned.append(
                _refused(pack, read.path, "step_form", item, [_STEP_FORM_CHANGED.format(pack=pack)])
            )
            continue
        report = FileReport(
            pack=pack, path=read.path, kind="step_form", item=item, version=read.definition.version,
            status="file_only", messages=[_STEP_FORM],
        )  # fmt: skip
        planned.append(Planned(report))
    return planned


_STEP_FORM = "员工在审批步骤里填的表单（不按版本保存）：和平台上的相同"
_STEP_FORM_CHANGED = (
    "员工在审批步骤里填的表单不按版本保存，导入不能添加或改变它：请把这个文件放进配置包的文件夹"
    "（form_defs/{pack}/chains/forms/）后重新部署，或把它改回下载时的样子"
)
_NEW_CHAIN = (
    "平台上还没有审批流程“{item}”：导入只能给已有的审批流程发布新版本；新的审批流程请先放进配置包的文件夹"
    "（form_defs/{pack}/chains/）后重新部署"
)


async def check_folder(
    database: Database,
    folder: Path,
    *,
    packs: Collection[str] | None = None,
    chains: ChainRegistry | None = None,
    step_forms: FormRegistry | None = None,
    widgets: Mapping[str, str | None] | None = None,
    pack_widgets: Mapping[str, Mapping[str, str | None]] | None = None,
) -> list[Planned]:
    """Check every file of the pack folder(s) at ``folder`` (a pack, or a folder of packs) against the database.

    Args:
        database: the open database.
        folder: a pack's folder (it has ``forms/``, ``chains/`` or ``holidays.json``), or a folder of them.
        packs: the packs the platform runs (``None``: any); a pack not among them is refused.
        chains: the running platform's chains: a chain it does not run yet is refused (its file goes into the pack
            first), and its packs' ``holidays.json`` years count as unchanged.
        step_forms: the forms the running platform's chains fill at a step: a step form file must be one of them,
            unchanged (step forms are files only, not versions).
        widgets: the installed widgets and the question type each draws (a question's own widget must be one).
        pack_widgets: each served pack's widgets instead, by pack: a pack's forms may name its own only.
    """
    found = packs_in(folder)
    if not found:
        return [_refused("", folder.name, "pack", "", [_NO_PACK])]
    serving_forms, serving_chains = await _serving(database, "form"), await _serving(database, "chain")
    planned: list[Planned] = []
    for pack in found:
        name = pack.name
        if not _PACK_NAME.fullmatch(name) or (packs is not None and name not in packs):
            used = "、".join(packs or []) or "无"
            message = f"配置包“{name}”没有在这个平台上使用（在用的是：{used}）：请检查配置包文件夹的名字"
            planned.append(_refused(name, name, "pack", name, [message]))
            continue
        drawn = pack_widgets.get(name, {}) if pack_widgets is not None else widgets
        forms, steps = _read_forms(pack, FARMER_FORMS, drawn), _read_forms(pack, STEP_FORMS, drawn)
        pack_chains = _read_chains(pack)
        known_forms: dict[str, FormDef] = {**serving_forms}
        known_forms.update(
            (e.definition.id, e.definition) for e in [*steps, *forms] if isinstance(e.definition, FormDef)
        )
        known_chains: dict[str, Chain | None] = {**serving_chains}
        known_chains.update(
            (e.definition.id, e.definition) for e in pack_chains if isinstance(e.definition, Chain)
        )
        known = (known_forms, known_chains)
        planned += await _versioned(database, name, "form", forms, known, serving_forms, chains)
        planned += await _versioned(database, name, "chain", pack_chains, known, serving_chains, chains)
        planned += _step_forms(name, steps, step_forms)
        if (pack / HOLIDAYS).is_file():
            file_years = chains.file_years(name) if chains is not None and name in chains.packs() else {}
            planned += await _holiday_years(database, pack, file_years)
    return planned


_NO_PACK = (
    "没有找到配置包：文件夹里要有配置包的文件夹（以配置包代码命名，里面有 forms/、chains/ 或 holidays.json）"
)
