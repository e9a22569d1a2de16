"""Pictures made on the spot with Pillow: a phone's JPEG photo (with its EXIF, if asked) and a signature pad's PNG."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

__all__ = ["GPS_IFD", "MAKE", "NAME_STROKES", "OPEN_GATE", "jpeg_bytes", "png_bytes"]


class _OpenGate:
    """Lets every picture in: for calling the widgets' ``receive`` without a request."""

    async def admit(self) -> None:
        return None


OPEN_GATE = _OpenGate()

GPS_IFD = 0x8825
MAKE = 0x010F


def jpeg_bytes(size: tuple[int, int] = (640, 480), *, exif: bool = False, quality: int = 90) -> bytes:
    """A JPEG photo; with ``exif``, it carries the phone's make and a GPS position, as a real phone's does."""
    image = Image.new("RGB", size, (180, 140, 120))
    ImageDraw.Draw(image).ellipse(
        (size[0] // 4, size[1] // 6, size[0] * 3 // 4, size[1] * 5 // 6), fill="tan"
    )
    out = io.BytesIO()
    if exif:
        tags = Image.Exif()
        tags[MAKE] = "PhoneMaker"
        tags.get_ifd(GPS_IFD).update({1: "N", 2: (36.0, 3.0, 40.0), 3: "E", 4: (103.0, 50.0, 2.0)})
        image.save(out, "JPEG", quality=quality, exif=tags)
    else:
        image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def png_bytes(
    size: tuple[int, int] = (600, 240), strokes: list[tuple[int, int, int, int]] | None = None
) -> bytes:
    """A signature pad's PNG: transparent, with black strokes (none: a blank pad)."""
    image = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for stroke in strokes or []:
        draw.line(stroke, fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


NAME_STROKES = [
    (40, 60, 160, 200),
    (160, 60, 40, 200),
    (220, 80, 380, 80),
    (300, 40, 300, 210),
    (420, 60, 560, 190),
]
