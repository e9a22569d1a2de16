"""The SQL of the schema step that stores the chain editor's drafts (frozen once released)."""

from __future__ import annotations

from shenbao.store.schema_sql_authoring import json_columns

__all__ = ["chain_drafts"]


def chain_drafts(kind: str) -> tuple[str, ...]:
    # One draft per chain: the chain being edited, in the chain file's format, and the revision it is at (an edit
    # names the revision it was made on: one conditional UPDATE, so of two admins saving at once one wins).
    pk, json, obj = json_columns(kind)
    return (
        f"""
        CREATE TABLE chain_draft (
            id {pk},
            chain_id VARCHAR(64) NOT NULL CONSTRAINT chain_draft_chain_id_key UNIQUE,
            definition {json} NOT NULL CHECK ({obj.format("definition")}),
            revision INTEGER NOT NULL DEFAULT 1,
            base_version INTEGER NOT NULL,
            updated_by INTEGER NOT NULL,
            username VARCHAR(64) NOT NULL DEFAULT '',
            summary VARCHAR(200) NOT NULL DEFAULT '',
            updated_at TIMESTAMPTZ NOT NULL
        )""",
    )
