"""E-signature: a blank pad or a single tap is refused; a signature is kept as a clean PNG."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from PIL import Image, PngImagePlugin

from shenbao.files import parse_ref
from shenbao.forms.model import Signature
from shenbao.widgets import WidgetRegistry, WidgetServices, rejection
from tests.widgets.conftest import NAME_STROKES, jpeg_bytes, png_bytes

pytestmark = pytest.mark.anyio

Q45 = Signature(id="q45", label="签名")


async def receive(widgets: WidgetRegistry, raw: Any, services: WidgetServices) -> Any:
    hook = widgets["signature"].receive
    assert hook is not None
    return await hook(Q45, raw, services)


async def test_a_signature_is_kept_as_a_png(widgets: WidgetRegistry, services: WidgetServices) -> None:
    value = await receive(widgets, png_bytes(strokes=NAME_STROKES), services)
    ref = parse_ref(value)
    assert ref is not None and ref.type == "image/png"
    with Image.open(services.files.path_of(ref)) as image:
        assert image.format == "PNG" and image.mode == "RGBA" and image.size == (600, 240)
    assert widgets.clean(Q45, value) == (value, [])


async def test_text_chunks_are_dropped(widgets: WidgetRegistry, services: WidgetServices) -> None:
    image = Image.open(io.BytesIO(png_bytes(strokes=NAME_STROKES)))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    ref = parse_ref(await receive(widgets, out.getvalue(), services))
    assert ref is not None
    with Image.open(services.files.path_of(ref)) as stored:
        assert "Comment" not in stored.info


async def test_a_data_url_from_the_form_is_kept(widgets: WidgetRegistry, services: WidgetServices) -> None:
    data_url = "data:image/png;base64," + base64.b64encode(png_bytes(strokes=NAME_STROKES)).decode()
    assert parse_ref(await receive(widgets, data_url, services)) is not None


def _opaque_white_pad() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (600, 240), "white").save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (png_bytes(), "签名是空白的，请在框里用手指写下您的名字"),
        (_opaque_white_pad(), "签名是空白的，请在框里用手指写下您的名字"),
        (png_bytes(strokes=[(300, 120, 314, 126)]), "签名太小了，只有一个点，请在框里用手指写下您的名字"),
        (jpeg_bytes(), "这不是一张图片，请在框里用手指写下您的名字"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "这不是一张图片，请在框里用手指写下您的名字"),
        (png_bytes(strokes=NAME_STROKES)[:400], "图片没有传完整，请在框里用手指写下您的名字"),
    ],
    ids=["blank", "blank-white", "a-dot", "a-jpeg", "broken-png", "truncated"],
)
async def test_a_blank_pad_or_not_a_png_is_refused(
    widgets: WidgetRegistry, services: WidgetServices, raw: bytes, message: str
) -> None:
    value = await receive(widgets, raw, services)
    assert rejection(value) == [message]
    assert widgets.clean(Q45, value) == (None, [message])


def test_only_a_stored_png_is_a_signature_answer(widgets: WidgetRegistry) -> None:
    assert widgets.clean(Q45, {"file": "a" * 64, "type": "image/jpeg"}) == (
        None,
        ["签名没有保存好，请在框里用手指写下您的名字"],
    )
    assert widgets.clean(Q45, None) == (None, [])
