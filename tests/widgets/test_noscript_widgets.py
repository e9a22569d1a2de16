"""The 2021 pledge page without JavaScript: the photo and documents come with the form, the names are typed."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from shenbao import store
from shenbao.app import create_app
from shenbao.files import FileStore, parse_ref
from shenbao.settings import S3Files, Settings
from tests.support.images import GPS_IFD, MAKE, jpeg_bytes
from tests.support.staff import add_accounts
from tests.support.web import migrated_settings, read_guide, sign_in
from tests.support.zizhu_pages import HOUSEHOLD, INCOME, MEMBERS, METHOD, PROPERTY, RESIDENCE, post_section

Client = TestClient[Litestar]
PLEDGE = "/f/gansu-zizhu-2021/s/pledge"
TYPED = {
    "_q": ["q45", "q46", "materials", "q47"],
    "q45": "",
    "q45.typed_name": "张三",
    "q45.typed_members": "李四",
}
NOT_A_PHOTO = ("photo.jpg", b"not a photo at all", "image/jpeg")
NO_FILE = ("", b"", "application/octet-stream")
"""What a browser posts for a file input left empty."""


@pytest.fixture
def settings(tmp_path: Path, file_place: Path | S3Files) -> Settings:
    """The app's settings, keeping pictures in the data folder or in a bucket."""
    settings = msgspec.structs.replace(
        migrated_settings(tmp_path), s3=file_place if isinstance(file_place, S3Files) else None
    )

    async def seed() -> None:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await add_accounts(database)
        finally:
            await database.close()

    asyncio.run(seed())
    return settings


@pytest.fixture
def client(settings: Settings) -> Iterator[Client]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)  # opened the 2021 guide a minute ago
        yield client


def post_pledge(client: Client, data: dict[str, Any], files: list[tuple[str, Any]], nav: str = "stay") -> Any:
    """Post the pledge page as a browser without script does: multipart, with its file inputs."""
    return client.post(PLEDGE, data={**data, "nav": nav}, files=files, follow_redirects=False)


def draft_answer(client: Client, question_id: str) -> Any:
    """The answer the draft keeps, as the page's hidden input posts it back."""
    page = client.get(PLEDGE).text
    match = re.search(
        rf'<input type="hidden" name="{question_id}" id="i-{question_id}" value="([^"]*)"', page
    )
    assert match, question_id
    return json.loads(match.group(1).replace("&#34;", '"')) if match.group(1) else None


def error_at(page: str, question_id: str) -> str:
    match = re.search(rf'<div id="e-{question_id}" class="err" role="alert">(.*?)</div>', page, re.S)
    assert match, question_id
    return match.group(1)


def test_the_pledge_page_offers_the_camera_input_and_posts_multipart(client: Client) -> None:
    page = client.get(PLEDGE).text
    assert 'enctype="multipart/form-data"' in page
    camera = re.search(r"<noscript><label[^>]*>(.*?)</label>\s*<input ([^>]*)></noscript>", page)
    assert camera and 'type="file"' in camera.group(2) and 'name="q46"' in camera.group(2)
    assert 'accept="image/*" capture="user"' in camera.group(2)  # the front camera, not the album
    assert 'data-facing="user"' in page and "data-aim" not in page  # the script's own words: the face
    assert "您的浏览器不能手写签名。请写下您的姓名，村干部入户核查时请您当面签字。" in page
    assert 'name="q45.typed_name"' in page and 'name="q45.typed_members"' in page
    assert '<div class="sigs js-only"' in page  # the pads are hidden without script
    assert "<noscript><style>.say,.js-only{display:none!important}</style></noscript>" in page
    assert "开启脚本" not in page


def test_a_photo_from_the_camera_input_is_kept_as_the_upload_route_keeps_it(
    client: Client, settings: Settings
) -> None:
    photo = jpeg_bytes(exif=True)
    page = post_pledge(client, TYPED, [("q46", ("IMG_0001.jpg", photo, "image/jpeg"))])
    assert page.status_code == 200
    kept = draft_answer(client, "q46")
    ref = parse_ref(kept)
    assert ref is not None and ref.type == "image/jpeg"
    # One code path: the route the camera script uses keeps the same picture under the same hash.
    routed = client.post(
        "/widgets/photo/upload?f=gansu-zizhu-2021", content=photo, headers={"Content-Type": "image/jpeg"}
    )
    assert routed.json()["value"] == kept
    stored = asyncio.run(FileStore.for_settings(settings).read(ref))
    with Image.open(io.BytesIO(stored)) as image:
        exif = image.getexif()
        assert MAKE not in exif and not exif.get_ifd(GPS_IFD)
    assert re.search(
        rf'<img id="img-q46" class="cam-view" alt="您的照片" src="/widgets/_files/{ref.file}\.jpg', page.text
    )
    # The page comes back with the photo and the typed names; an empty camera input keeps the photo.
    again = post_pledge(client, {**TYPED, "q46": json.dumps(kept)}, [("q46", NO_FILE)])
    assert again.status_code == 200 and draft_answer(client, "q46") == kept
    assert 'value="张三"' in again.text and ">李四</textarea>" in again.text


