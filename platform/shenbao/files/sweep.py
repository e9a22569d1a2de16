"""The orphan sweep: delete stored pictures nothing refers to, once they are older than a grace period.

A picture is kept the moment it is uploaded, before any answer refers to it (the draft is saved a moment later,
or never: a retake, a closed tab, an API submission refused). The sweep deletes a stored file (and its
thumbnails) only when both hold:

1. it was last touched before the grace period (24 hours): storing the same picture again or checking a
   reference to it refreshes its time (:class:`shenbao.files.FileStore`), so a picture an answer is about to
   refer to is young;
2. no row refers to it when the sweep looks, after listing the store: the answers of every draft (the farmer's
   and the household check's) and of every application, and the application's workflow state (the household
   check as recorded), read in ONE statement, so a reference moving from a draft to its application in a
   concurrent transaction is seen on one side or the other.

How a picture is deleted without racing an upload or a claim of it is the backend's own
(:meth:`shenbao.files.seam.FileBackend.sweep`: a rename in a folder, a copy and a mark in a bucket); in both,
any number of processes may sweep at once, and serve uploads while they do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import msgspec

from shenbao.files.seam import SweepReport
from shenbao.files.store import FileStore
from shenbao.store import Database

__all__ = ["GRACE", "SweepReport", "referenced_files", "sweep_files"]

GRACE = timedelta(hours=24)
"""How long an unreferenced file is kept: a photo uploaded before its draft is saved is never deleted."""

_BATCH = 500

_DOCUMENTS = """(
    SELECT answers AS doc FROM draft
    UNION ALL SELECT answers FROM application
    UNION ALL SELECT workflow_state FROM application WHERE workflow_state IS NOT NULL
) AS docs"""
# One statement each, so every table is read in the same snapshot. {} is a JSON array of the hashes asked about;
# ``#>> ARRAY[]`` is a JSON string's text (Piccolo's placeholders leave no way to write the usual '{}').
_SQLITE = f"""
SELECT DISTINCT tree.value AS file FROM {_DOCUMENTS}, json_tree(docs.doc) AS tree
WHERE tree.key = 'file' AND tree.type = 'text' AND tree.value IN (SELECT value FROM json_each({{}}))
"""
_POSTGRES = f"""
SELECT DISTINCT found #>> ARRAY[]::text[] AS file FROM {_DOCUMENTS}, jsonb_path_query(docs.doc, 'strict $.**.file') AS found
WHERE found #>> ARRAY[]::text[] IN (SELECT jsonb_array_elements_text(CAST({{}} AS text)::jsonb))
"""


async def referenced_files(db: Database, hashes: Iterable[str]) -> set[str]:
    """Which of ``hashes`` some draft, application or workflow state refers to (``{"file": hash, ...}``), now.

    Args:
        db: the open database.
        hashes: SHA-256 hex digests of stored files.
    """
    db.check_bound()
    wanted = sorted(set(hashes))
    found: set[str] = set()
    query = _SQLITE if db.kind == "sqlite" else _POSTGRES
    for start in range(0, len(wanted), _BATCH):
        batch = msgspec.json.encode(wanted[start : start + _BATCH]).decode()
        found |= {str(row["file"]) for row in await db.fetch(query, batch)}
    return found


async def sweep_files(
    db: Database, files: FileStore, *, now: datetime, grace: timedelta = GRACE
) -> SweepReport:
    """Delete the stored files no row refers to and that are older than ``grace`` at ``now``.

    Args:
        db: the open database.
        files: the file store (a folder or a bucket).
        now: the current time (aware).
        grace: how old an unreferenced file must be.

    Returns:
        What was deleted, kept and restored.

    Raises:
        FileStoreUnavailableError: the store does not answer (what was done until then stands).
    """

    async def referenced(hashes: Iterable[str]) -> set[str]:
        return await referenced_files(db, hashes)

    return await files.backend.sweep((now - grace).timestamp(), referenced)
