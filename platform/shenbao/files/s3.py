"""The S3 backend: pictures in an S3-compatible bucket (Aliyun OSS, MinIO, Ceph), through obstore.

``SHENBAO_FILE_STORE=s3``: every process on every machine reads and writes the same bucket, so a photo uploaded
through one process is served by any other. obstore (the Rust ``object_store`` crate's Python binding) is small
and fast; a single PUT is atomic (an object is whole or absent, never half-written). Its blocking calls run in
worker threads (:data:`_THREADS` at once): its async ones hand Python futures to Rust threads that may still
touch them while the interpreter exits, and a short process (``shenbao sweep-files`` from cron) then died of
SIGABRT after its work was done, in about a third of the runs measured; the blocking calls never did.

An object's "last touched" is the time of a small mark beside the picture, ``<hash>.touched``: a bucket has no
way to refresh an object's time without writing it again. Storing a picture writes the mark first, then the
picture; claiming one (an answer about to refer to it) writes the mark, then asks the picture's size (a
reference to nothing leaves no mark: the size is asked first too). The
sweep copies an old unreferenced picture aside, deletes it, then reads the mark: one written meanwhile means a
claim or an upload raced it, and the picture is copied back. A claim that looked between the delete and the
copy back found nothing and was refused (the farmer uploads again), so no answer ever refers to a picture
that is gone.

Every call is bounded (a two-second connect, a few quick retries): a bucket that does not answer is a
:class:`~shenbao.files.seam.FileStoreUnavailableError` within seconds, never a request that hangs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, TypeVar

import obstore
from obstore.exceptions import BaseError
from obstore.store import S3Store

from shenbao.files.seam import HASHED, FileStoreUnavailableError, Referenced, StoredFile, SweepReport
from shenbao.settings import S3Files as S3Settings

if TYPE_CHECKING:
    from obstore.store import ClientConfig, RetryConfig

__all__ = ["S3Files"]

T = TypeVar("T")

_ASIDE = ".sweep"
_MARK = ".touched"
_FOLDERS = frozenset(f"{number:02x}" for number in range(256))
"""The folders pictures are kept in: the first two hex digits of their hash."""
_ABANDONED = 600
"""Seconds after which a picture set aside is an interrupted sweep's leftover."""
_THREADS = 32
"""Bucket calls running at once in a process (each holds a worker thread while it waits on the network)."""
# Threads of their own, not the shared pool: waiting on a slow bucket never starves the rest of the process.
_CALLS = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="shenbao-s3")
_RETRY: RetryConfig = {
    "max_retries": 2,
    "retry_timeout": timedelta(seconds=10),
    "backoff": {"init_backoff": timedelta(milliseconds=100), "max_backoff": timedelta(seconds=1), "base": 2},
}


