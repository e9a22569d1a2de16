"""The file store: checked images, kept once by content hash, served back as signed thumbnails.

The bytes live in a :class:`~shenbao.files.seam.FileBackend` chosen by the settings (``SHENBAO_FILE_STORE``): a
local folder (``<data_dir>/files``, the default) or an S3-compatible bucket. Every image is opened with Pillow,
size-limited, decoded whole (a truncated file is refused) within a memory bound (:mod:`shenbao.files.decoding`)
and re-encoded (:mod:`shenbao.files.images`). A new picture is let in by the request's gate first
(:class:`UploadGate`: a live draft, quotas), so nobody fills the store anonymously.

A thumbnail URL carries an HMAC of the hash made with the secret key: knowing a file's hash is not enough to
fetch it. Thumbnails are made once and kept in the store beside their picture (a staff inbox shows many, each
decode of a full photo costs tens of milliseconds; every process then serves the same one), and the sweep
deletes them with it.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
from PIL import Image

from shenbao.files.decoding import ImageRejected, decode_bounded, megabytes
from shenbao.files.images import (
    THUMBNAIL_WIDTHS,
    FileRef,
    decode_data_url,
    encode_jpeg,
    encode_png,
    parse_ref,
)
from shenbao.files.seam import FileBackend, FileStoreUnavailableError, original_name, thumbnail_name
from shenbao.settings import S3Files, Settings

__all__ = ["FileStore", "UploadGate"]

_NOT_FOUND = "图片没有找到"


class UploadGate(Protocol):
    """What lets a new picture in: the web layer's quotas (:mod:`shenbao.web.upload_quota`)."""

    async def admit(self) -> None:
        """Count one new picture before it is decoded.

        Raises:
            ImageRejected: it may not be kept now (the message says how long to wait).
        """


