"""The SQL of the schema step that stores the holiday years admins keep, and the catalog's generation (frozen once
released)."""

from __future__ import annotations

__all__ = ["holiday_years"]


def holiday_years(kind: str) -> tuple[str, ...]:
    # A pack's year of statutory holidays and adjusted working days (调休上班), as the State Council publishes it:
    # each list a JSON array of ISO dates. ``revision`` counts saves, so a save names the revision it was made on.
    # ``catalog_generation`` is one row whose number goes up with every change of published data (holiday years
    # now; forms and chains later), so each app process can tell whether what it loaded is still current.
    if kind == "sqlite":
        pk, json, array = "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "json_type({}) = 'array'"
    else:
        pk, json, array = "SERIAL PRIMARY KEY", "JSONB", "jsonb_typeof({}) = 'array'"
    return (
        f"""
        CREATE TABLE holiday_year (
            id {pk},
            pack VARCHAR(60) NOT NULL,
            year INTEGER NOT NULL,
            holidays {json} NOT NULL DEFAULT '[]' CHECK ({array.format("holidays")}),
            workdays {json} NOT NULL DEFAULT '[]' CHECK ({array.format("workdays")}),
            note VARCHAR(200) NOT NULL DEFAULT '',
            revision INTEGER NOT NULL DEFAULT 1,
            updated_by INTEGER NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT holiday_year_pack_year_unique UNIQUE (pack, year)
        )""",
        """
        CREATE TABLE catalog_generation (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            generation BIGINT NOT NULL DEFAULT 0
        )""",
        "INSERT INTO catalog_generation (id, generation) VALUES (1, 0)",
    )
