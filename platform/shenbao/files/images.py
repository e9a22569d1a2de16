"""What an answer keeps of a picture (a reference by content hash), and the pure work on the picture itself.

An answer that holds a file stores only a reference, ``{"file": "<sha256 hex>", "type": "image/jpeg"}``; the
bytes live in the file store (:class:`shenbao.files.FileStore`). Every image is re-encoded before it is kept,
which drops EXIF (the GPS position and the phone's model) and anything else hidden in the original.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from typing import Any

import msgspec
from PIL import Image

from shenbao.files.decoding import ImageRejected, megabytes

__all__ = [
    "IMAGE_TYPES",
    "THUMBNAIL_WIDTHS",
    "FileRef",
    "clean_kept_image",
    "decode_data_url",
    "encode_jpeg",
    "encode_png",
    "kept_image",
    "kept_image_context",
    "parse_ref",
]

IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png"}
"""The media types a stored file may have, with their file extensions."""

THUMBNAIL_WIDTHS = (160, 480, 960)
"""The widths a thumbnail may be asked for: a list, a page, a staff member's closer look."""

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
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
