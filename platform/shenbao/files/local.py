"""The local folder backend: files under ``<root>/<two hex digits>/``, written aside then renamed into place.

The embedded default (``SHENBAO_FILE_STORE=local``): one machine's disk. A file's modification time is its
"last touched": storing it again or claiming it refreshes it (:func:`os.utime`), and the sweep compares it with
its cutoff. The sweep moves a file aside (a rename keeps its time) and looks at its time again: one refreshed
meanwhile is put back. So any number of processes may sweep at once, and serve uploads while they do.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from shenbao.files.seam import HASHED, FileStoreUnavailableError, Referenced, StoredFile, SweepReport

__all__ = ["LocalFiles"]

T = TypeVar("T")

_ASIDE = ".sweep"
_ABANDONED = 600
"""Seconds after which a file set aside is an interrupted sweep's leftover; before, the sweep that set it aside owns it."""


class LocalFiles:
    """Stored objects as files under ``root`` (created on first write)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, name: str) -> Path:
        """The file that holds ``name``."""
        return self.root / name

    async def write(self, name: str, content: bytes) -> None:
        """Keep ``content`` as ``name``: written aside, then renamed into place (a reader never sees half a file)."""
        try:
            await anyio.to_thread.run_sync(_write, self.path_of(name), content)
        except OSError as error:  # the disk full, the folder read-only
            raise FileStoreUnavailableError(f"writing {name}: {error}") from error

    async def claim(self, name: str) -> int | None:
        """Refresh ``name``'s modification time; its size, ``None`` when there is no such file."""
        path = self.path_of(name)
        return await _run(f"claiming {name}", lambda: _size(path) if _touched(path) else None)

    async def size(self, name: str) -> int | None:
        """``name``'s size, ``None`` when there is no such file."""
        return await _run(f"reading {name}", lambda: _size(self.path_of(name)))

    async def read(self, name: str) -> bytes | None:
        """``name``'s bytes, ``None`` when there is no such file."""
        return await _run(f"reading {name}", lambda: _read(self.path_of(name)))

    async def delete(self, name: str) -> None:
        """Remove ``name``'s file, if there is one."""
        await anyio.to_thread.run_sync(_unlink, self.path_of(name))

    async def listing(self) -> list[StoredFile]:
        """Every file under the root (set-aside ones and leftovers of writes included)."""
        return await anyio.to_thread.run_sync(self._listing)

    def _listing(self) -> list[StoredFile]:
        found = []
        for path in self.root.rglob("*") if self.root.is_dir() else ():
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if path.is_file():
                found.append(StoredFile(str(path.relative_to(self.root)), stat.st_size, stat.st_mtime))
        return found

    async def ping(self) -> None:
        """The folder exists (made if need be) and a file can be written in it and removed.

        Raises:
            FileStoreUnavailableError: it cannot.
        """
        try:
            await anyio.to_thread.run_sync(_probe, self.root)
        except OSError as error:
            raise FileStoreUnavailableError(f"the folder {self.root}: {error}") from error

    async def sweep(self, cutoff: float, referenced: Referenced) -> SweepReport:
        """Delete the pictures (with their thumbnails) untouched since ``cutoff`` that ``referenced`` does not name."""
        old = await anyio.to_thread.run_sync(_old_groups, self.root, cutoff)
        if not old:
            return SweepReport()
        found = await referenced(old)
        report = SweepReport(referenced=len(found))
        for digest, paths in old.items():
            if digest in found:
                report.restored += await anyio.to_thread.run_sync(_restore_aside, paths)
                continue
            freed, restored, took = await anyio.to_thread.run_sync(_remove_all, paths, cutoff)
            report.freed_bytes += freed
            report.deleted += took  # counted by the sweep that removed the picture itself, not a thumbnail
            report.restored += restored
        return report


async def _run(what: str, work: Callable[[], T]) -> T:
    """``work()`` in a thread; a folder that cannot be read (permissions, a failing disk) is unavailable."""
    try:
        return await anyio.to_thread.run_sync(work)
    except OSError as error:
        raise FileStoreUnavailableError(f"{what}: {error}") from error


def _write(path: Path, content: bytes) -> None:
    if _touched(path):
        return  # same hash, same bytes: only its time is new, so the sweep leaves it
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write aside, then rename: a reader never sees half a file, even if the process dies mid-write.
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _probe(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=root, suffix=".part"):
        pass


def _touched(path: Path) -> bool:
    """Refresh ``path``'s modification time; ``False`` when there is no such file (never written, or swept)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


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
            match = HASHED.match(entry.name)
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