def test_a_bad_photo_is_told_at_its_question_and_the_other_answers_are_kept(client: Client) -> None:
    page = post_pledge(client, TYPED, [("q46", NOT_A_PHOTO)], nav="next")
    assert page.status_code == 422
    assert "这不是一张图片，请重新拍照" in error_at(page.text, "q46")
    assert error_at(page.text, "q45") == ""
    assert 'value="张三"' in page.text and ">李四</textarea>" in page.text
    assert 'value="张三"' in client.get(PLEDGE).text  # the draft kept them


def test_a_photo_over_the_limit_is_refused_without_being_read_whole(client: Client) -> None:
    huge = (
        "big.jpg",
        b"\xff\xd8" + b"\0" * (20 * 1024 * 1024),
        "image/jpeg",
    )  # over the 16 MB a file is read to
    page = post_pledge(client, TYPED, [("q46", huge)], nav="next")
    assert page.status_code == 422 and "图片太大了（最大5MB），请重新拍照" in error_at(page.text, "q46")


def test_documents_from_the_plain_picker_are_added_and_a_ticked_one_is_dropped(client: Client) -> None:
    first, second, third = jpeg_bytes((300, 200)), jpeg_bytes((320, 240)), jpeg_bytes((340, 260))
    post_pledge(
        client,
        TYPED,
        [("materials", ("a.jpg", first, "image/jpeg")), ("materials", ("b.jpg", second, "image/jpeg"))],
    )
    kept = draft_answer(client, "materials")
    assert len(kept) == 2 and all(parse_ref(ref) is not None for ref in kept)
    page = client.get(PLEDGE).text
    assert page.count('class="upl-item"') == 2 and page.count('name="materials._drop"') == 2
    assert '<button type="button" class="btn ghost upl-remove js-only">删掉</button>' in page
    posted = {**TYPED, "materials": json.dumps(kept), "materials._drop": "0"}
    post_pledge(client, posted, [("materials", ("c.jpg", third, "image/jpeg"))])
    now = draft_answer(client, "materials")
    assert len(now) == 2 and now[0] == kept[1] and now[1] not in kept


def test_a_bad_document_names_its_number_and_the_rest_is_kept(client: Client) -> None:
    files = [("materials", ("a.jpg", jpeg_bytes(), "image/jpeg")), ("materials", NOT_A_PHOTO)]
    page = post_pledge(client, TYPED, files, nav="next")
    assert page.status_code == 422
    assert "第2张不是图片，请重新选择" in error_at(page.text, "materials")
    assert 'value="张三"' in page.text


def test_typed_names_reach_the_receipt_and_the_staff_page(client: Client, settings: Settings) -> None:
    for section, data in [("method", METHOD), ("residence", RESIDENCE), ("household", HOUSEHOLD),
                          ("members", MEMBERS), ("property", PROPERTY), ("income", INCOME)]:  # fmt: skip
        assert post_section(client, section, data).status_code == 303, section
    photo = ("IMG_0002.jpg", jpeg_bytes(), "image/jpeg")
    moved = post_pledge(
        client,
        {**TYPED, "q45.typed_members": "李四\n王五"},
        [("q46", photo), ("materials", NO_FILE)],
        nav="next",
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/f/gansu-zizhu-2021/review"
    review = client.get("/f/gansu-zizhu-2021/review").text
    assert "<figcaption>张三（未手写签名）</figcaption>" in review
    assert "张三、李四、王五（共3人）：未在手机上手写签名，入户核查时须当面签字" in review
    assert 'id="t-q46"' in review
    submitted = client.post("/f/gansu-zizhu-2021/submit", follow_redirects=False)
    assert submitted.status_code == 303 and submitted.headers["location"].startswith("/r/")
    receipt = submitted.headers["location"].removeprefix("/r/")

    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as connection:
        (application_id,) = connection.execute(
            "SELECT id FROM application WHERE receipt_number = ?", (receipt,)
        ).fetchone()
    sign_in(client, "county")
    application = client.get(f"/staff/a/{application_id}").text
    assert "张三、李四、王五（共3人）：未在手机上手写签名，入户核查时须当面签字" in application
    assert "<figcaption>王五（未手写签名）</figcaption>" in application
    assert 'src="None"' not in application
