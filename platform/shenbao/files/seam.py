"""The seam between the file store and where its bytes live: a local folder or an S3-compatible bucket.

:class:`shenbao.files.FileStore` does what is the same everywhere (content addressing, thumbnails, signed URLs,
the upload gate); a :class:`FileBackend` keeps named objects. Names are ``<two hex digits>/<sha256>.<ext>`` for a
picture and ``<two hex digits>/<sha256>.w<width>.<ext>`` for its thumbnails, in both backends:

- :class:`shenbao.files.local.LocalFiles`: a folder (the embedded default);
- :class:`shenbao.files.s3.S3Files`: any S3-compatible object store (Aliyun OSS, MinIO, Ceph), through obstore.

Each backend sweeps its own orphans (:meth:`FileBackend.sweep`): how to delete a picture without racing an
upload of the same picture depends on what the storage can do (a rename in a folder, a copy in a bucket).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Protocol

import msgspec

from shenbao.files.images import FileRef

__all__ = [
    "HASHED",
    "UNAVAILABLE",
    "FileBackend",
    "FileStoreUnavailableError",
    "Referenced",
    "StoredFile",
    "SweepReport",
    "original_name",
    "thumbnail_name",
]

UNAVAILABLE = "图片暂时存不上，请稍后再试，已填的内容都还在"
"""What a farmer reads when the file store does not answer (the upload answers 503)."""

HASHED = re.compile(r"^([0-9a-f]{64})\.")
"""A stored object's file name (after its folder): the picture's hash, then what follows it."""

Referenced = Callable[[Iterable[str]], Awaitable[set[str]]]
"""Which of some hashes a draft or an application refers to, now (:func:`shenbao.files.sweep.referenced_files`)."""


class FileStoreUnavailableError(RuntimeError):
    """The file store does not answer (the bucket unreachable, refusing our keys, the disk full or read-only).

    ``str(error)`` is :data:`UNAVAILABLE`, for the farmer; ``detail`` says what failed, for the log.
    """

    def __init__(self, detail: str) -> None:
        super().__init__(UNAVAILABLE)
        self.detail = detail


class StoredFile(msgspec.Struct, frozen=True):
    """One stored object: its name, size and last modification (seconds since the epoch)."""

    name: str
    size: int
    modified: float


class SweepReport(msgspec.Struct, kw_only=True):
    """What one sweep did."""

    deleted: int = 0
    """Pictures deleted (each with its thumbnails)."""
    freed_bytes: int = 0
    referenced: int = 0
    """Old pictures kept because a draft or an application refers to them."""
    restored: int = 0
    """Pictures put back: refreshed while being deleted, or left aside by a sweep that was interrupted."""


def original_name(ref: FileRef) -> str:
    """The stored name of the picture ``ref`` refers to."""
    return f"{ref.file[:2]}/{ref.file}.{ref.extension}"


def thumbnail_name(ref: FileRef, width: int) -> str:
    """The stored name of ``ref``'s thumbnail ``width`` pixels wide."""
    return f"{ref.file[:2]}/{ref.file}.w{width}.{ref.extension}"


class FileBackend(Protocol):
    """Where the file store keeps its bytes. Every method raises :class:`FileStoreUnavailableError` when the
    storage does not answer; a missing object is ``None``, never an error."""

    async def write(self, name: str, content: bytes) -> None:
        """Keep ``content`` under ``name`` at once or not at all; writing a name again refreshes its time."""

    async def claim(self, name: str) -> int | None:
        """Refresh ``name``'s time (an answer is about to refer to it); its size, ``None`` when it is not kept."""

    async def size(self, name: str) -> int | None:
        """``name``'s size in bytes, ``None`` when it is not kept."""

    async def read(self, name: str) -> bytes | None:
        """``name``'s bytes, ``None`` when it is not kept."""

    async def delete(self, name: str) -> None:
        """Forget ``name`` (nothing happens when it is not kept)."""

    async def listing(self) -> list[StoredFile]:
        """Every stored object (pictures, thumbnails and the backend's own marks)."""

    async def ping(self) -> None:
        """Return when the storage answers and takes writes; raise :class:`FileStoreUnavailableError` if not."""

    async def sweep(self, cutoff: float, referenced: Referenced) -> SweepReport:
        """Delete each picture (with its thumbnails) untouched since ``cutoff`` (seconds since the epoch) that
        ``referenced`` does not name, without ever deleting one an answer was claiming meanwhile."""
