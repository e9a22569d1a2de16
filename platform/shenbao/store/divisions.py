"""The administrative divisions imported into the database (``shenbao regions import``), one province at a time.

A province's rows are replaced as a whole, so importing it again leaves the same rows. The platform reads a
province back at start-up (:func:`division_rows`) into the in-memory index the region widgets use.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from shenbao.regions.divisions import DivisionDataError, level_of, parent_of
from shenbao.store.database import Database

__all__ = ["division_rows", "replace_divisions"]

_BATCH = 5_000
_COLUMNS = ("code", "parent", "level", "name")


def _code_range(province: str) -> tuple[str, str]:
    # Every code of a province sorts from its 2 digits up to (not including) the next prefix: a range scan of the
    # primary key on both engines, where LIKE '62%' would not use the index on PostgreSQL.
    return province, province[:-1] + chr(ord(province[-1]) + 1)


async def replace_divisions(db: Database, rows: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Store ``(code, name)`` rows, replacing every row of the provinces they belong to, in one transaction.

    Args:
        db: the open, migrated database.
        rows: divisions of one or more provinces, each province complete (its rows replace what was stored).

    Returns:
        How many divisions each province now has, by province code.

    Raises:
        DivisionDataError: a code is not a division code.
    """
    records: list[tuple[str, str, str, str]] = []
    for code, name in dict(rows).items():
        level = level_of(code)
        if level is None:
            raise DivisionDataError(f"{code!r} is not a division code: use 2, 4, 6, 9 or 12 digits")
        records.append((code, parent_of(code), level, name))
    counts = Counter(record[0][:2] for record in records)
    async with db.transaction() as transaction:
        for province in sorted(counts):
            low, high = _code_range(province)
            await db.fetch("DELETE FROM division WHERE code >= {} AND code < {}", low, high)
        connection = transaction.connection
        for start in range(0, len(records), _BATCH):
            batch = records[start : start + _BATCH]
            if db.kind == "postgres":
                await connection.copy_records_to_table("division", records=batch, columns=_COLUMNS)
            else:
                await connection.executemany(
                    f"INSERT INTO division ({', '.join(_COLUMNS)}) VALUES (?, ?, ?, ?)", batch
                )
    return dict(sorted(counts.items()))


async def division_rows(db: Database, province: str) -> list[tuple[str, str]]:
    """The ``(code, name)`` rows stored for ``province`` (its 2 digits), in code order; empty when none are."""
    low, high = _code_range(province)
    rows = await db.fetch(
        "SELECT code, name FROM division WHERE code >= {} AND code < {} ORDER BY code", low, high
    )
    return [(row["code"], row["name"]) for row in rows]
