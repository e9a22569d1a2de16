"""The SQL of the schema step that lets a message name the chain its template belongs to (frozen once released)."""

from __future__ import annotations

__all__ = ["chain_template_names"]


def chain_template_names(kind: str) -> tuple[str, ...]:
    # A chain's message is stored under "<chain id>.<template>" (up to 60 + 1 + 40 characters), so a provider of
    # approved templates knows which province's wording and sign it is. SQLite does not enforce VARCHAR lengths.
    if kind == "sqlite":
        return ()
    return (
        "ALTER TABLE outbox ALTER COLUMN template TYPE VARCHAR(128)",
        "ALTER TABLE sms_message ALTER COLUMN template TYPE VARCHAR(128)",
    )
