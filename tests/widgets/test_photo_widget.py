"""Live photo: only a whole image within the size limit is kept, re-encoded without EXIF, by content hash."""

from __future__ import annotations

import base64
import hashlib
import io
from typing import Any

import pytest
from PIL import Image

from shenbao.files import FileStore, parse_ref
from shenbao.forms.model import CameraPhoto
from shenbao.widgets import WidgetRegistry, WidgetServices, rejection
from tests.support.images import GPS_IFD, jpeg_bytes, png_bytes
from tests.support.s3 import stored_names

pytestmark = pytest.mark.anyio

Q46 = CameraPhoto(id="q46", label="请上传您的照片")


async def receive(
    widgets: WidgetRegistry, raw: Any, services: WidgetServices, question: CameraPhoto = Q46
) -> Any:
    hook = widgets["photo"].receive
    assert hook is not None
    return await hook(question, raw, services)


async def test_a_photo_is_kept_by_hash_without_exif(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    original = jpeg_bytes(exif=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD), (
        "the test photo must carry a GPS position"
    )
    value = await receive(widgets, original, services)
    ref = parse_ref(value)
    assert ref is not None and ref.type == "image/jpeg"
    stored = await services.files.read(ref)
    assert hashlib.sha256(stored).hexdigest() == ref.file
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info
        assert image.size == (640, 480)
    assert widgets.clean(Q46, value) == (value, [])


async def test_the_same_photo_is_kept_once(widgets: WidgetRegistry, services: WidgetServices) -> None:
    first = await receive(widgets, jpeg_bytes(), services)
    again = await receive(widgets, jpeg_bytes(), services)
    assert first == again
    assert len(await stored_names(services.files, pictures_only=True)) == 1


async def test_a_big_photo_is_scaled_down(widgets: WidgetRegistry, services: WidgetServices) -> None:
    ref = parse_ref(await receive(widgets, jpeg_bytes((3200, 2400)), services))
    assert ref is not None
    with Image.open(io.BytesIO(await services.files.read(ref))) as image:
        assert image.size == (1600, 1200)


async def test_a_data_url_from_the_form_or_the_api_is_kept(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    data_url = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()
    value = await receive(widgets, data_url, services)
    assert parse_ref(value) is not None


async def test_a_stored_reference_posted_back_is_kept(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    value = await receive(widgets, jpeg_bytes(), services)
    posted = f'{{"file":"{value["file"]}","type":"image/jpeg"}}'
    assert await receive(widgets, posted, services) == value


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"GIF89a not really", "这不是一张图片，请重新拍照"),
        (b"", "没有收到图片，请重新拍照"),
        (jpeg_bytes()[: len(jpeg_bytes()) // 2], "图片没有传完整，请重新拍照"),
        ("data:text/html;base64,PGgxPg==", "这不是一张图片，请重新拍照"),
        ("data:image/jpeg;base64,@@@@", "图片没有传完整，请重新拍照"),
        ('{"file":"' + "0" * 64 + '","type":"image/jpeg"}', "图片没有找到，请重新拍照"),
        ({"file": "../../etc/passwd", "type": "image/jpeg"}, "这不是一张图片，请重新拍照"),
        (42, "这不是一张图片，请重新拍照"),
    ],
    ids=[
        "not-an-image",
        "empty",
        "truncated",
        "not-an-image-url",
        "bad-base64",
        "forged-reference",
        "bad-reference",
        "number",
    ],
)
async def test_what_is_not_a_whole_photo_is_refused(
    widgets: WidgetRegistry, services: WidgetServices, raw: Any, message: str
) -> None:
    value = await receive(widgets, raw, services)
    assert rejection(value) == [message]
    assert widgets.clean(Q46, value) == (None, [message])
    assert not await stored_names(services.files)


async def test_a_photo_over_the_questions_limit_is_refused(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    small = CameraPhoto(id="q46", label="照片", max_bytes=2_000)
    photo = jpeg_bytes()
    assert len(photo) > 2_000
    value = await receive(widgets, photo, services, small)
    assert rejection(value) == ["图片太大了（最大0.00191MB），请重新拍照"]
    data_url = "data:image/jpeg;base64," + base64.b64encode(photo).decode()
    assert rejection(await receive(widgets, data_url, services, small)) == [
        "图片太大了（最大0.00191MB），请重新拍照"
    ]


async def test_a_stored_photo_too_big_for_this_question_is_refused(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    value = await receive(widgets, jpeg_bytes(), services)
    small = CameraPhoto(id="q46", label="照片", max_bytes=100)
    assert "图片太大了" in rejection(await receive(widgets, value, services, small))[0]  # type: ignore[index]


async def test_a_huge_picture_in_a_small_file_is_refused(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    out = io.BytesIO()
    Image.new("L", (10_000, 5_000)).save(out, "PNG")
    assert len(out.getvalue()) < 1_000_000
    assert rejection(await receive(widgets, out.getvalue(), services)) == ["图片尺寸太大了，请重新拍照"]


async def test_a_png_becomes_a_jpeg(widgets: WidgetRegistry, services: WidgetServices) -> None:
    ref = parse_ref(await receive(widgets, png_bytes(strokes=[(0, 0, 100, 100)]), services))
    assert ref is not None and ref.type == "image/jpeg"


@pytest.mark.parametrize(
    "value",
    [{"file": "a" * 64, "type": "image/png"}, {"file": "a" * 64}, "data:image/jpeg;base64,AAAA", ["x"]],
    ids=["a-signature", "no-type", "not-received", "list"],
)
def test_only_a_stored_jpeg_is_a_photo_answer(widgets: WidgetRegistry, value: Any) -> None:
    assert widgets.clean(Q46, value) == (None, ["照片没有保存好，请重新拍照"])


async def test_thumbnails_are_made_once_and_kept(
    files: FileStore, widgets: WidgetRegistry, services: WidgetServices
) -> None:
    ref = parse_ref(await receive(widgets, jpeg_bytes((1200, 900)), services))
    assert ref is not None
    thumbnail = await files.thumbnail(ref, 160)
    assert thumbnail is not None
    with Image.open(io.BytesIO(thumbnail)) as image:
        assert image.size == (160, 120)
    assert await files.thumbnail(ref, 160) == thumbnail
    assert await files.thumbnail(parse_ref({"file": "b" * 64, "type": "image/jpeg"}), 160) is None  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="width"):
        await files.thumbnail(ref, 200)