class S3Files:
    """Stored objects in a bucket, under the settings' prefix."""

    def __init__(self, config: S3Settings) -> None:
        self.config = config
        self._client: tuple[int, S3Store] | None = None

    @property
    def _store(self) -> S3Store:
        """This process's client, made on first use: a client's connections never cross a fork (workers)."""
        if self._client is None or self._client[0] != os.getpid():
            self._client = (os.getpid(), _client(self.config))
        return self._client[1]

    def __repr__(self) -> str:
        return f"S3Files({self.config!r})"

    async def write(self, name: str, content: bytes) -> None:
        """Keep ``content`` as ``name`` in one PUT; a picture's mark is written first (see the module)."""
        if _is_original(name):
            await self._mark(name)
        await _call(f"PUT {name}", lambda: obstore.put(self._store, name, content, use_multipart=False))

    async def claim(self, name: str) -> int | None:
        """Write ``name``'s mark, then its size (``None`` when it is not kept: then no mark is left behind a
        reference that names nothing)."""
        if await self.size(name) is None:
            return None
        await self._mark(name)
        return await self.size(name)  # after the mark: a sweep deleting it meanwhile is seen here

    async def size(self, name: str) -> int | None:
        """``name``'s size, ``None`` when it is not kept."""
        meta = await _call(f"HEAD {name}", lambda: _or_none(lambda: obstore.head(self._store, name)))
        return None if meta is None else int(meta["size"])

    async def read(self, name: str) -> bytes | None:
        """``name``'s bytes, ``None`` when it is not kept."""

        def get() -> bytes | None:
            result = _or_none(lambda: obstore.get(self._store, name))
            return None if result is None else bytes(result.bytes())

        return await _call(f"GET {name}", get)

    async def delete(self, name: str) -> None:
        """Delete ``name`` (S3 answers the same when there is none)."""
        await _call(f"DELETE {name}", lambda: obstore.delete(self._store, name))

    async def listing(self, folder: str | None = None) -> list[StoredFile]:
        """Every object under the prefix (``folder``: only those in that two-digit folder)."""

        def listed() -> list[StoredFile]:
            found = []
            for chunk in obstore.list(self._store, folder, chunk_size=1000):
                found += [
                    StoredFile(meta["path"], int(meta["size"]), meta["last_modified"].timestamp())
                    for meta in chunk
                ]
            return found

        return await _call("LIST", listed)

    async def ping(self) -> None:
        """The bucket answers a listing with our keys.

        Raises:
            FileStoreUnavailableError: it does not (unreachable, no such bucket, keys refused).
        """

        def first() -> None:
            for _ in obstore.list(self._store, None, chunk_size=1):
                break

        await _call("LIST", first)

    async def sweep(self, cutoff: float, referenced: Referenced) -> SweepReport:
        """Delete the pictures (with their thumbnails and marks) untouched since ``cutoff`` that ``referenced``
        does not name; a picture claimed meanwhile is copied back (see the module).

        One two-digit folder at a time (up to 256 listings): a province's bucket holds millions of objects, and
        a sweep holds one folder's names in memory, never the whole bucket's.
        """
        listed = await _call("LIST /", lambda: obstore.list_with_delimiter(self._store, None))
        folders = sorted(
            {path.rstrip("/").rpartition("/")[2] for path in listed["common_prefixes"]} & _FOLDERS
        )
        report = SweepReport()
        for folder in folders:
            swept = await self._sweep_folder(folder, cutoff, referenced)
            report.deleted += swept.deleted
            report.freed_bytes += swept.freed_bytes
            report.referenced += swept.referenced
            report.restored += swept.restored
        return report

    async def _sweep_folder(self, folder: str, cutoff: float, referenced: Referenced) -> SweepReport:
        groups: dict[str, list[StoredFile]] = {}
        young: set[str] = set()
        for stored in await self.listing(folder):
            match = HASHED.match(stored.name.rpartition("/")[2])
            if match is None:
                continue
            groups.setdefault(match.group(1), []).append(stored)
            if stored.modified >= cutoff and not stored.name.endswith(_ASIDE):
                young.add(match.group(1))
        old = {digest: group for digest, group in groups.items() if digest not in young}
        if not old:
            return SweepReport()
        found = await referenced(old)
        report = SweepReport(referenced=len(found))
        for digest, group in old.items():
            if digest in found:
                report.restored += await self._restore_aside(group)
            else:
                await self._remove(group, cutoff, report)
        return report

    async def _remove(self, group: list[StoredFile], cutoff: float, report: SweepReport) -> None:
        """Delete one picture's objects: the picture itself through a copy aside, then the rest."""
        if any(stored.name.endswith(_ASIDE) and not _abandoned(stored.name) for stored in group):
            return  # another sweep is deleting it now
        original = next((stored for stored in group if _is_original(stored.name)), None)
        if original is not None:
            aside = f"{original.name}.{int(time.time())}-{secrets.token_hex(4)}{_ASIDE}"
            if not await self._copy(original.name, aside):
                return  # deleted by another sweep
            await self.delete(original.name)
            if await self._touched_since(original.name, cutoff):
                await self._copy(aside, original.name)  # an answer claimed it just now: same hash, same bytes
                await self.delete(aside)
                report.restored += 1
                return
            await self.delete(aside)
            report.deleted += 1
        report.freed_bytes += original.size if original is not None else 0
        for stored in group:
            if stored is not original:
                await self.delete(stored.name)
                report.freed_bytes += stored.size
                if stored.name.endswith(_ASIDE) and _is_original(stored.name.rsplit(".", 2)[0]):
                    report.deleted += 1  # the picture an interrupted sweep left aside

    async def _restore_aside(self, group: list[StoredFile]) -> int:
        """Put back a referenced picture an interrupted sweep left aside; how many were put back."""
        names = {stored.name for stored in group}
        restored = 0
        for stored in group:
            if stored.name.endswith(_ASIDE) and _abandoned(stored.name):
                original = stored.name.rsplit(".", 2)[0]
                if original not in names and await self._copy(stored.name, original):
                    restored += 1
                await self.delete(stored.name)
        return restored

    async def _mark(self, name: str) -> None:
        mark = _mark_of(name)
        await _call(f"PUT {mark}", lambda: obstore.put(self._store, mark, b"", use_multipart=False))

    async def _touched_since(self, name: str, cutoff: float) -> bool:
        mark = _mark_of(name)
        meta = await _call(f"HEAD {mark}", lambda: _or_none(lambda: obstore.head(self._store, mark)))
        return meta is not None and meta["last_modified"].timestamp() >= cutoff

    async def _copy(self, source: str, target: str) -> bool:
        """Copy within the bucket; ``False`` when ``source`` is gone."""

        def copy() -> bool:
            try:
                obstore.copy(self._store, source, target)
            except FileNotFoundError:
                return False
            return True

        return await _call(f"COPY {source}", copy)


def _client(config: S3Settings) -> S3Store:
    options: ClientConfig = {
        "connect_timeout": timedelta(seconds=2),
        "timeout": timedelta(seconds=30),
        "allow_http": config.endpoint.startswith("http://"),
    }
    return S3Store(
        config.bucket,
        prefix=config.prefix.rstrip("/") or None,
        endpoint=config.endpoint,
        region=config.region,
        access_key_id=config.access_key_id,
        secret_access_key=config.secret_access_key,
        virtual_hosted_style_request=config.virtual_hosted,
        client_options=options,
        retry_config=_RETRY,
    )


def _mark_of(name: str) -> str:
    """``ab/<hash>.jpg`` → ``ab/<hash>.touched``."""
    return name.split(".", 1)[0] + _MARK


def _is_original(name: str) -> bool:
    """``ab/<hash>.jpg``: not a thumbnail (``<hash>.w480.jpg``), a mark or a picture set aside."""
    return name.rpartition("/")[2].count(".") == 1 and not name.endswith(_MARK)


def _abandoned(aside: str) -> bool:
    mark = aside.rsplit(".", 2)[1]
    moment, dash, _ = mark.partition("-")
    return not (dash and moment.isdigit()) or time.time() - int(moment) > _ABANDONED


def _or_none(work: Callable[[], T]) -> T | None:
    try:
        return work()
    except FileNotFoundError:
        return None


async def _call(what: str, work: Callable[[], T]) -> T:
    """``work()`` in a worker thread, any failure of the bucket (not a missing object) raised as unavailable."""
    try:
        return await asyncio.get_running_loop().run_in_executor(_CALLS, work)
    except FileNotFoundError:
        raise
    except (BaseError, OSError) as error:
        raise FileStoreUnavailableError(f"{what}: {str(error).splitlines()[0]}") from error
