"""The posters pages: each staff member prints their own region's QR codes and posters, and nothing else."""

from __future__ import annotations

import asyncio
import io

import pypdfium2 as pdfium
import pytest
import zxingcpp
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from shenbao import store
from shenbao.settings import Settings
from shenbao.store.audit import AuditFilter, audit_page
from tests.support.applications import YIJIAN, ZIZHU
from tests.support.staff import ACCOUNTS
from tests.support.web import sign_in

ORIGIN = "http://127.0.0.1"
VILLAGE = ACCOUNTS["village"]  # 畅家巷社区居委会
TOWNSHIP = ACCOUNTS["township"]  # 酒泉路街道, 5 villages
TOWNSHIP_VILLAGES = ["620102001001", "620102001002", "620102001003", "620102001004", "620102001005"]


def signed_in_as(client: TestClient[Litestar], role: str) -> TestClient[Litestar]:
    assert sign_in(client, role).status_code == 303  # type: ignore[attr-defined]
    return client


def pdf_pages(body: bytes) -> list[tuple[list[str], str]]:
    """Each page's decoded QR codes and text."""
    document = pdfium.PdfDocument(body)
    try:
        return [
            (
                [found.text for found in zxingcpp.read_barcodes(page.render(scale=1.5).to_pil())],
                page.get_textpage().get_text_range(),
            )
            for page in document
        ]
    finally:
        document.close()


def audit_rows(settings: Settings) -> list[tuple[str | None, str, str]]:
    async def read() -> list[tuple[str | None, str, str]]:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            page = await audit_page(database, AuditFilter(action="poster"))
            return [(entry.username, entry.target, entry.detail) for entry in page.entries]
        finally:
            await database.close()

    return asyncio.run(read())


def test_a_village_handler_gets_their_villages_poster_and_qr(
    staff_client: TestClient[Litestar], seeded: tuple[Settings, dict[str, str]]
) -> None:
    client = signed_in_as(staff_client, "village")
    inbox = client.get("/staff/")
    assert 'id="posters-link"' in inbox.text and "二维码和海报" in inbox.text
    page = client.get("/staff/posters")
    assert page.status_code == 200
    assert "甘肃省兰州市城关区酒泉路街道畅家巷社区居委会" in page.text
    assert f"/staff/posters/{YIJIAN}.pdf?region={VILLAGE}" in page.text

    poster = client.get(f"/staff/posters/{YIJIAN}.pdf", params={"region": VILLAGE})
    assert poster.status_code == 200
    assert poster.headers["content-type"] == "application/pdf"
    assert poster.headers["content-disposition"].startswith("attachment;")
    [(codes, text)] = pdf_pages(poster.content)
    assert codes == [f"{ORIGIN}/f/{YIJIAN}?region={VILLAGE}"]
    assert "甘肃一键报贫" in text and "畅家巷社区居委会" in text

    qr = client.get(f"/staff/posters/{YIJIAN}.png", params={"region": VILLAGE})
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(qr.content))
    assert [found.text for found in zxingcpp.read_barcodes(image)] == [
        f"{ORIGIN}/f/{YIJIAN}?region={VILLAGE}"
    ]
    assert audit_rows(seeded[0]) == [
        ("village", VILLAGE, f"{YIJIAN} 的海报1页（甘肃省兰州市城关区酒泉路街道畅家巷社区居委会）")
    ]


def test_a_township_gets_every_village_in_one_pdf(staff_client: TestClient[Litestar]) -> None:
    client = signed_in_as(staff_client, "township")
    page = client.get("/staff/posters", params={"form": ZIZHU})
    assert "下载全部5个村的海报" in page.text
    assert all(f"/staff/posters/{ZIZHU}.pdf?region={code}" in page.text for code in TOWNSHIP_VILLAGES)

    poster = client.get(f"/staff/posters/{ZIZHU}.pdf", params={"region": TOWNSHIP})
    assert poster.status_code == 200
    rendered = pdf_pages(poster.content)
    assert [codes for codes, _ in rendered] == [
        [f"{ORIGIN}/f/{ZIZHU}?region={code}"] for code in TOWNSHIP_VILLAGES
    ]
    assert all("防止返贫监测对象自主申报" in text for _, text in rendered)


def test_a_county_goes_down_to_a_township_and_back(staff_client: TestClient[Litestar]) -> None:
    client = signed_in_as(staff_client, "county")
    county = client.get("/staff/posters")
    assert f'href="/staff/posters?form={YIJIAN}&amp;region={TOWNSHIP}"' in county.text
    township = client.get("/staff/posters", params={"form": YIJIAN, "region": TOWNSHIP})
    assert "甘肃省兰州市城关区酒泉路街道" in township.text
    assert 'id="up-link"' in township.text and "回到城关区" in township.text


@pytest.mark.parametrize(
    ("role", "path", "region", "status", "message"),
    [
        ("village", f"{YIJIAN}.pdf", "620102001002", 403, "不在您的辖区"),
        ("township", f"{YIJIAN}.png", "620102002001", 403, "不在您的辖区"),
        ("township", "", "620103", 403, "不在您的辖区"),
        ("county", "not-published-form.pdf", TOWNSHIP, 404, "这张表单还没有在本省发布"),
        ("county", "not-published-form.png", TOWNSHIP, 404, "这张表单还没有在本省发布"),
        ("county", f"{YIJIAN}.pdf", "620102001999", 404, "没有地区代码为 620102001999 的地区"),
        ("county", "", "620102999", 404, "没有地区代码为 620102999 的地区"),
        ("county", f"{YIJIAN}.docx", TOWNSHIP, 404, "海报以 .pdf 结尾"),
        ("county", f"{YIJIAN}.pdf", "", 400, "请选择地区"),
        ("province", f"{YIJIAN}.pdf", "62", 400, "请进入下级地区"),
    ],
    ids=[
        "sibling-village",
        "other-township",
        "other-county-page",
        "unpublished-pdf",
        "unpublished-qr",
        "unknown-village",
        "unknown-township-page",
        "unknown-kind",
        "no-region",
        "a-province-is-too-many-pages",
    ],
)
def test_refused(
    staff_client: TestClient[Litestar], role: str, path: str, region: str, status: int, message: str
) -> None:
    client = signed_in_as(staff_client, role)
    answer = client.get(f"/staff/posters/{path}".rstrip("/"), params={"region": region} if region else {})
    assert answer.status_code == status
    assert message in answer.text


def test_no_font_is_a_503_naming_the_setting(
    staff_client: TestClient[Litestar], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("shenbao.posters.render.FONT_PATHS", ())
    monkeypatch.delenv("SHENBAO_POSTER_FONT", raising=False)
    client = signed_in_as(staff_client, "village")
    assert "apt-get install fonts-wqy-microhei" in client.get("/staff/posters").text
    answer = client.get(f"/staff/posters/{YIJIAN}.pdf", params={"region": VILLAGE})
    assert answer.status_code == 503
    assert "SHENBAO_POSTER_FONT" in answer.text and "apt-get install fonts-wqy-microhei" in answer.text


def test_signed_out_goes_to_the_login(staff_client: TestClient[Litestar]) -> None:
    answer = staff_client.get(
        f"/staff/posters/{YIJIAN}.png", params={"region": VILLAGE}, follow_redirects=False
    )
    assert answer.status_code in (302, 303)
    assert "/staff/login" in answer.headers["location"]
