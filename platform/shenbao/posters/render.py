"""Drawing: a form link's QR code as PNG, and the A4 posters of a list of regions as one PDF (fpdf2).

The QR code is drawn into the PDF as vector squares, so it prints sharp at any size; the Chinese text needs a
TrueType font with CJK characters, found by :func:`poster_font`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import segno
from fpdf import FPDF

from shenbao.posters.facts import PosterFacts

__all__ = ["FONT_PATHS", "FONT_SETTING", "PosterFontMissing", "poster_font", "poster_pdf", "qr_png"]

FONT_SETTING = "SHENBAO_POSTER_FONT"
"""The environment variable naming a TTF/TTC/OTF font with Chinese characters for the posters."""
FONT_PATHS: tuple[str, ...] = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",  # Debian's fonts-wqy-microhei
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",  # fonts-wqy-zenhei
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",  # fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",  # Fedora, Arch
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
"""Where the usual Linux packages put a font with Chinese characters, tried in this order."""

_RED = (196, 30, 38)
_INK = (33, 33, 33)
_GREY = (90, 90, 90)
_WIDTH, _HEIGHT, _MARGIN = 210.0, 297.0, 15.0  # A4 portrait, millimetres
_QR_SIDE = 112.0
_FAMILY = "poster"


class PosterFontMissing(RuntimeError):
    """No font with Chinese characters is installed or named: the poster cannot be drawn."""


def poster_font(environ: Mapping[str, str] | None = None) -> Path:
    """The font the posters are drawn with: ``SHENBAO_POSTER_FONT`` when set, else the first of :data:`FONT_PATHS`.

    Args:
        environ: the environment to read (``os.environ`` when omitted).

    Raises:
        PosterFontMissing: the named file does not exist, or none of the usual ones is installed; the message
            says, in Chinese, what to install or set.
    """
    named = (os.environ if environ is None else environ).get(FONT_SETTING, "").strip()
    if named:
        if Path(named).is_file():
            return Path(named)
        raise PosterFontMissing(
            f"{FONT_SETTING} 指定的字体文件 {named} 不存在：请改成一个带中文字符的 TTF/TTC 字体文件的路径，"
            "或在服务器上运行 apt-get install fonts-wqy-microhei 后去掉这个设置。"
        )
    for candidate in FONT_PATHS:
        if Path(candidate).is_file():
            return Path(candidate)
    raise PosterFontMissing(
        "服务器上没有能显示中文的字体，暂时不能生成海报：请管理员在服务器上运行 apt-get install fonts-wqy-microhei，"
        f"或用 {FONT_SETTING} 设置一个带中文字符的 TTF/TTC 字体文件的路径，然后重启服务。"
    )


def _qr(url: str) -> segno.QRCode:
    """The link's QR code: medium error correction, so a weathered or creased poster still scans."""
    return segno.make_qr(url, error="m")


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` as a black-on-white PNG with its quiet zone (10 pixels a module: prints sharp
    at 8 cm and more)."""
    out = io.BytesIO()
    _qr(url).save(out, kind="png", scale=10, border=4)
    return out.getvalue()


def poster_pdf(posters: Sequence[PosterFacts], font: Path | None = None) -> bytes:
    """One A4 page per poster, as one PDF.

    Args:
        posters: the pages, in order (e.g. every village of a township).
        font: the font file to draw with (:func:`poster_font` when omitted).

    Returns:
        The PDF document.

    Raises:
        PosterFontMissing: no font with Chinese characters is found.
        ValueError: ``posters`` is empty.
    """
    if not posters:
        raise ValueError("no posters to draw")
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
    pdf.add_font(_FAMILY, fname=str(font or poster_font()))
    pdf.set_title(posters[0].title)
    pdf.set_creator("申报")
    pdf.set_lang("zh-CN")
    for facts in posters:
        _page(pdf, facts)
    return bytes(pdf.output())


def _fitting(pdf: FPDF, text: str, largest: float, smallest: float, width: float) -> float:
    """The largest font size (points) from ``largest`` down to ``smallest`` at which ``text`` fits ``width``."""
    size = largest
    while size > smallest:
        pdf.set_font(_FAMILY, size=size)
        if pdf.get_string_width(text) <= width:
            return size
        size -= 1
    return smallest


def _centred(pdf: FPDF, text: str, y: float, size: float, colour: tuple[int, int, int], line: float) -> float:
    """Write ``text`` centred from ``y`` (wrapped if it is too wide even at ``size``); returns the y below it."""
    pdf.set_font(_FAMILY, size=size)
    pdf.set_text_color(*colour)
    pdf.set_xy(_MARGIN, y)
    pdf.multi_cell(_WIDTH - 2 * _MARGIN, line, text, align="C")
    return pdf.get_y()


def _page(pdf: FPDF, facts: PosterFacts) -> None:
    """Draw one poster: the title on a red band, the region, the call to scan, the QR code, the link, the steps."""
    pdf.add_page()
    inner = _WIDTH - 2 * _MARGIN
    pdf.set_fill_color(*_RED)
    pdf.rect(0, 0, _WIDTH, 34, style="F")
    size = _fitting(pdf, facts.title, 34, 20, inner)
    _centred(pdf, facts.title, 9 if size > 26 else 6, size, (255, 255, 255), size * 0.45)

    size = _fitting(pdf, facts.region_name, 22, 15, inner)
    y = _centred(pdf, facts.region_name, 41, size, _INK, size * 0.45)

    y = _centred(pdf, "扫一扫 马上申报", max(y + 2, 53), 50, _RED, 21)
    top = max(y + 3, 78.0)
    _draw_qr(pdf, facts.url, (_WIDTH - _QR_SIDE) / 2, top, _QR_SIDE)

    pdf.set_font(_FAMILY, size=12)
    y = _centred(pdf, facts.url, top + _QR_SIDE + 3, 12, _GREY, 5.5)
    y = _centred(pdf, "用手机微信或浏览器扫描上面的二维码，按提示填写即可", y + 1, 13, _INK, 6.5)
    _steps(pdf, facts, y + 4)


def _steps(pdf: FPDF, facts: PosterFacts, top: float) -> None:
    """The box of the chain's steps with their working days, sized to what is left of the page."""
    if not facts.steps:
        return
    bottom = _HEIGHT - 12
    heading = "办理步骤"
    if facts.total_days is not None:
        heading += f"（全程不超过{facts.total_days}个工作日）"
    line = min(11.0, (bottom - top - 16) / len(facts.steps))
    size = max(11.0, min(20.0, line * 1.9))
    pdf.set_draw_color(*_RED)
    pdf.set_line_width(0.8)
    height = 14 + line * len(facts.steps) + 3
    pdf.rect(_MARGIN, top, _WIDTH - 2 * _MARGIN, height, round_corners=True, corner_radius=3)
    _centred(pdf, heading, top + 3, min(20.0, size + 1), _RED, 9)
    pdf.set_text_color(*_INK)
    for number, step in enumerate(facts.steps, start=1):
        y = top + 14 + line * (number - 1)
        pdf.set_font(_FAMILY, size=size)
        pdf.set_xy(_MARGIN + 10, y)
        pdf.cell(95, line, f"{number}. {step.name}")
        pdf.set_xy(_MARGIN + 95, y)
        pdf.cell(_WIDTH - 2 * _MARGIN - 105, line, step.when, align="R")


def _draw_qr(pdf: FPDF, url: str, x: float, y: float, side: float) -> None:
    """The QR code of ``url`` as filled squares, a row's dark run at a time (its quiet zone is the white page)."""
    matrix = _qr(url).matrix
    module = side / len(matrix)
    pdf.set_fill_color(0, 0, 0)
    for row_index, row in enumerate(matrix):
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(
                    x + start * module,
                    y + row_index * module,
                    (column - start) * module,
                    module + 0.02,  # a hair of overlap: no white seams between rows on screen
                    style="F",
                )
                start = None
