"""Answer sets for the Gansu forms, as a client would post them to the API."""

from __future__ import annotations

import base64
import io
from functools import cache
from typing import Any

from PIL import Image, ImageDraw

from shenbao.forms.identity import check_char


def _data_url(image: Image.Image, kind: str) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return f"data:image/{kind.lower()};base64," + base64.b64encode(buffer.getvalue()).decode()


@cache
def photo() -> str:
    """A small JPEG, as the camera widget posts it (a data URL)."""
    image = Image.new("RGB", (240, 320), (200, 170, 140))
    ImageDraw.Draw(image).ellipse((60, 60, 180, 220), fill=(230, 200, 170))
    return _data_url(image, "JPEG")


@cache
def signature() -> str:
    """A signature with a stroke on it, as the signature pad posts it (a PNG data URL)."""
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 80), (90, 30), (160, 90), (260, 40)], fill=(0, 0, 0, 255), width=4)
    return _data_url(image, "PNG")


def signers(*names: str) -> list[dict[str, str]]:
    """A household's signatures as the signature widget posts them before the pads are uploaded: a name and a
    PNG data URL each (a slightly different stroke each, so no two signatures are the same), the applicant first."""
    posted = []
    for index, name in enumerate(names or ("张三",)):
        image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
        ImageDraw.Draw(image).line(
            [(20, 80), (90, 30 + index * 5), (160, 90), (260, 40)], fill="black", width=4
        )
        role = "applicant" if index == 0 else "member"
        posted.append({"name": name, "role": role, "image": _data_url(image, "PNG")})
    return posted


def id_number(region: str = "620102", born: str = "19800101", serial: str = "123") -> str:
    """A valid resident identity number (right check digit)."""
    first17 = region + born + serial
    return first17 + check_char(first17)


def household_2021(**changes: Any) -> dict[str, Any]:
    """A complete, policy-conforming 2021 declaration: a farmer with a chronically ill relative."""
    answers: dict[str, Any] = {
        "q1": "self",
        "q4": {"name": "张三", "id_number": id_number(), "phone": "13800138000"},
        "q5": "agri",
        "q6": "620102001001",
        "q8": "yes",
        "q9": ["chronic"],
        "q11": ["illness"],
        "q13": 3,
        "q14": ["over_60", "age_18_60"],
        "q15": 1,
        "q16": 2,
        "q20": "no",
        "q23": "no",
        "q24": "no",
        "q25": "b",
        "q26": "no",
        "q27": "no",
        "q28": "no",
        "q29": "no",
        "q30": "no",
        "q31": "no",
        "q32": ["tap"],
        "q33": "under_20k",
        "q34": "no",
        "q37": "5k_10k",
        "q38": "yes",
        "q40": "2k_5k",
        "q44": "no",
        "q45": signers("张三"),
        "q46": photo(),
    }
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}


def one_click_2023(**changes: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "name": "李四",
        "id_number": id_number(born="19751231"),
        "phone": "13912345678",
        "address": "620102001001",
        "consent": "agree",
    }
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}
