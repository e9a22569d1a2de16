"""Decoding within a memory bound: pixel limits by format, reduced JPEG decoding, a few decodes at once."""

from __future__ import annotations

import asyncio
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from PIL import Image

from shenbao.files import decoding
from shenbao.files.decoding import ImageRejected, decode_bounded, open_image
from tests.support.packs import gansu_widgets

FORMATS = ("JPEG", "PNG", "WEBP")


def _encoded(size: tuple[int, int], kind: str, mode: str = "L", **options: Any) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, 128).save(out, kind, **options)
    return out.getvalue()


def _open(content: bytes, max_side: int | None = 1600) -> Image.Image:
    return open_image(content, max_bytes=len(content) + 1, formats=FORMATS, max_side=max_side)


def test_a_39_megapixel_png_is_refused_before_it_is_decoded() -> None:
    bomb = _encoded((6245, 6245), "PNG", mode="1")
    assert len(bomb) < 100_000
    with pytest.raises(ImageRejected, match="图片尺寸太大了"):
        _open(bomb)
    photo = gansu_widgets()["photo"]
    assert photo.receive is not None
    prepare = photo.receive.__globals__["prepare_photo"]
    with pytest.raises(ImageRejected) as refused:
        prepare(bomb, len(bomb))
    assert refused.value.advice("请重新拍照") == "图片尺寸太大了，请重新拍照"


@pytest.mark.parametrize(
    ("size", "kind", "accepted"),
    [
        ((3840, 2160), "PNG", True),  # a 4K screen's screenshot
        ((3841, 2161), "PNG", False),
        ((2560, 1600), "WEBP", True),  # a tablet's screen
        ((2600, 1700), "WEBP", False),
    ],
)
def test_pictures_decoded_whole_have_a_low_pixel_limit(
    size: tuple[int, int], kind: str, accepted: bool
) -> None:
    content = _encoded(size, kind)
    if accepted:
        assert _open(content).size == size
    else:
        with pytest.raises(ImageRejected, match="图片尺寸太大了"):
            _open(content)


def test_a_phones_50_megapixel_jpeg_is_read_at_a_quarter_of_its_size() -> None:
    photo = _encoded((8160, 6120), "JPEG")
    assert _open(photo).size == (2040, 1530)
    assert _open(photo, max_side=2000).size == (2040, 1530)
    assert _open(_encoded((1280, 960), "JPEG")).size == (1280, 960)  # what the camera script sends: as it is


def test_a_huge_square_jpeg_is_read_one_step_smaller_rather_than_over_the_decoded_limit() -> None:
    image = _open(_encoded((7999, 7999), "JPEG"), max_side=2000)
    assert image.size[0] * image.size[1] <= decoding.DECODED_MAX_PIXELS
    assert image.size == (2000, 2000)  # 1/4 instead of 1/2: a hair under 2000 px would have been 4000


def test_a_progressive_jpeg_keeps_its_coefficients_so_its_limit_is_lower() -> None:
    assert _open(_encoded((4000, 3000), "JPEG", progressive=True)).size == (2000, 1500)
    with pytest.raises(ImageRejected, match="图片尺寸太大了"):
        _open(_encoded((4000, 3200), "JPEG", progressive=True))
    assert _open(_encoded((4000, 3200), "JPEG")).size == (2000, 1600)  # the same size, baseline


def test_no_more_than_a_few_decodes_run_at_once_whatever_the_event_loop() -> None:
    running, most, lock = 0, 0, threading.Lock()

    def work(content: bytes, max_bytes: int) -> int:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return len(content)

    async def many() -> list[int]:
        return list(await asyncio.gather(*(decode_bounded(work, b"x", 1) for _ in range(8))))

    with ThreadPoolExecutor(max_workers=2) as loops:  # two event loops at once (tests, or an embedding host)
        results = list(loops.map(lambda _: asyncio.run(many()), range(2)))
    assert results == [[1] * 8] * 2
    assert most == decoding.DECODES_AT_ONCE
