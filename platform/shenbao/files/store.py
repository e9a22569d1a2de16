"""Uploaded files: checked images, kept once by content hash, served back as signed thumbnails.

An answer that holds a file stores only a reference, ``{"file": "<sha256 hex>", "type": "image/jpeg"}``. The
bytes live in a :class:`FileStore` (a local folder, ``<data_dir>/files`` by default) under their SHA-256, so a
photo posted twice is kept once. Every image is opened with Pillow, size-limited, decoded whole (a truncated
file is refused) within a memory bound (:mod:`shenbao.files.decoding`) and re-encoded, which drops EXIF (the GPS
position and the phone's model) and anything else hidden in the original. A new picture is let in by the
request's gate first (:class:`UploadGate`: a live draft, quotas), so nobody fills the disk anonymously.

A thumbnail URL carries an HMAC of the hash made with the secret key: knowing a file's hash is not enough to
fetch it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import anyio.to_thread
import msgspec
from PIL import Image

from shenbao.files.decoding import ImageRejected, decode_bounded, megabytes, open_image
from shenbao.settings import Settings

__all__ = [
    "IMAGE_TYPES",
    "THUMBNAIL_WIDTHS",
    "FileRef",
    "FileStore",
    "FileStoreUnavailableError",
    "ImageRejected",
    "UploadGate",
    "clean_kept_image",
    "decode_data_url",
    "encode_jpeg",
    "encode_png",
    "kept_image",
    "kept_image_context",
    "megabytes",
    "open_image",
    "parse_ref",
]

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
"""The media types a stored file may have, with their file extensions."""

THUMBNAIL_WIDTHS = (160, 480, 960)
"""The widths a thumbnail may be asked for: a list, a page, a staff member's closer look."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_NOT_FOUND = "图片没有找到"
_DATA_URL = re.compile(r"^data:(image/(?:jpeg|png|webp));base64,")


