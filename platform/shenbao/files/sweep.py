"""The orphan sweep: delete stored pictures nothing refers to, once they are older than a grace period.

A picture is kept the moment it is uploaded, before any answer refers to it (the draft is saved a moment later,
or never: a retake, a closed tab, an API submission refused). The sweep deletes a stored file (and its
thumbnails) only when both hold:

1. its modification time is older than the grace period (24 hours): storing the same picture again or checking
   a reference to it refreshes the time (:class:`shenbao.files.FileStore`), so a picture an answer is about to
   refer to is young;
2. no row refers to it when the sweep looks, after listing the folder: the answers of every draft (the farmer's
   and the household check's) and of every application, and the application's workflow state (the household
   check as recorded), read in ONE statement, so a reference moving from a draft to its application in a
   concurrent transaction is seen on one side or the other.

Each deletion moves the file aside first and looks at its time again: one refreshed meanwhile is put back. So
any number of processes may sweep at once, and serve uploads while they do.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

import anyio.to_thread
import msgspec

from shenbao.files import FileStore
from shenbao.store import Database

__all__ = ["GRACE", "SweepReport", "referenced_files", "sweep_files"]

GRACE = timedelta(hours=24)
"""How long an unreferenced file is kept: a photo uploaded before its draft is saved is never deleted."""

_HASHED = re.compile(r"^([0-9a-f]{64})\.")
_ASIDE = ".sweep"
_ABANDONED = 600
"""Seconds after which a file set aside is an interrupted sweep's leftover; before, the sweep that set it aside owns it."""
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


class SweepReport(msgspec.Struct, kw_only=True):
    """What one sweep did."""

    deleted: int = 0
    """Pictures deleted (each with its thumbnails)."""
    freed_bytes: int = 0
    referenced: int = 0
    """Old pictures kept because a draft or an application refers to them."""
    restored: int = 0
    """Pictures put back: refreshed while being deleted, or left aside by a sweep that was interrupted."""


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
        files: the file store (its folder).
        now: the current time (aware).
        grace: how old an unreferenced file must be.

    Returns:
        What was deleted, kept and restored.
    """
    cutoff = (now - grace).timestamp()
    old = await anyio.to_thread.run_sync(_old_groups, files.root, cutoff)
    if not old:
        return SweepReport()
    referenced = await referenced_files(db, old)
    report = SweepReport(referenced=len(referenced))
    for digest, paths in old.items():
        if digest in referenced:
            report.restored += await anyio.to_thread.run_sync(_restore_aside, paths)
            continue
        freed, restored, took = await anyio.to_thread.run_sync(_remove_all, paths, cutoff)
        report.freed_bytes += freed
        report.deleted += took  # counted by the sweep that removed the picture itself, not a thumbnail
        report.restored += restored
    return report


def _old_groups(root: Path, cutoff: float) -> dict[str, list[Path]]:
    """Each stored file's paths (original, thumbnails, anything left aside) by hash, when all are older than
    ``cutoff``; a write's leftover ``.part`` older than it is deleted on the way."""
    groups: dict[str, list[Path]] = {}
    young: set[str] = set()
    if not root.is_dir():
        return {}
    for folder in root.iterdir():
        if not folder.is_dir() or len(folder.name) != 2:
            continue
        for entry in os.scandir(folder):
            try:
                modified = entry.stat().st_mtime
            except FileNotFoundError:
                continue  # gone meanwhile (another sweep)
            match = _HASHED.match(entry.name)
            if match is None:
                if entry.name.endswith(".part") and modified < cutoff:
                    _unlink(Path(entry.path))
                continue
            groups.setdefault(match.group(1), []).append(Path(entry.path))
            if modified >= cutoff:
                young.add(match.group(1))
    return {digest: paths for digest, paths in groups.items() if digest not in young}


def _remove_all(paths: list[Path], cutoff: float) -> tuple[int, int, int]:
    """Delete a picture's files, the original first; stop at one refreshed meanwhile.

    Returns:
        Bytes freed, pictures put back (0 or 1), and whether this sweep removed the picture itself (0 or 1).
    """
    freed = took = 0
    for path in sorted(paths, key=lambda path: (path.name.count("."), path.name)):
        removed = _remove(path, cutoff)
        if removed is None:
            return freed, 1, took
        if removed and _is_original(path):
            took = 1  # the picture itself, not a thumbnail: another sweep may have taken it first
        freed += removed
    return freed, 0, took


def _remove(path: Path, cutoff: float) -> int | None:
    """Move ``path`` aside, then delete it unless it was refreshed meanwhile (then put it back: ``None``)."""
    if path.name.endswith(_ASIDE):
        # Left aside by an interrupted sweep, and still unreferenced; a fresh one is another sweep's, mid-way.
        return _unlink(path) if _abandoned(path) else 0
    aside = path.with_name(f"{path.name}.{int(time.time())}-{secrets.token_hex(4)}{_ASIDE}")
    try:
        os.rename(path, aside)
        refreshed = aside.stat().st_mtime >= cutoff
    except FileNotFoundError:
        return 0  # deleted by another sweep
    if refreshed:
        os.replace(aside, path)  # an answer claimed it just now; same hash, same bytes
        return None
    return _unlink(aside)


def _is_original(path: Path) -> bool:
    """``<hash>.jpg`` (or what a sweep set aside of it), not a thumbnail ``<hash>.w480.jpg``."""
    name = path.name.rsplit(".", 2)[0] if path.name.endswith(_ASIDE) else path.name
    return name.count(".") == 1


def _abandoned(aside: Path) -> bool:
    """Whether a file set aside was left by a sweep that stopped (set aside long ago, or by a version that did
    not say when)."""
    mark = aside.name.rsplit(".", 2)[1]
    moment, dash, _ = mark.partition("-")
    return not (dash and moment.isdigit()) or time.time() - int(moment) > _ABANDONED


def _restore_aside(paths: list[Path]) -> int:
    """Put back a referenced picture an interrupted sweep left aside; how many were put back."""
    restored = 0
    for path in paths:
        if path.name.endswith(_ASIDE) and _abandoned(path):
            original = path.with_name(path.name.rsplit(".", 2)[0])
            if not original.exists():
                os.replace(path, original)
                restored += 1
            else:
                _unlink(path)
    return restored


def _unlink(path: Path) -> int:
    try:
        size = path.stat().st_size
        path.unlink()
    except FileNotFoundError:
        return 0
    return size
