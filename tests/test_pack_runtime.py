"""Packs: each served pack's divisions and widgets, which pack a published form belongs to, and forms compiled with
their own pack's widgets."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shenbao.forms import evaluate
from shenbao.pack_runtime import Packs
from shenbao.packs import FormRegistry, PackForms
from shenbao.paths import form_defs_dir
from shenbao.regions import Divisions
from tests.support.packs import NINGXIA, write_ningxia

BUILT = {
    "id": "built-in-builder",
    "version": 1,
    "title": "建表单",
    "sections": [
        {"id": "home", "title": "住址", "questions": [{"type": "region", "id": "q1", "label": "地址"}]}
    ],
}


@pytest.fixture(scope="module")
def packs(tmp_path_factory: pytest.TempPathFactory) -> Packs:
    root = tmp_path_factory.mktemp("packs") / "form_defs"
    shutil.copytree(form_defs_dir() / "gansu", root / "gansu")
    write_ningxia(root)
    return Packs.load(["gansu", "ningxia"], root)


def test_each_pack_has_its_province_and_the_app_all_of_them(packs: Packs) -> None:
    assert packs.codes == ["gansu", "ningxia"] and packs.provinces() == ["62", "64"]
    assert [pack.province for pack in packs] == ["62", "64"]
    assert (
        packs["gansu"].divisions.default_root() == "62" and packs["ningxia"].divisions.default_root() == "64"
    )
    assert "640104" in packs.divisions and "620102" in packs.divisions
    assert "640104" not in packs["gansu"].divisions and "620102" not in packs["ningxia"].divisions
    assert packs.of_region("640104001") is packs["ningxia"] and packs.of_region("11") is None
    for pack in packs:
        assert pack.widgets["region"].place.divisions is pack.divisions, "the hooks made for the pack"


def test_a_published_version_belongs_to_its_file_or_its_owners_province(packs: Packs) -> None:
    assert packs.pack_of_version("pack:ningxia", "", None) == "ningxia"
    assert packs.pack_of_version("admin", "64", None) == "ningxia", "a province admin's form"
    assert packs.pack_of_version("admin", "620102", None) == "gansu", "a county's own form"
    assert packs.pack_of_version("admin", "", "ningxia") == "ningxia", "no region: its chain's pack"
    assert packs.pack_of_version("admin", "", None) is None, "two packs and nothing to tell: none"
    assert packs.widgets_of(None) is packs.widgets and "rating" not in packs.widgets


def test_a_builder_form_is_compiled_with_its_packs_widgets(packs: Packs) -> None:
    forms = FormRegistry([], cleaners_of=packs.cleaners_of)
    forms.add("built-in-builder", 1, BUILT, pack="ningxia")
    forms.use({"built-in-builder": 1})
    form = forms.get("built-in-builder")
    assert form is not None and forms.pack_of("built-in-builder") == "ningxia"
    assert "q1" not in evaluate(form, {"q1": "640104001"}).errors, "its root: the pack's province"
    assert evaluate(form, {"q1": "620102001"}).errors["q1"], "a Gansu township on a Ningxia form"
    forms.add("built-in-builder", 2, BUILT, pack="gansu")
    assert forms.pack_of("built-in-builder") == "ningxia", "a form keeps the pack it was first known in"


def test_pack_files_are_compiled_and_linted_with_their_own_packs_widgets(packs: Packs) -> None:
    root = packs["gansu"].folder.parent
    both = PackForms.from_packs(["gansu", "ningxia"], root, served=packs)
    assert both.forms.pack_of(NINGXIA) == "ningxia" and both.forms.pack_of("gansu-zizhu-2021") == "gansu"
    ningxia = both.forms.get(NINGXIA)
    assert ningxia is not None and evaluate(ningxia, {"q1": "640104001", "q2": 7}).errors["q2"]


def test_one_pack_serves_its_own_divisions_as_the_apps(tmp_path: Path) -> None:
    write_ningxia(tmp_path)
    alone = Packs.load(["ningxia"], tmp_path)
    assert alone.divisions is alone["ningxia"].divisions
    imported = Packs.load(["ningxia"], tmp_path, imported={"64": [("64", "宁夏"), ("6401", "银川市")]})
    assert isinstance(imported.divisions, Divisions) and len(imported.divisions) == 2
    assert len(alone.divisions) > 2, "an import replaces the province of the app that reads it only"
