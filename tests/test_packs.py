"""PackForms: each pack's farmer forms and step forms compiled in one pass, as the separate registries give them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from shenbao.packs import STEP_FORMS, FormRegistry, PackError, PackForms
from shenbao.paths import form_defs_dir


def test_pack_forms_are_the_two_registries_in_one_pass() -> None:
    both = PackForms.from_packs(["gansu"])
    assert [form.id for form in both.forms] == [form.id for form in FormRegistry.from_packs(["gansu"])]
    assert [form.id for form in both.step_forms] == [
        form.id for form in FormRegistry.from_packs(["gansu"], folder=STEP_FORMS)
    ]


def test_a_pack_without_step_forms_has_none(tmp_path: Path) -> None:
    shutil.copytree(form_defs_dir() / "gansu" / "forms", tmp_path / "plain" / "forms")
    manifest = (
        '{"code": "plain", "name": "甘肃省", "version": 1, "province": "62", "sms_sign": "甘肃一键报贫"}'
    )
    (tmp_path / "plain" / "pack.json").write_text(manifest, "utf-8")
    both = PackForms.from_packs(["plain"], tmp_path)
    assert len(both.forms) == 2 and len(both.step_forms) == 0


def test_a_missing_pack_is_refused_naming_where_its_forms_belong(tmp_path: Path) -> None:
    with pytest.raises(
        PackError, match=r"pack 'nowhere' not found: expected form definitions in .*nowhere/forms"
    ):
        PackForms.from_packs(["nowhere"], tmp_path)
