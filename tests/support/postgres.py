"""Statements the tests run on a PostgreSQL server directly (making, dropping and cutting off databases)."""

from __future__ import annotations

import asyncpg

__all__ = ["execute"]


async def execute(url: str, *statements: str) -> None:
    """Run ``statements`` one after the other on a connection of their own to ``url``."""
    connection = await asyncpg.connect(url, timeout=5)
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()