class FileStore:
    """Files kept by content hash in a backend (``<first two hex digits>/<sha256>.<ext>``).

    A file's time is refreshed whenever it is stored again or a reference to it is checked, so the sweep
    (:mod:`shenbao.files.sweep`) never deletes a file an answer is about to refer to.

    Args:
        backend: where the bytes live; a :class:`~pathlib.Path` is a local folder (created on first write), an
            :class:`~shenbao.settings.S3Files` a bucket.
        secret: signs thumbnail URLs (the platform's secret key).
        retired: earlier secrets, whose URLs are still accepted (a rotation of ``SHENBAO_SECRET_KEY``).
        gate: asked before each new picture is decoded (:meth:`admitting`); ``None`` lets every one in.
        keep: ``False`` checks pictures without writing them (the API's evaluation).
    """

    def __init__(
        self,
        backend: FileBackend | Path | S3Files,
        secret: str | bytes,
        *,
        retired: Sequence[str | bytes] = (),
        gate: UploadGate | None = None,
        keep: bool = True,
    ) -> None:
        self.backend = _backend(backend) if isinstance(backend, Path | S3Files) else backend
        self._secret = _bytes(secret)
        self._retired = tuple(_bytes(old) for old in retired)
        self._gate = gate
        self.keep = keep

    def admitting(self, gate: UploadGate, *, keep: bool = True) -> FileStore:
        """This store for one request: new pictures pass ``gate`` first; with ``keep=False`` none is written."""
        return FileStore(self.backend, self._secret, retired=self._retired, gate=gate, keep=keep)

    @classmethod
    def for_settings(cls, settings: Settings) -> FileStore:
        """The store the settings choose (``SHENBAO_FILE_STORE``), one per backend and key."""
        return _store(
            settings.s3 or settings.data_dir / "files", settings.secret_key, settings.retired_secret_keys
        )

    async def ping(self) -> None:
        """Return when the store answers and takes writes (the readiness check).

        Raises:
            FileStoreUnavailableError: it does not (the folder missing or read-only, the bucket unreachable).
        """
        await self.backend.ping()

    async def put(self, content: bytes, media_type: str) -> FileRef:
        """Keep ``content`` (already checked and re-encoded) and return its reference.

        Raises:
            FileStoreUnavailableError: the store did not take it (nothing is half-written).
        """
        ref = FileRef(file=hashlib.sha256(content).hexdigest(), type=media_type)
        if self.keep:
            await self.backend.write(original_name(ref), content)
        return ref

    async def size(self, ref: FileRef) -> int | None:
        """The stored file's size in bytes, or ``None`` when there is no such file."""
        return await self.backend.size(original_name(ref))

    async def read(self, ref: FileRef) -> bytes:
        """The stored bytes.

        Raises:
            FileNotFoundError: nothing is stored under ``ref``.
            FileStoreUnavailableError: the store does not answer.
        """
        content = await self.backend.read(original_name(ref))
        if content is None:
            raise FileNotFoundError(original_name(ref))
        return content

    def token(self, ref: FileRef, secret: bytes | None = None) -> str:
        """The signature a URL for ``ref`` must carry (made with the current secret unless ``secret`` is given)."""
        return hmac.new(secret or self._secret, ref.file.encode(), hashlib.sha256).hexdigest()[:24]

    def token_matches(self, ref: FileRef, token: str) -> bool:
        """Whether ``token`` signs ``ref`` under the current secret or a retired one (a page drawn before a rotation)."""
        return any(
            hmac.compare_digest(self.token(ref, secret), token) for secret in (self._secret, *self._retired)
        )

    def url(self, ref: FileRef, base: str = "", width: int = 480) -> str:
        """The signed thumbnail URL of ``ref`` (served by ``web.widget_routes``)."""
        return f"{base}/widgets/_files/{ref.file}.{ref.extension}?w={width}&t={self.token(ref)}"

    async def receive_image(
        self, raw: Any, *, max_bytes: int, media_type: str, prepare: Callable[[bytes, int], bytes]
    ) -> FileRef:
        """Keep an image that arrived from outside, or check a reference to one kept before.

        Args:
            raw: a file reference (dict or its JSON text), a ``data:`` URL, or the uploaded bytes.
            max_bytes: the largest upload accepted (and the largest file a reference may point to).
            media_type: what ``prepare`` produces and what a reference must have.
            prepare: checks and re-encodes the upload (``(content, max_bytes) -> bytes``); runs in a thread.

        A new picture passes the store's gate first, then is decoded a few at a time (:func:`decode_bounded`).

        Raises:
            ImageRejected: the upload is refused, or the reference points to nothing kept here.
            FileStoreUnavailableError: the store does not answer (nothing was kept).
        """
        ref = parse_ref(raw)
        if ref is not None:
            size = await self._claimed_size(ref) if ref.type == media_type else None
            if size is None:
                raise ImageRejected(_NOT_FOUND)
            if size > max_bytes:
                raise ImageRejected(f"图片太大了（最大{megabytes(max_bytes)}）")
            return ref
        if isinstance(raw, str):
            content = decode_data_url(raw, max_bytes)
        elif isinstance(raw, bytes):
            content = raw
        else:
            raise ImageRejected("这不是一张图片")
        if len(content) > max_bytes:
            raise ImageRejected(f"图片太大了（最大{megabytes(max_bytes)}）")
        if self._gate is not None:
            await self._gate.admit()
        prepared = await decode_bounded(prepare, content, max_bytes)
        return await self.put(prepared, media_type)

    async def _claimed_size(self, ref: FileRef) -> int | None:
        """:meth:`size`, after refreshing the file's time: an answer is about to refer to it."""
        if self.keep:
            return await self.backend.claim(original_name(ref))
        return await self.size(ref)

    async def thumbnail(self, ref: FileRef, width: int) -> bytes | None:
        """The image no wider than ``width`` (one of :data:`THUMBNAIL_WIDTHS`), made once and kept beside it.

        Returns:
            The thumbnail's bytes (same type as the original), or ``None`` when the file does not exist.

        Raises:
            FileStoreUnavailableError: the store does not answer.
        """
        if width not in THUMBNAIL_WIDTHS:
            raise ValueError(f"thumbnail width must be one of {THUMBNAIL_WIDTHS}, not {width}")
        cached = await self.backend.read(thumbnail_name(ref, width))
        if cached is not None:
            return cached
        original = await self.backend.read(original_name(ref))
        if original is None:
            return None
        content = await anyio.to_thread.run_sync(_thumbnail, original, ref.type, width)
        with contextlib.suppress(FileStoreUnavailableError):  # served all the same; made again next time
            await self.backend.write(thumbnail_name(ref, width), content)
        return content


def _thumbnail(original: bytes, media_type: str, width: int) -> bytes:
    with Image.open(io.BytesIO(original)) as image:
        image.load()
        image.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
        return encode_png(image) if media_type == "image/png" else encode_jpeg(image, max_side=width * 4)


def _backend(where: Path | S3Files) -> FileBackend:
    if isinstance(where, Path):
        from shenbao.files.local import LocalFiles

        return LocalFiles(where)
    from shenbao.files.s3 import S3Files as S3Backend

    return S3Backend(where)


@cache
def _store(where: S3Files | Path, secret: str, retired: tuple[str, ...]) -> FileStore:
    """One store (and one bucket client) per place and key, whatever the settings object."""
    return FileStore(_backend(where), secret, retired=retired)


def _bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret
