"""A pack's ``pack.json`` and the checks across packs: refused when packs load (PackError) and by ``shenbao lint``
(P001-P006), each naming what is wrong and where."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from shenbao import store
from shenbao.cases.catalog import sync_pack_versions
from shenbao.cases.pack_files import export_pack
from shenbao.cli import main
from shenbao.forms.lint_zh import in_chinese
from shenbao.pack_manifest import (
    PACK_FILE,
    PackManifest,
    lint_packs,
    manifests,
    packs_problems,
    served_by_default,
)
from shenbao.pack_new import new_pack
from shenbao.packs import ChainRegistry, FormRegistry, PackError, PackForms
from shenbao.paths import form_defs_dir
from shenbao.settings import Settings
from tests.regions.test_import import write_dist
from tests.support.packs import SHAANXI

_BEIJING = [
    ("11", "北京市"),
    ("1101", "市辖区"),
    ("110101", "东城区"),
    ("110101001", "东华门街道"),
    ("110101001001", "多福巷社区居委会"),
]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A folder of packs with one scaffolded pack, ``a`` (Shaanxi), and one for Beijing, ``b``."""
    dist = write_dist(tmp_path / "dist", SHAANXI + _BEIJING)
    new_pack(tmp_path / "packs", "61", dist, code="a")
    new_pack(tmp_path / "packs", "11", dist, code="b")
    return tmp_path / "packs"


def _manifest(pack: Path, **changes: object) -> None:
    path = pack / PACK_FILE
    path.write_text(
        json.dumps({**json.loads(path.read_text("utf-8")), **changes}, ensure_ascii=False), "utf-8"
    )


def _copy_form(source: str, target: str, folder: str = "forms") -> Callable[[Path], None]:
    def change(root: Path) -> None:
        for path in (root / source / folder).glob("*.json"):
            shutil.copyfile(path, root / target / folder / f"copy-{path.name}")

    return change


def _copy_chain(root: Path) -> None:
    """Pack a's chain copied into pack b, its messages under b's sign (the id is the only problem)."""
    signs = {
        pack: json.loads((root / pack / PACK_FILE).read_text("utf-8"))["sms_sign"] for pack in ("a", "b")
    }
    for path in (root / "a" / "chains").glob("*.json"):
        text = path.read_text("utf-8").replace(f"【{signs['a']}】", f"【{signs['b']}】")
        (root / "b" / "chains" / f"copy-{path.name}").write_text(text, "utf-8")


def _copy_step_form(root: Path) -> None:
    """The same step form (one a chain's step fills) in both packs."""
    form = json.loads((root / "a" / "forms" / "a-apply.json").read_text("utf-8"))
    form.pop("chain")
    for pack in ("a", "b"):
        (root / pack / "chains" / "forms").mkdir()
        text = json.dumps({**form, "id": "shared-check"}, ensure_ascii=False)
        (root / pack / "chains" / "forms" / "shared-check.json").write_text(text, "utf-8")


BAD_PACKS = [
    pytest.param(
        lambda root: (root / "a" / PACK_FILE).unlink(),
        "P001",
        r"a: P001 the pack has no pack\.json: write one beside forms/, e\.g\. \{\"code\": \"a\"",
        id="missing-pack-json",
    ),
    pytest.param(
        lambda root: (root / "a" / PACK_FILE).write_text("{", "utf-8"),
        "P002",
        r"P002 pack\.json does not match the pack format: .*",
        id="not-json",
    ),
    pytest.param(
        lambda root: _manifest(root / "a", sign="x"),
        "P002",
        r"P002 pack\.json does not match the pack format: Object contains unknown field `sign`",
        id="unknown-field",
    ),
    pytest.param(
        lambda root: _manifest(root / "a", province="610"),
        "P002",
        r"P002 .*\$\.province",
        id="province-not-two-digits",
    ),
    pytest.param(
        lambda root: (root / "a" / PACK_FILE).write_text(
            json.dumps({"code": "a", "name": "陕西省"}), "utf-8"
        ),
        "P002",
        r"P002 pack\.json does not match the pack format: Object missing required field `version`",
        id="fields-missing",
    ),
    pytest.param(
        lambda root: _manifest(root / "a", code="shaanxi"),
        "P003",
        r"P003 pack\.json says code shaanxi but the pack's folder is a: make them the same",
        id="code-not-the-folder",
    ),
    pytest.param(
        lambda root: _manifest(root / "a", province="62"),
        "P004",
        r"P004 pack\.json says province 62 but regions/divisions\.csv\.gz holds 61 陕西省 \(6 division\(s\) "
        r"outside province 62\)",
        id="province-not-its-divisions",
    ),
    pytest.param(
        _copy_form("a", "b"),
        "P005",
        r"b/forms/copy-a-apply\.json: P005 form id a-apply is claimed by pack a \(.*a/forms/a-apply\.json\) and "
        r"pack b: give one of them another id",
        id="same-form-id-in-two-packs",
    ),
    pytest.param(
        _copy_step_form,
        "P005",
        r"P005 form id shared-check is claimed by pack a .* and pack b",
        id="same-step-form-id-in-two-packs",
    ),
    pytest.param(
        _copy_chain,
        "P006",
        r"P006 chain id a-apply is claimed by pack a \(.*a/chains/a-apply\.json\) and pack b",
        id="same-chain-id-in-two-packs",
    ),
]


