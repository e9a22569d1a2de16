"""Pictures are kept only for a live draft (or an API submission), within quotas, and evaluation keeps none: in a
local folder and in an S3 bucket alike."""

from __future__ import annotations

import asyncio
import base64
import io
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from shenbao import store
from shenbao.app import create_app
from shenbao.files import FileStore
from shenbao.settings import S3Files, Settings
from shenbao.web import upload_quota
from shenbao.web.upload_access import NO_DRAFT
from tests.support.images import NAME_STROKES, jpeg_bytes, png_bytes
from tests.support.keys import TEST_KEYS
from tests.support.s3 import stored_names
from tests.support.samples import household_2021
from tests.support.web import ZIZHU, migrated_settings, read_guide, start_draft

Client = TestClient[Litestar]
UPLOADS = ("/widgets/photo/upload", "/widgets/upload/upload", "/widgets/signature/upload")
TOO_MANY = "上传的图片太多了，暂时不能再保存"


@pytest.fixture
def settings(tmp_path: Path, file_place: Path | S3Files) -> Settings:
    """The web tests' settings, keeping pictures in the data folder or in a bucket."""
    return _on(migrated_settings(tmp_path), file_place)


def _on(settings: Settings, place: Path | S3Files) -> Settings:
    return msgspec.structs.replace(settings, s3=place if isinstance(place, S3Files) else None)


def _stored(settings: Settings) -> list[str]:
    """The pictures kept (thumbnails left out)."""
    return asyncio.run(stored_names(FileStore.for_settings(settings), pictures_only=True))


def _photo(index: int) -> bytes:
    """A different small JPEG for each ``index`` (same bytes would be kept once)."""
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (index % 256, (index * 7) % 256, 90)).save(out, "JPEG")
    return out.getvalue()


def _big_png(pixels: int) -> bytes:
    """A small file that declares ``pixels`` pixels (one colour compresses to almost nothing)."""
    side = int(pixels**0.5)
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("path", UPLOADS)
def test_an_upload_without_a_draft_is_refused_unread_and_nothing_is_kept(
    client: Client, settings: Settings, path: str
) -> None:
    picture = png_bytes(strokes=NAME_STROKES) if "signature" in path else jpeg_bytes()
    for query in ("", f"?f={ZIZHU}", "?f=no-such-form"):
        response = client.post(path + query, content=picture)
        assert response.status_code == 409
        assert response.json() == {"errors": [NO_DRAFT]}
    assert _stored(settings) == []


def test_a_draft_of_another_form_does_not_admit_an_upload(client: Client, settings: Settings) -> None:
    start_draft(client)
    response = client.post("/widgets/photo/upload?f=gansu-yijian-2023", content=jpeg_bytes())
    assert response.status_code == 409 and _stored(settings) == []
    assert client.post(f"/widgets/photo/upload?f={ZIZHU}", content=jpeg_bytes()).status_code == 200


def test_a_household_check_upload_needs_a_signed_in_handler(client: Client, settings: Settings) -> None:
    response = client.post("/widgets/photo/upload?f=household-check&a=1", content=jpeg_bytes())
    assert response.status_code == 403 and "请重新登录" in response.json()["errors"][0]
    assert _stored(settings) == []


def test_the_page_names_its_form_in_its_upload_urls(client: Client) -> None:
    page = client.get(f"/f/{ZIZHU}/s/pledge").text
    for widget in ("photo", "upload", "signature"):
        assert f'data-upload="/widgets/{widget}/upload?f={ZIZHU}"' in page


def test_a_39_megapixel_png_is_refused_at_its_question(client: Client, settings: Settings) -> None:
    bomb = _big_png(39_000_000)
    assert len(bomb) < 100_000
    response = client.post("/widgets/photo/upload" + start_draft(client), content=bomb)
    assert response.status_code == 422
    assert response.json() == {"errors": ["图片尺寸太大了，请重新拍照"]}
    data_url = "data:image/png;base64," + base64.b64encode(bomb).decode()
    evaluated = client.post(f"/api/v1/forms/{ZIZHU}/evaluate", json={"answers": {"q46": data_url}}).json()
    assert evaluated["errors"]["q46"] == ["第46题：图片尺寸太大了，请重新拍照"]
    assert _stored(settings) == []


def test_evaluate_checks_a_data_url_picture_and_keeps_nothing(client: Client, settings: Settings) -> None:
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()
    broken = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()[:500]).decode()
    answers = household_2021(q46=photo)
    response = client.post(f"/api/v1/forms/{ZIZHU}/evaluate", json={"answers": answers})
    assert response.status_code == 200 and "q46" not in response.json()["errors"]
    refused = client.post(f"/api/v1/forms/{ZIZHU}/evaluate", json={"answers": {**answers, "q46": broken}})
    assert refused.json()["errors"]["q46"] == ["第46题：图片坏了，请重新拍照"]
    assert _stored(settings) == []


@pytest.fixture
def engine_client(
    database_url: str, tmp_path: Path, file_place: Path | S3Files
) -> Iterator[tuple[Client, Settings]]:
    """A phone on an app over SQLite or PostgreSQL."""
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)
    settings = _on(settings, file_place)
    asyncio.run(store.migrate_url(database_url))
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)
        yield client, settings


def test_thirty_simultaneous_uploads_keep_to_the_drafts_quota(
    engine_client: tuple[Client, Settings], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, settings = engine_client
    monkeypatch.setattr(upload_quota, "PER_DRAFT", (10, timedelta(days=1)))
    path = "/widgets/upload/upload" + start_draft(client)

    def upload(index: int) -> tuple[int, str]:
        response = client.post(f"{path}&n={index + 1}", content=_photo(index))
        return response.status_code, response.text

    with ThreadPoolExecutor(max_workers=30) as pool:
        results = list(pool.map(upload, range(30)))
    assert sorted(status for status, _ in results) == [200] * 10 + [422] * 20
    assert all(TOO_MANY in text for status, text in results if status == 422)
    assert len(_stored(settings)) == 10


def test_the_address_quota_holds_across_drafts(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_quota, "PER_ADDRESS", (5, timedelta(hours=1)))
    statuses = []
    for _phone in range(2):  # two phones behind one address: the second starts with no cookie of the first
        client.cookies.clear()
        read_guide(client)
        path = "/widgets/photo/upload" + start_draft(client)
        for _ in range(4):
            statuses.append(client.post(path, content=_photo(len(statuses))).status_code)
    assert statuses == [200] * 5 + [422] * 3 and len(_stored(settings)) == 5


def test_pictures_posted_with_a_page_count_against_the_quota_and_say_so_at_the_question(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upload_quota, "PER_DRAFT", (1, timedelta(days=1)))
    start_draft(client)
    data = {"_q": ["materials"], "nav": "stay"}
    pictures = [("materials", (f"{index}.jpg", _photo(index), "image/jpeg")) for index in range(2)]
    page = client.post(f"/f/{ZIZHU}/s/pledge", data=data, files=pictures)
    assert "第2张上传的图片太多了，暂时不能再保存，请" in page.text
    assert len(_stored(settings)) == 1
