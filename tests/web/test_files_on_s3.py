"""Pictures in an S3 bucket: shared by every process, and a bucket that does not answer is a 503, never a 500.

The bucket is moto's S3 server on loopback (:mod:`tests.support.s3`); "unreachable" is a port nothing listens on.
"""

from __future__ import annotations

import asyncio
import base64
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from shenbao import store
from shenbao.app import create_app
from shenbao.files import UNAVAILABLE, FileRef, FileStore, parse_ref
from shenbao.settings import S3Files, Settings
from shenbao.web.drafts import DRAFT_COOKIE
from tests.support.images import NAME_STROKES, jpeg_bytes, png_bytes
from tests.support.keys import TEST_DATA_KEY, TEST_KEYS, TEST_LOOKUP_KEY
from tests.support.s3 import closed_port_bucket, fresh_bucket, s3_env
from tests.support.web import ZIZHU, read_guide, start_draft

Client = TestClient[Litestar]
SECRET = "a-secret-key-the-two-processes-share-0123456789"
UPLOADS = ("/widgets/photo/upload", "/widgets/upload/upload", "/widgets/signature/upload")

# Process B: the same platform (database, keys, secret, bucket) in a process of its own, asked for one URL.
_PROCESS_B = """
import sys
from litestar.testing import TestClient
from shenbao.app import create_app
with TestClient(create_app(), base_url="http://127.0.0.1") as client:
    response = client.get(sys.argv[1])
    sys.stdout.buffer.write(f"{response.status_code}\\n".encode() + response.content)
"""


def _settings(database_url: str, data_dir: Path, bucket: S3Files | None) -> Settings:
    asyncio.run(store.migrate_url(database_url))
    return Settings(
        database_url=database_url, data_dir=data_dir, secret_key=SECRET, keys=TEST_KEYS, s3=bucket
    )


@pytest.fixture
def bucket(s3_endpoint: str) -> S3Files:
    return fresh_bucket(s3_endpoint, prefix="shenbao/")


def _in_process_b(url: str, database_url: str, data_dir: Path, bucket: S3Files | None) -> tuple[int, bytes]:
    env = {
        **os.environ,
        "SHENBAO_DATABASE_URL": database_url,
        "SHENBAO_DATA_DIR": str(data_dir),
        "SHENBAO_SECRET_KEY": SECRET,
        "SHENBAO_DATA_KEY": TEST_DATA_KEY,
        "SHENBAO_LOOKUP_KEY": TEST_LOOKUP_KEY,
        "SHENBAO_SMS_GATEWAY": "database",
        "SHENBAO_REMIND_MINUTES": "0",
        **(s3_env(bucket) if bucket is not None else {"SHENBAO_FILE_STORE": "local"}),
    }
    done = subprocess.run(
        [sys.executable, "-c", _PROCESS_B, url], env=env, capture_output=True, timeout=120, check=True
    )
    status, _, body = done.stdout.partition(b"\n")
    return int(status), body


def test_a_photo_uploaded_through_one_process_is_served_by_another(
    database_url: str, tmp_path: Path, bucket: S3Files
) -> None:
    """Upload through A, thumbnail through B: two processes, each with its own data folder, one bucket."""
    settings = _settings(database_url, tmp_path / "a", bucket)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)
        uploaded = client.post("/widgets/photo/upload" + start_draft(client), content=jpeg_bytes((1200, 900)))
        assert uploaded.status_code == 200, uploaded.text
    thumb = uploaded.json()["thumb"]
    status, body = _in_process_b(thumb, database_url, tmp_path / "b", bucket)
    assert status == 200
    with Image.open(io.BytesIO(body)) as image:
        assert image.format == "JPEG" and image.size == (480, 360)
    # The same two processes on their own folders share nothing: B has no such picture.
    status, _ = _in_process_b(thumb, database_url, tmp_path / "b", None)
    assert status == 404


@pytest.fixture
def cut_off(database_url: str, tmp_path: Path) -> Iterator[tuple[Client, Settings]]:
    """A farmer with a saved draft (q5 answered) on an app whose bucket does not answer."""
    settings = _settings(database_url, tmp_path, closed_port_bucket())
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)
        start_draft(client)
        yield client, settings


def _draft(client: Client) -> dict[str, Any]:
    """The answers of the phone's draft, read through the app's own database."""
    database = client.app.state["shenbao"].database

    async def load() -> dict[str, Any]:
        draft = await store.load_draft(database, client.cookies[DRAFT_COOKIE], ZIZHU)
        assert draft is not None
        return dict(draft.answers)

    return client.blocking_portal.call(load)


@pytest.mark.parametrize("path", UPLOADS)
def test_an_upload_while_the_bucket_is_unreachable_answers_503_and_the_draft_is_kept(
    cut_off: tuple[Client, Settings], path: str
) -> None:
    client, _ = cut_off
    before = _draft(client)
    assert before["q5"] == "agri"
    picture = png_bytes(strokes=NAME_STROKES) if "signature" in path else jpeg_bytes()
    response = client.post(f"{path}?f={ZIZHU}", content=picture)
    assert response.status_code == 503
    assert response.json() == {"errors": [UNAVAILABLE]}
    assert response.headers["retry-after"] == "30"
    assert _draft(client) == before


def test_a_photo_sent_with_its_page_while_the_bucket_is_unreachable_is_asked_again_the_rest_is_saved(
    cut_off: tuple[Client, Settings],
) -> None:
    """The scripts' fall-back (the photo with the page) meets the same bucket: the page says so at the photo,
    and the page's other answers are saved."""
    client, _ = cut_off
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()
    typed = {
        "q45": "",
        "q45.typed_name": "张三",
        "q45.typed_members": "李四",
    }  # signed at the visit: no picture
    data = {"_q": ["q45", "q46"], **typed, "q46": photo, "nav": "stay"}
    page = client.post(f"/f/{ZIZHU}/s/pledge", data=data)
    assert page.status_code == 200
    assert UNAVAILABLE in page.text
    answers = _draft(client)
    assert [signer["name"] for signer in answers["q45"]] == ["张三", "李四"]
    assert (
        answers["q5"] == "agri" and parse_ref(answers.get("q46")) is None
    )  # no reference to a picture not kept


def test_a_thumbnail_while_the_bucket_is_unreachable_answers_503(cut_off: tuple[Client, Settings]) -> None:
    client, settings = cut_off
    ref = FileRef(file="ab" * 32, type="image/jpeg")
    response = client.get(FileStore.for_settings(settings).url(ref))
    assert response.status_code == 503 and response.json() == {"errors": [UNAVAILABLE]}


def test_an_api_submission_with_a_picture_while_the_bucket_is_unreachable_answers_503_and_stores_nothing(
    cut_off: tuple[Client, Settings],
) -> None:
    """The API has no page to keep the other answers on: it answers 503 and the client sends the same request
    again (its Idempotency-Key makes that safe)."""
    client, _ = cut_off
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()
    response = client.post(
        f"/api/v1/forms/{ZIZHU}/submissions",
        json={"answers": {"q5": "agri", "q46": photo}},
        headers={"Idempotency-Key": "api-bucket-away-1"},
    )
    assert response.status_code == 503
    assert response.json() == {"status_code": 503, "detail": UNAVAILABLE}
    assert response.headers["retry-after"] == "30"
    database = client.app.state["shenbao"].database
    assert client.blocking_portal.call(store.count_applications, database) == 0
