"""The SQL of the schema step that stores published form versions (frozen once released)."""

from __future__ import annotations

__all__ = ["form_versions"]


def form_versions(kind: str) -> tuple[str, ...]:
    # A published version never changes: form_version is append-only (one row per form and number); which version
    # farmers get is form_current's one row per form, moved by one conditional UPDATE, so of two admins publishing
    # at once exactly one wins. form_publication is the append-only record of every publication and rollback.
    if kind == "sqlite":
        pk, json, obj = "INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "json_type({}) = 'object'"
    else:
        pk, json, obj = "SERIAL PRIMARY KEY", "JSONB", "jsonb_typeof({}) = 'object'"
    return (
        f"""
        CREATE TABLE form_version (
            id {pk},
            form_id VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL,
            title VARCHAR(200) NOT NULL,
            definition {json} NOT NULL CHECK ({obj.format("definition")}),
            digest VARCHAR(64) NOT NULL,
            source VARCHAR(100) NOT NULL DEFAULT '',
            owner_region VARCHAR(12) NOT NULL DEFAULT '',
            staff_id INTEGER,
            username VARCHAR(64) NOT NULL DEFAULT '',
            reason VARCHAR(500) NOT NULL DEFAULT '',
            at TIMESTAMPTZ NOT NULL,
            CONSTRAINT form_version_form_version_unique UNIQUE (form_id, version)
        )""",
        """
        CREATE TABLE form_current (
            form_id VARCHAR(64) PRIMARY KEY,
            version INTEGER NOT NULL,
            at TIMESTAMPTZ NOT NULL
        )""",
        f"""
        CREATE TABLE form_publication (
            id {pk},
            form_id VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL,
            previous INTEGER,
            action VARCHAR(16) NOT NULL,
            staff_id INTEGER,
            username VARCHAR(64) NOT NULL DEFAULT '',
            reason VARCHAR(500) NOT NULL DEFAULT '',
            at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX form_publication_form ON form_publication (form_id, id)",
        "CREATE INDEX draft_form_version ON draft (form_id, form_version)",
        # What a draft's farmer is told once when the draft moves to a newer version (null once shown).
        f"ALTER TABLE draft ADD COLUMN carried {json} NULL",
        "CREATE INDEX application_form_version ON application (form_id, form_version, status)",
    )
