"""Decoding uploaded images within a memory bound: reduced-size JPEG decoding, pixel limits, a few decodes at once.

A picture's decoded size, not its file size, decides the memory it takes: a 38 KB PNG may declare 6300×6300
pixels and decode into 160 MB (and as much again for each copy made while re-encoding). So:

- A JPEG is decoded at a reduced scale (Pillow's :meth:`~PIL.Image.Image.draft`: 1/2, 1/4 or 1/8, done by
  libjpeg while it reads) to no less than the size we keep, so a 50-megapixel phone photo becomes about
  3 megapixels in memory. Its declared size may be up to :data:`JPEG_MAX_PIXELS`. A progressive JPEG keeps all
  its coefficients in memory whatever the scale (3 to 6 bytes a pixel), so its limit is lower.
- PNG and WebP have no reduced decoding: they are decoded whole, so their limits (:data:`PNG_MAX_PIXELS`,
  :data:`WEBP_MAX_PIXELS`) are what the widgets really send (a signature pad, a phone's or a 4K screen's
  screenshot), far below a JPEG's.
- At most :data:`DECODES_AT_ONCE` decodes run at once in a process (:func:`decode_bounded`); the others wait
  their turn holding only their bytes.

Every refusal is an :class:`~shenbao.files.ImageRejected` whose message (Chinese) says what is wrong; the
widget adds what to do.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from PIL import Image, ImageOps, UnidentifiedImageError

__all__ = [
    "DECODED_MAX_PIXELS",
    "DECODES_AT_ONCE",
    "JPEG_MAX_PIXELS",
    "PNG_MAX_PIXELS",
    "PROGRESSIVE_MAX_PIXELS",
    "WEBP_MAX_PIXELS",
    "ImageRejected",
    "decode_bounded",
    "megabytes",
    "open_image",
]

T = TypeVar("T")

JPEG_MAX_PIXELS = 64_000_000
"""A baseline JPEG's declared size: a phone's 50-megapixel mode (8160×6120) fits, read at 1/4 scale."""
PROGRESSIVE_MAX_PIXELS = 12_000_000
"""A progressive JPEG (its coefficients stay in memory at any scale): a 12 MP photo re-saved by an app fits."""
PNG_MAX_PIXELS = 8_300_000
"""PNG, decoded whole: a 4K screen's screenshot (3840×2160); a signature pad is under 2 megapixels."""
WEBP_MAX_PIXELS = 4_200_000
"""WebP, decoded whole, and twice over by Pillow (RGBA, then the picture's mode): a tablet's screen (2560×1600)."""
DECODED_MAX_PIXELS = PNG_MAX_PIXELS
"""What any picture may take once decoded (a JPEG after its reduced scale: a photo's is at most 3200×2400)."""
DECODES_AT_ONCE = 2
"""Decodes running at once in one process (each may take about 100 MB at the limits above: a machine of two
cores decodes no faster with more)."""


class ImageRejected(ValueError):
    """An upload that is not a usable image; ``str(error)`` says what is wrong, in Chinese.

    The widget adds what to do (请重新拍照, 请重新签名), as only it knows, unless ``complete``: the message
    already says it (wait, then try again).
    """

    def __init__(self, message: str, *, complete: bool = False) -> None:
        super().__init__(message)
        self.complete = complete

    def advice(self, what_to_do: str) -> str:
        """The message with ``what_to_do`` after it (``图片坏了，请重新拍照``), unless it already says it."""
        return str(self) if self.complete else f"{self}，{what_to_do}"


_BAD_IMAGE = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)
_TOO_BIG = "图片尺寸太大了"
# Few threads of their own, not the shared pool: the bound holds for the whole process (any event loop), and
# the memory the C allocator keeps after a decode is kept by these threads only, and reused by the next decode.
_DECODER = ThreadPoolExecutor(max_workers=DECODES_AT_ONCE, thread_name_prefix="shenbao-decode")


def megabytes(size: int) -> str:
    """``5242880`` → ``"5MB"``, for messages."""
    return f"{size / 1024 / 1024:.3g}MB"


def _pixel_limit(image: Image.Image) -> int:
    if image.format == "JPEG":
        progressive = image.info.get("progressive") or image.info.get("progression")
        return PROGRESSIVE_MAX_PIXELS if progressive else JPEG_MAX_PIXELS
    return WEBP_MAX_PIXELS if image.format == "WEBP" else PNG_MAX_PIXELS


def _reduce_while_reading(image: Image.Image, max_side: int) -> None:
    """Ask a JPEG to be read at the smallest scale (1, 1/2, 1/4, 1/8) that still covers ``max_side`` on its longer
    side, or one step smaller when that would decode more than :data:`DECODED_MAX_PIXELS` (a huge square)."""
    width, height = image.size
    longer = max(width, height)
    if image.format != "JPEG" or longer <= max_side:
        return
    scale = next(scale for scale in (8, 4, 2, 1) if longer // scale >= max_side)
    if (width // scale) * (height // scale) > DECODED_MAX_PIXELS and scale < 8:
        scale *= 2
    image.draft(None, (max(1, width // scale), max(1, height // scale)))


def open_image(
    content: bytes, *, max_bytes: int, formats: tuple[str, ...], max_side: int | None = None
) -> Image.Image:
    """Open, size-check and fully decode an uploaded image, turned upright by its EXIF orientation.

    Runs in a worker thread; call it through :func:`decode_bounded` so few run at once.

    Args:
        content: the uploaded bytes.
        max_bytes: the largest upload accepted.
        formats: Pillow format names accepted, e.g. ``("JPEG", "PNG")``.
        max_side: the longer side the caller keeps at most: a JPEG is decoded no larger than it needs to be
            (between ``max_side`` and twice it); ``None`` decodes at full size.

    Raises:
        ImageRejected: too big (in bytes or pixels), not an image, not one of ``formats``, or cut short.
    """
    if len(content) > max_bytes:
        raise ImageRejected(f"图片太大了（最大{megabytes(max_bytes)}）")
    if not content:
        raise ImageRejected("没有收到图片")
    try:
        image = Image.open(io.BytesIO(content), formats=formats)
    except UnidentifiedImageError:
        raise ImageRejected("这不是一张图片") from None
    except Image.DecompressionBombError:
        raise ImageRejected(_TOO_BIG) from None
    except _BAD_IMAGE:
        raise ImageRejected("图片坏了") from None
    width, height = image.size
    if width < 1 or height < 1 or width * height > _pixel_limit(image):
        raise ImageRejected(_TOO_BIG)
    try:
        if max_side is not None:
            _reduce_while_reading(image, max_side)
        if image.size[0] * image.size[1] > DECODED_MAX_PIXELS:
            raise ImageRejected(_TOO_BIG)
        image.load()
        ImageOps.exif_transpose(image, in_place=True)  # in place: a copy would double the memory
    except _BAD_IMAGE:
        raise ImageRejected("图片没有传完整") from None
    return image


async def decode_bounded(work: Callable[[bytes, int], T], content: bytes, max_bytes: int) -> T:
    """Run ``work(content, max_bytes)`` (a widget's check and re-encode) on the decoding threads, a few at a time.

    Returns:
        What ``work`` returns.

    Raises:
        ImageRejected: whatever ``work`` refuses.
    """
    return await asyncio.get_running_loop().run_in_executor(_DECODER, work, content, max_bytes)