class FileRef(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What an answer stores for a file: its SHA-256 (hex) and media type."""

    file: str
    type: str

    @property
    def extension(self) -> str:
        return IMAGE_TYPES[self.type]

    def as_value(self) -> dict[str, str]:
        """The answer's value: a plain dict, as drafts and applications store JSON."""
        return {"file": self.file, "type": self.type}


def parse_ref(raw: Any) -> FileRef | None:
    """A file reference from a stored value (a dict) or a posted one (its JSON text); ``None`` if it is not one."""
    if isinstance(raw, str) and raw.startswith("{"):
        try:
            raw = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            return None
    if not isinstance(raw, dict) or set(raw) != {"file", "type"}:
        return None
    file, media_type = raw["file"], raw["type"]
    if not isinstance(file, str) or not _SHA256.match(file) or media_type not in IMAGE_TYPES:
        return None
    return FileRef(file=file, type=media_type)


def kept_image(value: Any, media_type: str) -> FileRef | None:
    """The reference in a draft value, if it is one to a kept image of ``media_type``."""
    ref = parse_ref(value)
    return ref if ref is not None and ref.type == media_type else None


def clean_kept_image(value: Any, media_type: str, problem: str) -> tuple[Any, list[str]]:
    """What a photo or signature widget's ``clean`` answers: the reference, or ``problem`` when it is none."""
    if value is None or value == "":
        return None, []
    ref = kept_image(value, media_type)
    return (ref.as_value(), []) if ref is not None else (None, [problem])


def kept_image_context(value: Any, media_type: str) -> dict[str, Any]:
    """The kept image's reference and the text its hidden input posts (empty when there is none yet)."""
    ref = kept_image(value, media_type)
    return {
        "ref": ref.as_value() if ref else None,
        "posted": msgspec.json.encode(ref).decode() if ref else "",
    }


def decode_data_url(raw: str, max_bytes: int) -> bytes:
    """The bytes of a ``data:image/...;base64,`` URL (what a canvas gives), refusing it before decoding if too big.

    Raises:
        ImageRejected: not an image data URL, not valid base64, or larger than ``max_bytes``.
    """
    match = _DATA_URL.match(raw)
    if not match:
        raise ImageRejected("这不是一张图片")
    payload = raw[match.end() :]
    if len(payload) * 3 // 4 > max_bytes + 2:
        raise ImageRejected(f"图片太大了（最大{megabytes(max_bytes)}）")
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ImageRejected("图片没有传完整") from None


def _fresh(image: Image.Image, mode: str) -> Image.Image:
    """A copy that carries pixels only: no EXIF, ICC profile, XMP or text chunks from the upload."""
    clean = image.convert(mode)
    clean.info = {}
    return clean


def encode_jpeg(image: Image.Image, *, max_side: int = 1600, quality: int = 85) -> bytes:
    """Re-encode as a baseline JPEG without metadata, no larger than ``max_side`` on its longer side.

    A transparent picture is laid on white (JPEG has no transparency). ``image`` is made smaller in place
    before anything is copied, so a large picture is never copied whole.
    """
    transparent = image.mode in {"RGBA", "LA", "PA"} or (image.mode == "P" and "transparency" in image.info)
    if image.mode not in {"RGB", "RGBA", "L"}:
        image = image.convert("RGBA" if transparent else "RGB")  # a palette is resized badly
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if transparent:
        image = image.convert("RGBA")
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image)
    image = _fresh(image, "RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True)
    return out.getvalue()


def encode_png(image: Image.Image) -> bytes:
    """Re-encode as a PNG with transparency and nothing else kept."""
    out = io.BytesIO()
    _fresh(image, "RGBA").save(out, "PNG", optimize=True)
    return out.getvalue()


class UploadGate(Protocol):
    """What lets a new picture in: the web layer's quotas (:mod:`shenbao.web.upload_quota`)."""

    async def admit(self) -> None:
        """Count one new picture before it is decoded.

        Raises:
            ImageRejected: it may not be kept now (the message says how long to wait).
        """


class FileStoreUnavailableError(RuntimeError):
    """The file store cannot keep files now (its folder is missing or read-only, the object store does not
    answer); the message says which, for the operator."""


class FileStore:
    """Files kept by content hash in ``root`` (``<root>/<first two hex digits>/<sha256>.<ext>``).

    A file's modification time is refreshed whenever it is stored again or a reference to it is checked, so the
    sweep (:mod:`shenbao.files.sweep`) never deletes a file an answer is about to refer to.

    Args:
        root: the folder; created on first write.
        secret: signs thumbnail URLs (the platform's secret key).
        retired: earlier secrets, whose URLs are still accepted (a rotation of ``SHENBAO_SECRET_KEY``).
        gate: asked before each new picture is decoded (:meth:`admitting`); ``None`` lets every one in.
        keep: ``False`` checks pictures without writing them (the API's evaluation).
    """

    def __init__(
        self,
        root: Path,
        secret: str | bytes,
        *,
        retired: Sequence[str | bytes] = (),
        gate: UploadGate | None = None,
        keep: bool = True,
    ) -> None:
        self.root = root
        self._secret = _bytes(secret)
        self._retired = tuple(_bytes(old) for old in retired)
        self._gate = gate
        self.keep = keep

    def admitting(self, gate: UploadGate, *, keep: bool = True) -> FileStore:
        """This store for one request: new pictures pass ``gate`` first; with ``keep=False`` none is written."""
        return FileStore(self.root, self._secret, retired=self._retired, gate=gate, keep=keep)

    @classmethod
    def for_settings(cls, settings: Settings) -> FileStore:
        """The store under ``settings.data_dir``, one per data folder and key."""
        return _store(settings.data_dir / "files", settings.secret_key, settings.retired_secret_keys)

    async def ping(self) -> None:
        """Check that the store can keep a file now: its folder exists (made if missing) and takes a write.

        Raises:
            FileStoreUnavailableError: the folder cannot be made or written (read-only, full, no permission).
        """
        await anyio.to_thread.run_sync(self._ping)

    def _ping(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.root, prefix=".ping-"):
                pass
        except OSError as error:
            raise FileStoreUnavailableError(
                f"the file folder {self.root} cannot be written: {error.strerror or error}"
            ) from error

    def path_of(self, ref: FileRef) -> Path:
        return self.root / ref.file[:2] / f"{ref.file}.{ref.extension}"

    async def put(self, content: bytes, media_type: str) -> FileRef:
        """Keep ``content`` (already checked and re-encoded) and return its reference."""
        ref = FileRef(file=hashlib.sha256(content).hexdigest(), type=media_type)
        if self.keep:
            await anyio.to_thread.run_sync(self._write, self.path_of(ref), content)
        return ref

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        if _touched(path):
            return  # same hash, same bytes: only its time is new, so the sweep leaves it
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside, then rename: a reader never sees half a file, even if the process dies mid-write.
        handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(temporary, path)

    async def size(self, ref: FileRef) -> int | None:
        """The stored file's size in bytes, or ``None`` when there is no such file."""
        path = self.path_of(ref)
        return await anyio.to_thread.run_sync(lambda: path.stat().st_size if path.is_file() else None)

    async def _claimed_size(self, ref: FileRef) -> int | None:
        """:meth:`size`, after refreshing the file's time: an answer is about to refer to it."""
        path = self.path_of(ref)
        if self.keep and not await anyio.to_thread.run_sync(_touched, path):
            return None
        return await self.size(ref)

    async def read(self, ref: FileRef) -> bytes:
        """The stored bytes.

        Raises:
            FileNotFoundError: nothing is stored under ``ref``.
        """
        return await anyio.to_thread.run_sync(self.path_of(ref).read_bytes)

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

    async def thumbnail(self, ref: FileRef, width: int) -> bytes | None:
        """The image no wider than ``width`` (one of :data:`THUMBNAIL_WIDTHS`), made once and kept beside it.

        Returns:
            The thumbnail's bytes (same type as the original), or ``None`` when the file does not exist.
        """
        if width not in THUMBNAIL_WIDTHS:
            raise ValueError(f"thumbnail width must be one of {THUMBNAIL_WIDTHS}, not {width}")
        return await anyio.to_thread.run_sync(self._thumbnail, ref, width)

    def _thumbnail(self, ref: FileRef, width: int) -> bytes | None:
        original = self.path_of(ref)
        cached = original.with_name(f"{ref.file}.w{width}.{ref.extension}")
        if cached.is_file():
            return cached.read_bytes()
        if not original.is_file():
            return None
        with Image.open(original) as image:
            image.load()
            image.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
            content = encode_png(image) if ref.type == "image/png" else encode_jpeg(image, max_side=width * 4)
        self._write(cached, content)
        return content


def _touched(path: Path) -> bool:
    """Refresh ``path``'s modification time; ``False`` when there is no such file (never written, or swept)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


@cache
def _store(root: Path, secret: str, retired: tuple[str, ...]) -> FileStore:
    return FileStore(root, secret, retired=retired)


def _bytes(secret: str | bytes) -> bytes:
    return secret.encode() if isinstance(secret, str) else secret
