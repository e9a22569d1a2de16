"""The SQL of the schema step that stores forms authored in the admin builder (frozen once released)."""

from __future__ import annotations

__all__ = ["authored_forms", "json_columns"]


def json_columns(kind: str) -> tuple[str, str, str]:
    """For an engine kind: the serial key's type, the JSON column's type, and a check that a JSON value is an
    object (a template with ``{}`` for the column's name)."""
    if kind == "sqlite":
        return "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "json_type({}) = 'object'"
    return "SERIAL PRIMARY KEY", "JSONB", "jsonb_typeof({}) = 'object'"


def authored_forms(kind: str) -> tuple[str, ...]:
    # A form's definition is JSON in the form_defs/ format; each change appends a revision holding the whole
    # definition (a 47-question form is ~40 KB), so any revision can be shown, compared or restored as it was.
    pk, json, obj = json_columns(kind)
    return (
        f"""
        CREATE TABLE authored_form (
            id {pk},
            form_id VARCHAR(60) NOT NULL CONSTRAINT authored_form_form_id_key UNIQUE,
            title VARCHAR(200) NOT NULL,
            state VARCHAR(16) NOT NULL DEFAULT 'draft',
            definition {json} NOT NULL DEFAULT '{{}}' CHECK ({obj.format("definition")}),
            revision INTEGER NOT NULL DEFAULT 1,
            owner_region VARCHAR(12) NOT NULL,
            source VARCHAR(100) NOT NULL DEFAULT '',
            created_by INTEGER NOT NULL,
            created_at TIMESTAMPTZ NOT NULL,
            updated_by INTEGER NOT NULL,
            updated_at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX authored_form_owner_region ON authored_form (owner_region, updated_at)",
        f"""
        CREATE TABLE form_revision (
            id {pk},
            form INTEGER NOT NULL REFERENCES authored_form (id) ON DELETE CASCADE,
            number INTEGER NOT NULL,
            action VARCHAR(16) NOT NULL,
            state_of INTEGER NOT NULL,
            parent INTEGER,
            summary VARCHAR(200) NOT NULL DEFAULT '',
            definition {json} NOT NULL DEFAULT '{{}}' CHECK ({obj.format("definition")}),
            staff_id INTEGER NOT NULL,
            username VARCHAR(64) NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            CONSTRAINT form_revision_form_number_unique UNIQUE (form, number)
        )""",
        f"""
        CREATE TABLE form_editor (
            id {pk},
            form INTEGER NOT NULL REFERENCES authored_form (id) ON DELETE CASCADE,
            staff_id INTEGER NOT NULL,
            display_name VARCHAR(100) NOT NULL,
            seen_at TIMESTAMPTZ NOT NULL,
            CONSTRAINT form_editor_form_staff_unique UNIQUE (form, staff_id)
        )""",
    )
