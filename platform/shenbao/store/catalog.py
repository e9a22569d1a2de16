"""The catalog's generation: one number that goes up whenever published data changes.

Each app process loads what is published (the packs' holiday years today) once, then serves it from memory. A
change saved in one process bumps the generation in the same transaction as the change (:func:`bump_generation`),
so any process can tell, with one cheap read (:func:`generation`), whether what it loaded is still current.
"""

from __future__ import annotations

from shenbao.store.database import Database

__all__ = ["bump_generation", "generation"]


async def bump_generation(database: Database) -> int:
    """Add one to the generation and return the new number: ONE atomic ``UPDATE ... RETURNING``.

    Call it inside the transaction that changes the published data, so the two commit together.
    """
    database.check_bound()
    rows = await database.fetch(
        "UPDATE catalog_generation SET generation = generation + 1 WHERE id = 1 RETURNING generation"
    )
    return int(rows[0]["generation"])


async def generation(database: Database) -> int:
    """The current generation (0 before anything was published)."""
    database.check_bound()
    rows = await database.fetch("SELECT generation FROM catalog_generation WHERE id = 1")
    return int(rows[0]["generation"]) if rows else 0
