"""The SQL of the schema step that stores published versions of forms and chains (frozen once released)."""

from __future__ import annotations

from shenbao.store.schema_sql_authoring import json_columns

__all__ = ["published_versions"]


def published_versions(kind: str) -> tuple[str, ...]:
    # A published version never changes: published_version is append-only (one row per kind, item and number);
    # which version is served is published_current's one row per item, moved by one conditional UPDATE, so of two
    # admins publishing at once exactly one wins. publication is the append-only record of every publication and
    # rollback. ``kind`` is 'form' or 'chain'; ``item_id`` the form's or the chain's id.
    pk, json, obj = json_columns(kind)
    return (
        f"""
        CREATE TABLE published_version (
            id {pk},
            kind VARCHAR(8) NOT NULL,
            item_id VARCHAR(64) NOT NULL,
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
            CONSTRAINT published_version_unique UNIQUE (kind, item_id, version)
        )""",
        """
        CREATE TABLE published_current (
            kind VARCHAR(8) NOT NULL,
            item_id VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL,
            at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (kind, item_id)
        )""",
        f"""
        CREATE TABLE publication (
            id {pk},
            kind VARCHAR(8) NOT NULL,
            item_id VARCHAR(64) NOT NULL,
            version INTEGER NOT NULL,
            previous INTEGER,
            action VARCHAR(16) NOT NULL,
            staff_id INTEGER,
            username VARCHAR(64) NOT NULL DEFAULT '',
            reason VARCHAR(500) NOT NULL DEFAULT '',
            at TIMESTAMPTZ NOT NULL
        )""",
        "CREATE INDEX publication_item ON publication (kind, item_id, id)",
        "CREATE INDEX draft_form_version ON draft (form_id, form_version)",
        # What a draft's farmer is told once when the draft moves to a newer version (null once shown).
        f"ALTER TABLE draft ADD COLUMN carried {json} NULL",
        "CREATE INDEX application_form_version ON application (form_id, form_version, status)",
        # The chain version an open case started on (it finishes on it), for the chain editor's impact.
        "ALTER TABLE application ADD COLUMN chain_version INTEGER NULL",
    )