@pytest.mark.parametrize(("change", "code", "message"), BAD_PACKS)
def test_a_bad_pack_is_refused_when_packs_load(
    root: Path, change: Callable[[Path], None], code: str, message: str
) -> None:
    change(root)
    for load in (PackForms.from_packs, ChainRegistry.from_packs, FormRegistry.from_packs):
        with pytest.raises(PackError, match=message):
            load(["a", "b"], root)


@pytest.mark.parametrize(("change", "code", "message"), BAD_PACKS)
def test_lint_reports_the_same_problem_and_fails(
    root: Path, change: Callable[[Path], None], code: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lint", str(root)]) == 0  # both packs as made
    capsys.readouterr()
    change(root)
    assert main(["lint", str(root)]) == 1
    out, _ = capsys.readouterr()
    assert [line for line in out.splitlines() if f": {code} " in line], out
    _, problems = lint_packs(root)
    assert [problem.code for problem in problems] == [code]
    said = in_chinese(problems[0])  # as the admin pages say it
    assert said != problems[0].message and any("\u4e00" <= char <= "\u9fff" for char in said)
    assert not any(word in said for word in ("claimed by", "does not match", "says code", "has no pack.json"))


def test_packs_that_are_fine_together_load_together(root: Path) -> None:
    forms = PackForms.from_packs(["a", "b"], root)
    assert dict(forms.pack_of) == {"a-apply": "a", "b-apply": "b"}
    assert ChainRegistry.from_packs(["a", "b"], root).packs() == ["a", "b"]
    assert packs_problems(["a", "b", "a"], root) == []  # a pack named twice claims nothing twice


def test_one_pack_alone_is_not_a_duplicate_of_another_not_loaded(root: Path) -> None:
    _copy_form("a", "b")(root)
    assert len(PackForms.from_packs(["a"], root).forms) == 1


def test_the_shipped_pack_has_its_manifest_and_lints_clean() -> None:
    assert manifests(["gansu"], form_defs_dir()) == {
        "gansu": PackManifest(
            code="gansu",
            name="甘肃省",
            version=1,
            province="62",
            sms_sign="甘肃一键报贫",
            demo_village="620102001001",
        )
    }
    files, problems = lint_packs(form_defs_dir())
    assert problems == [] and form_defs_dir() / "gansu" / PACK_FILE in files


@pytest.mark.anyio
async def test_pack_json_round_trips_through_export(db: store.Database, tmp_path: Path) -> None:
    packs, chains = PackForms.from_packs(["gansu"]), ChainRegistry.from_packs(["gansu"])
    await sync_pack_versions(db, packs, chains)
    exported = await export_pack(db, "gansu", tmp_path, chains=chains)
    assert "gansu/pack.json" in exported.files
    assert (tmp_path / "gansu" / PACK_FILE).read_bytes() == (
        form_defs_dir() / "gansu" / PACK_FILE
    ).read_bytes()
    assert manifests(["gansu"], tmp_path) == manifests(["gansu"], form_defs_dir())


def test_packs_served_by_default_are_every_pack_but_the_examples(tmp_path: Path) -> None:
    for code, example in (("b", False), ("a", False), ("c", True)):
        (tmp_path / code).mkdir()
        manifest = {"code": code, "name": "某省", "version": 1, "province": "64", "sms_sign": "某省申报"}
        (tmp_path / code / PACK_FILE).write_text(
            json.dumps(manifest | {"example": example}), encoding="utf-8"
        )
    (tmp_path / "broken" / "forms").mkdir(parents=True)  # no pack.json: kept, so its loader names the problem
    (tmp_path / "notes").mkdir()  # neither a pack.json nor forms/: no pack
    assert served_by_default(tmp_path) == ("a", "b", "broken")
    environ = {"SHENBAO_SECRET_KEY": "k" * 40, "SHENBAO_FORM_DEFS": str(tmp_path)}
    assert Settings.from_env(environ).packs == ("a", "b", "broken")
    assert Settings.from_env(environ | {"SHENBAO_PACKS": "c"}).packs == ("c",)
