"""QR codes and posters: the QR decodes to the link, a poster PDF renders with a QR that decodes to its village's
link, a township is one page per village, the text names the form, the region and the steps; no font, a clear
message."""

from __future__ import annotations

import io
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from shenbao.posters import (
    FONT_PATHS,
    FONT_SETTING,
    PosterFacts,
    PosterFontMissing,
    poster_facts,
    poster_font,
    poster_pdf,
    qr_png,
    villages_below,
)
from tests.support.applications import YIJIAN, ZIZHU, chains, forms
from tests.support.packs import gansu_divisions

ORIGIN = "http://127.0.0.1:8000"
TOWNSHIP = "620102001"  # 酒泉路街道, 5 villages
VILLAGE = "620102001001"


def link(form_id: str, region: str) -> str:
    return f"{ORIGIN}/f/{form_id}?region={region}"


def facts_of(form_id: str, region: str) -> PosterFacts:
    form = forms().get(form_id)
    assert form is not None and form.definition.chain is not None
    found = chains().get(form.definition.chain)
    assert found is not None
    return poster_facts(form, found.chain, gansu_divisions(), region, link(form_id, region))


def decoded(image: Image.Image) -> list[str]:
    return [found.text for found in zxingcpp.read_barcodes(image)]


def pages(pdf: bytes) -> list[tuple[Image.Image, str]]:
    """Each page of ``pdf`` rendered at 150 dpi, with its text."""
    document = pdfium.PdfDocument(pdf)
    try:
        return [
            (page.render(scale=150 / 72).to_pil(), page.get_textpage().get_text_range()) for page in document
        ]
    finally:
        document.close()


@pytest.mark.parametrize(
    "url",
    [link(YIJIAN, VILLAGE), link(ZIZHU, TOWNSHIP), "https://shenbao.example.gov.cn/apply/f/x?region=62"],
    ids=["village", "township", "mounted-https"],
)
def test_the_qr_png_decodes_to_the_link(url: str) -> None:
    png = qr_png(url)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert min(image.size) >= 290  # 10 pixels a module: sharp when printed large
    assert decoded(image) == [url]


def test_a_village_poster_renders_with_its_qr_title_region_and_steps() -> None:
    facts = facts_of(YIJIAN, VILLAGE)
    [(image, text)] = pages(poster_pdf([facts]))
    assert image.size[0] in (1240, 1241) and image.size[1] == 1754  # A4 at 150 dpi
    assert decoded(image) == [link(YIJIAN, VILLAGE)]
    for words in (
        "甘肃一键报贫",
        "扫一扫 马上申报",
        "甘肃省兰州市城关区酒泉路街道畅家巷社区居委会",
        link(YIJIAN, VILLAGE),
        "村级核查 申报后5个工作日内",
        "办理步骤（全程不超过15个工作日）",
    ):
        assert words in text


def test_a_townships_posters_are_one_page_per_village_each_with_its_own_link() -> None:
    divisions = gansu_divisions()
    villages = villages_below(divisions, TOWNSHIP)
    assert [village.name for village in villages] == [
        "畅家巷社区居委会",
        "张家园社区居委会",
        "中街子社区居委会",
        "南稍门社区居委会",
        "杨家园社区居委会",
    ]
    rendered = pages(poster_pdf([facts_of(ZIZHU, village.code) for village in villages]))
    assert len(rendered) == len(villages)
    for (image, text), village in zip(rendered, villages, strict=True):
        assert decoded(image) == [link(ZIZHU, village.code)]
        assert f"甘肃省兰州市城关区酒泉路街道{village.name}" in text
        assert "防止返贫监测对象自主申报" in text


@pytest.mark.parametrize(
    ("code", "count"),
    [(VILLAGE, 1), (TOWNSHIP, 5), ("620102", 181)],
    ids=["a-village-is-itself", "township", "county"],
)
def test_villages_below_a_region(code: str, count: int) -> None:
    villages = villages_below(gansu_divisions(), code)
    assert len(villages) == count
    assert all(village.level == "village" and village.code.startswith(code) for village in villages)
    assert [village.code for village in villages] == sorted(village.code for village in villages)


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(KeyError):
        villages_below(gansu_divisions(), "620199999999")
    with pytest.raises(KeyError):
        facts_of(YIJIAN, "620199999999")


def test_the_font_setting_wins_and_a_missing_font_says_what_to_install(tmp_path: Path) -> None:
    font = tmp_path / "font.ttc"
    font.write_bytes(b"not read here")
    assert poster_font({FONT_SETTING: str(font)}) == font
    with pytest.raises(PosterFontMissing, match=f"{FONT_SETTING} 指定的字体文件 .* 不存在"):
        poster_font({FONT_SETTING: str(tmp_path / "gone.ttf")})
    installed = next(Path(path) for path in FONT_PATHS if Path(path).is_file())
    assert poster_font({}) == installed


def test_no_font_anywhere_refuses_with_the_package_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shenbao.posters.render.FONT_PATHS", ("/nonexistent/font.ttc",))
    with pytest.raises(PosterFontMissing, match="apt-get install fonts-wqy-microhei") as refused:
        poster_pdf([facts_of(YIJIAN, VILLAGE)])
    assert FONT_SETTING in str(refused.value)


def test_no_posters_is_a_mistake() -> None:
    with pytest.raises(ValueError, match="no posters"):
        poster_pdf([])
