"""Pictures of documents: each one checked like the camera's, re-encoded without EXIF, kept by hash, listed."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from shenbao.app import create_app
from shenbao.files import parse_ref
from shenbao.forms.model import Upload
from shenbao.settings import Settings
from shenbao.widgets import WidgetRegistry, WidgetServices, rejection
from tests.support.images import GPS_IFD, jpeg_bytes, png_bytes
from tests.support.s3 import stored_names
from tests.support.web import migrated_settings, read_guide, start_draft

MATERIALS = Upload(id="materials", label="户口簿、身份证照片", required=False, numbered=False, max_files=3)
FAKE = "这不是照片，只是一段文字".encode()


async def receive(
    widgets: WidgetRegistry, raw: Any, services: WidgetServices, question: Upload = MATERIALS
) -> Any:
    hook = widgets["upload"].receive
    assert hook is not None
    return await hook(question, raw, services)


def data_url(content: bytes, media_type: str = "image/jpeg") -> str:
    return f"data:{media_type};base64," + base64.b64encode(content).decode()


async def kept(services: WidgetServices) -> list[str]:
    return await stored_names(services.files, pictures_only=True)


@pytest.mark.anyio
async def test_pictures_are_kept_by_hash_without_exif(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    original = jpeg_bytes(exif=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)
    value = await receive(
        widgets, [original, data_url(png_bytes(strokes=[(0, 0, 90, 90)]), "image/png")], services
    )
    assert isinstance(value, list) and len(value) == 2
    for item in value:
        ref = parse_ref(item)
        assert ref is not None and ref.type == "image/jpeg"
        stored = await services.files.read(ref)
        assert hashlib.sha256(stored).hexdigest() == ref.file
        with Image.open(io.BytesIO(stored)) as image:
            assert image.format == "JPEG" and not image.getexif() and "exif" not in image.info
    assert widgets.clean(MATERIALS, value) == (value, [])


@pytest.mark.anyio
async def test_the_posted_json_list_of_references_is_checked_and_kept(
    widgets: WidgetRegistry, services: WidgetServices
) -> None:
    value = await receive(widgets, [jpeg_bytes()], services)
    assert await receive(widgets, json.dumps(value), services) == value
    assert await receive(widgets, "", services) == []


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (FAKE, "第2张不是图片，请重新选择"),
        (data_url(FAKE), "第2张不是图片，请重新选择"),
        (jpeg_bytes()[: len(jpeg_bytes()) // 2], "第2张图片没有传完整，请重新选择"),
        ({"file": "0" * 64, "type": "image/jpeg"}, "第2张图片没有找到，请重新选择"),
        ({"file": "../../etc/passwd", "type": "image/jpeg"}, "第2张不是图片，请重新选择"),
        (42, "第2张不是图片，请重新选择"),
    ],
    ids=["not-an-image", "not-an-image-url", "truncated", "forged-reference", "bad-reference", "number"],
)
@pytest.mark.anyio
async def test_what_is_not_a_whole_picture_is_refused(
    widgets: WidgetRegistry, services: WidgetServices, second: Any, message: str
) -> None:
    value = await receive(widgets, [jpeg_bytes(), second], services)
    assert rejection(value) == [message]
    assert widgets.clean(MATERIALS, value) == (None, [message])


@pytest.mark.anyio
async def test_a_non_image_alone_stores_nothing(widgets: WidgetRegistry, services: WidgetServices) -> None:
    assert rejection(await receive(widgets, [FAKE], services)) == ["第1张不是图片，请重新选择"]
    assert await kept(services) == []


@pytest.mark.anyio
async def test_too_many_pictures_are_refused(widgets: WidgetRegistry, services: WidgetServices) -> None:
    assert rejection(await receive(widgets, [jpeg_bytes()] * 4, services)) == ["最多上传3张照片"]
    assert await kept(services) == []  # refused before anything was stored


@pytest.mark.anyio
async def test_a_picture_over_the_limit_is_refused(widgets: WidgetRegistry, services: WidgetServices) -> None:
    small = Upload(id="materials", label="材料", max_bytes=2_000)
    photo = jpeg_bytes()
    assert len(photo) > 2_000
    message = ["第1张图片太大了（最大0.00191MB），请重新选择"]
    assert rejection(await receive(widgets, [photo], services, small)) == message
    assert rejection(await receive(widgets, [data_url(photo)], services, small)) == message
    stored = await receive(widgets, [photo], services)  # kept for a roomier question, then posted back here
    assert "图片太大了" in rejection(await receive(widgets, stored, services, small))[0]  # type: ignore[index]


@pytest.mark.anyio
async def test_a_big_picture_is_scaled_down(widgets: WidgetRegistry, services: WidgetServices) -> None:
    value = await receive(widgets, [jpeg_bytes((4000, 3000))], services)
    ref = parse_ref(value[0])
    assert ref is not None
    with Image.open(io.BytesIO(await services.files.read(ref))) as image:
        assert image.size == (2000, 1500)


def test_clean_takes_only_a_short_list_of_kept_jpegs(widgets: WidgetRegistry) -> None:
    ref = {"file": "a" * 64, "type": "image/jpeg"}
    assert widgets.clean(MATERIALS, None) == ([], [])
    assert widgets.clean(MATERIALS, []) == ([], [])
    assert widgets.clean(MATERIALS, [ref, ref]) == ([ref, ref], [])
    assert widgets.clean(MATERIALS, json.dumps([ref])) == ([ref], [])
    assert widgets.clean(MATERIALS, [ref] * 4) == ([], ["最多上传3张照片"])
    assert widgets.clean(MATERIALS, [ref, {"file": "a" * 64, "type": "image/png"}]) == (
        [],
        ["第2张照片没有保存好，请重新选择"],
    )
    assert widgets.clean(MATERIALS, [ref, "data:image/jpeg;base64,AAAA"])[1] == [
        "第2张照片没有保存好，请重新选择"
    ]
    assert widgets.clean(MATERIALS, "not json")[1] == ["照片没有保存好，请重新选择"]
    assert widgets.clean(MATERIALS, ref)[1] == ["照片没有保存好，请重新选择"]


def test_extract_reads_the_hidden_inputs_json_list(widgets: WidgetRegistry) -> None:
    extract = widgets["upload"].extract
    assert extract is not None
    ref = {"file": "a" * 64, "type": "image/jpeg"}
    assert extract(MATERIALS, {"materials": [json.dumps([ref])]}) == [ref]
    assert extract(MATERIALS, {"materials": [""]}) == []
    assert extract(MATERIALS, {}) == []
    assert extract(MATERIALS, {"materials": ["oops"]}) == "oops"


# The widget in the running app: its upload route and the pledge page.


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return migrated_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)  # opened the 2021 guide a minute ago
        yield client


def test_the_upload_route_keeps_a_picture_and_refuses_a_non_image(
    client: TestClient[Litestar], settings: Settings
) -> None:
    query = start_draft(client)
    response = client.post("/widgets/upload/upload" + query, content=jpeg_bytes(exif=True))
    assert response.status_code == 200, response.text
    body = response.json()
    ref = parse_ref(body["value"])
    assert ref is not None and json.loads(body["posted"]) == body["value"]
    assert client.get(body["thumb"]).status_code == 200

    refused = client.post(f"/widgets/upload/upload{query}&n=2", content=FAKE)
    assert refused.status_code == 422
    assert refused.json() == {"errors": ["第2张不是图片，请重新选择"]}
    originals = [path for path in (settings.data_dir / "files").rglob("*.jpg") if ".w" not in path.name]
    assert originals == [path for path in originals if path.stem == ref.file]  # the refused one left nothing


def test_the_pledge_page_shows_the_upload_without_a_number(client: TestClient[Litestar]) -> None:
    page = client.get("/f/gansu-zizhu-2021/s/pledge").text
    legend = re.search(r'<fieldset id="q-materials".*?<legend>(.*?)</legend>', page, re.S)
    assert legend is not None and legend.group(1) == "户口簿、身份证照片"
    assert '<legend><span class="n">47.</span>' in page  # q47 keeps its seed number
    assert 'type="file"' in page and 'accept="image/*" multiple' in page
    # Without script: a plain picker named after the question, the page posting multipart; never "script needed".
    assert (
        '<input type="file" class="upl-plain" name="materials" id="n-materials" accept="image/*" multiple>'
        in page
    )
    assert 'enctype="multipart/form-data"' in page and "开启脚本" not in page
    assert page.index('id="q-q46"') < page.index('id="q-materials"') < page.index('id="q-q47"')


def test_pictures_posted_with_the_form_are_kept_and_shown_on_the_review(client: TestClient[Litestar]) -> None:
    posted = json.dumps([data_url(jpeg_bytes()), data_url(jpeg_bytes((300, 200)))])
    client.post(
        "/f/gansu-zizhu-2021/s/pledge", data={"_q": ["materials"], "materials": posted, "nav": "prev"}
    )
    page = client.get("/f/gansu-zizhu-2021/s/pledge").text
    assert page.count('class="upl-item"') == 2
    review = client.get("/f/gansu-zizhu-2021/review").text
    assert re.search(
        r'<img class="thumb" id="t-materials-1" src="/widgets/_files/[0-9a-f]{64}\.jpg\?w=160', review
    )
    assert 'id="t-materials-2"' in review

    refused = client.post(
        "/f/gansu-zizhu-2021/s/pledge",
        data={"_q": ["materials"], "materials": json.dumps([data_url(FAKE)]), "nav": "next"},
    )
    assert "“户口簿、身份证照片”：第1张不是图片，请重新选择" in refused.text
