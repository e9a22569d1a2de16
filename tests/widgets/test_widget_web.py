"""The widgets inside the running app: the cascade, the no-script walk, uploads, thumbnails, the answer flow."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.files import FileStore, parse_ref
from shenbao.forms import CompiledForm, evaluate
from shenbao.settings import S3Files, Settings
from shenbao.web.answers import Posted, received_section_answers
from tests.support.images import NAME_STROKES, OPEN_GATE, jpeg_bytes, png_bytes
from tests.support.packs import gansu_widgets
from tests.support.s3 import stored_names
from tests.support.web import migrated_settings, read_guide, start_draft


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return migrated_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)  # opened the 2021 guide a minute ago
        yield client


@pytest.fixture
def stored_in(tmp_path: Path, file_place: Path | S3Files) -> Settings:
    """The settings, keeping pictures in the data folder or in a bucket (for the tests that keep some)."""
    return msgspec.structs.replace(
        migrated_settings(tmp_path), s3=file_place if isinstance(file_place, S3Files) else None
    )


@pytest.fixture
def files_client(stored_in: Settings) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(stored_in), base_url="http://127.0.0.1") as client:
        read_guide(client)
        yield client


def _options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {select_id}"
    return re.findall(r'<option value="(\d*)"', match.group(1))


def test_choosing_a_city_swaps_in_its_counties(client: TestClient[Litestar]) -> None:
    response = client.get(
        "/widgets/region/levels", params={"name": "q6", "root": "62", "depth": "township", "q6.city": "6201"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.text.startswith('<div class="rg" id="rg-q6">')
    assert _options(response.text, "i-q6-county")[1:3] == ["620102", "620103"]
    assert _options(response.text, "i-q6-township") == [""]
    assert len(response.content) < 3_000


def test_the_cascade_never_lists_a_forged_path(client: TestClient[Litestar]) -> None:
    params = {
        "name": "address",
        "root": "62",
        "depth": "village",
        "address.city": "6202",
        "address.county": "620102",
    }
    html = client.get("/widgets/region/levels", params=params).text
    assert _options(html, "i-address-county") == ["", "620201"]
    assert _options(html, "i-address-village") == [""]


@pytest.mark.parametrize(
    "params",
    [
        {"name": "q6", "root": "62", "depth": "street"},
        {"name": "q6", "root": "99", "depth": "township"},
        {"name": "<b>", "root": "62", "depth": "township"},
    ],
    ids=["bad-depth", "unknown-root", "bad-name"],
)
def test_the_cascade_refuses_nonsense(client: TestClient[Litestar], params: dict[str, str]) -> None:
    assert client.get("/widgets/region/levels", params=params).status_code == 404


def test_without_script_each_next_step_shows_the_next_level(client: TestClient[Litestar]) -> None:
    page = client.get("/f/gansu-zizhu-2021/s/residence").text
    assert len(_options(page, "i-q6-city")) == 15
    assert 'id="i-q6-county" disabled' in page
    response = client.post(
        "/f/gansu-zizhu-2021/s/residence", data={"_q": ["q5", "q6", "q7"], "q5": "agri", "q6.city": "6201"}
    )
    assert response.status_code == 422
    assert "620102" in _options(response.text, "i-q6-county")
    assert "请接着选择区县" in response.text
    posted = {
        "_q": ["q5", "q6", "q7"],
        "q5": "agri",
        "q6.city": "6201",
        "q6.county": "620102",
        "q6.township": "620102001",
    }
    response = client.post("/f/gansu-zizhu-2021/s/residence", data=posted, follow_redirects=False)
    assert response.status_code == 422  # the question goes down to the village
    assert "620102001001" in _options(response.text, "i-q6-village")
    posted["q6.village"] = "620102001001"
    response = client.post("/f/gansu-zizhu-2021/s/residence", data=posted, follow_redirects=False)
    assert response.status_code == 303


def test_the_review_reads_the_region_and_location_by_name(client: TestClient[Litestar]) -> None:
    posted = {
        "_q": ["q6", "q7"],
        **{
            "q6.city": "6201",
            "q6.county": "620102",
            "q6.township": "620102001",
            "q6.village": "620102001001",
        },
        **{"q7.lat": "36.06", "q7.lng": "103.83", "q7.acc": "20"},
    }
    assert client.post("/f/gansu-zizhu-2021/s/residence/answer", data=posted).status_code == 200
    review = client.get("/f/gansu-zizhu-2021/review").text
    assert "甘肃省兰州市城关区酒泉路街道畅家巷社区居委会" in review
    assert "纬度36.06，经度103.83（误差约20米）" in review


def test_a_photo_upload_answers_with_its_reference_and_thumbnail(files_client: TestClient[Litestar]) -> None:
    response = files_client.post(
        "/widgets/photo/upload" + start_draft(files_client),
        content=jpeg_bytes(exif=True),
        headers={"Content-Type": "image/jpeg"},
    )
    assert response.status_code == 200
    body = response.json()
    assert parse_ref(body["posted"]) == parse_ref(body["value"]) is not None
    thumbnail = files_client.get(body["thumb"])
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.headers["cache-control"].startswith("private")
    assert files_client.get(body["thumb"].replace("t=", "t=0")).status_code == 404
    assert files_client.get(body["thumb"].split("?")[0]).status_code == 404
    assert files_client.get(body["thumb"].replace("w=480", "w=481")).status_code == 404


@pytest.mark.parametrize(
    ("path", "content", "message"),
    [
        ("/widgets/photo/upload", b"not a photo", "这不是一张图片，请重新拍照"),
        ("/widgets/signature/upload", png_bytes(), "签名是空白的，请在框里用手指写下您的名字"),
    ],
    ids=["photo-not-an-image", "blank-signature"],
)
def test_a_refused_upload_says_what_to_do(
    files_client: TestClient[Litestar], path: str, content: bytes, message: str
) -> None:
    response = files_client.post(path + start_draft(files_client), content=content)
    assert response.status_code == 422
    assert response.json() == {"errors": [message]}


def test_an_upload_over_the_ceiling_is_cut_off(client: TestClient[Litestar]) -> None:
    path = "/widgets/signature/upload" + start_draft(client)
    assert client.post(path, content=b"\0" * (2 * 1024 * 1024 + 1)).status_code == 413


def test_a_signature_upload_is_kept(files_client: TestClient[Litestar]) -> None:
    path = "/widgets/signature/upload" + start_draft(files_client)
    response = files_client.post(path, content=png_bytes(strokes=NAME_STROKES))
    assert response.status_code == 200 and response.json()["value"]["type"] == "image/png"
    assert files_client.get(response.json()["thumb"]).headers["content-type"] == "image/png"


def test_the_signature_page_loads_signature_pad_only_there(client: TestClient[Litestar]) -> None:
    script = gansu_widgets()["signature"].version
    pad = client.get(f"/widgets/_assets/signature/signature_pad.umd.min.js?v={script}")
    assert pad.status_code == 200 and pad.text.startswith("/*!\n * Signature Pad v5.1.4")


def test_a_photo_posted_with_the_form_is_stored_before_it_reaches_the_draft(
    stored_in: Settings, zizhu: CompiledForm
) -> None:
    settings = stored_in
    data_url = "data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()
    signature = "data:image/png;base64," + base64.b64encode(png_bytes(strokes=NAME_STROKES)).decode()
    section = zizhu.section_of["q46"]
    signers = json.dumps(
        [{"name": "张三", "role": "applicant", "image": signature}]
    )  # a pad not yet uploaded
    posted = {"_q": ["q45", "q46"], "q45": [signers], "q46": [data_url]}
    answers = asyncio.run(
        received_section_answers(
            gansu_widgets(), zizhu, section, Posted(fields=posted), settings, gate=OPEN_GATE
        )
    )
    assert answers["q46"]["type"] == "image/jpeg" and answers["q45"][0]["type"] == "image/png"
    kept = asyncio.run(stored_names(FileStore.for_settings(settings), pictures_only=True))
    stored = sorted(name.rpartition("/")[2].split(".")[0] for name in kept)
    assert stored == sorted([answers["q46"]["file"], answers["q45"][0]["file"]])
    evaluation = evaluate(zizhu, answers)
    assert "q45" not in evaluation.errors and "q46" not in evaluation.errors
    blank = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    blank_signers = json.dumps([{"name": "张三", "role": "applicant", "image": blank}])
    refused = asyncio.run(
        received_section_answers(
            gansu_widgets(),
            zizhu,
            section,
            Posted(fields={"_q": ["q45"], "q45": [blank_signers]}),
            settings,
            gate=OPEN_GATE,
        )
    )
    assert evaluate(zizhu, refused).errors["q45"] == [
        "第45题：第1位签名人的签名是空白的，请在框里用手指写下您的名字"
    ]
