"""E-signature: the farmer signs with a finger on a pad (``signature_pad``), can clear and sign again.

The pad's picture is uploaded as a PNG (``POST <base>/widgets/signature/upload``) when the farmer taps "签好了",
or goes with the form as a ``data:`` URL when they tap the form's button first. The server refuses a blank pad
(or a single tap), re-encodes the PNG without metadata and keeps it by content hash; the answer is
``{"file": "<sha256>", "type": "image/png"}``.

One signer for now: ``signers: "household"`` (every household member signs the authorisation) still draws one
pad; repeatable signers come later.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency
from PIL import Image

from shenbao.files import (
    ImageRejected,
    clean_kept_image,
    encode_png,
    kept_image_context,
    open_image,
)
from shenbao.forms.model import Signature
from shenbao.web.services import Services
from shenbao.web.widget_routes import upload_response
from shenbao.widgets import Cleaned, WidgetServices, rejected, widget_services

SCRIPTS = ("signature_pad.umd.min.js", "widget.js")
STYLES = ("widget.css",)

MEDIA_TYPE = "image/png"
MAX_BYTES = 1024 * 1024
"""A signature pad's PNG is tens of kilobytes; a megabyte leaves room for a large tablet screen."""
MIN_INK_PIXELS = 40
MIN_SPAN = 0.08
"""The strokes must reach across at least this share of the pad's width or height: a tap is not a signature."""
_RETRY = "请在框里用手指写下您的名字"


def prepare_signature(content: bytes, max_bytes: int) -> bytes:
    """Check a signature PNG has real strokes on it, and re-encode it without metadata.

    Raises:
        ImageRejected: not a PNG, cut short, too big, blank, or only a dot.
    """
    image = open_image(content, max_bytes=max_bytes, formats=("PNG",)).convert("RGBA")
    on_white = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("L")
    ink = on_white.point(lambda level: 255 if level < 160 else 0)
    box = ink.getbbox()
    if box is None or ink.histogram()[255] < MIN_INK_PIXELS:
        raise ImageRejected("签名是空白的")
    left, top, right, bottom = box
    if right - left < image.width * MIN_SPAN and bottom - top < image.height * MIN_SPAN:
        raise ImageRejected("签名太小了，只有一个点")
    return encode_png(image)


async def store_signature(raw: Any, services: WidgetServices) -> dict[str, Any]:
    """The stored reference for ``raw`` (bytes, a data URL or a reference), or a :func:`rejected` value."""
    try:
        ref = await services.files.receive_image(
            raw, max_bytes=MAX_BYTES, media_type=MEDIA_TYPE, prepare=prepare_signature
        )
    except ImageRejected as error:
        return rejected(f"{error}，{_RETRY}")
    return ref.as_value()


async def receive(question: Signature, raw: Any, services: WidgetServices) -> Any:
    return await store_signature(raw, services)


def clean(question: Signature, value: Any) -> Cleaned:
    """Only a kept image's reference is an answer (``receive`` has checked the image itself)."""
    return clean_kept_image(value, MEDIA_TYPE, f"签名没有保存好，{_RETRY}")


def context(question: Signature, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
    """The kept image's reference and the text its hidden input posts."""
    return kept_image_context(value, MEDIA_TYPE)


@post(
    "/upload",
    name="widgets:signature:upload",
    include_in_schema=False,
    request_max_body_size=MAX_BYTES * 2,
    status_code=200,
)
async def upload(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[Any]:
    """Keep the PNG the pad sends (the request body) and answer with its reference and thumbnail."""
    value = await store_signature(await request.body(), widget_services(services.settings))
    return upload_response(value, services)


ROUTES = (upload,)
