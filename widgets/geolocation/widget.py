"""Current location: the phone's position as it is (the farmer cannot choose an address), with its accuracy.

The seed's question 7: "手机定位功能正常取当前地址（不可选择地址，只取当前定位），手机定位功能不正常或未打开改为下拉填空题".
The script asks the phone for its position when the farmer taps "获取我现在的位置"; when permission is denied,
the position is unavailable, the request times out or the page has no script, the region drop-downs (down to
``fallback_depth``) take its place.

Stored values::

    {"source": "gps", "lat": 34.265, "lng": 108.954, "accuracy": 25, "label": "纬度34.265，经度…"}
    {"source": "region", "code": "610102001", "path": [...], "label": "陕西省西安市新城区西一路街道"}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from shenbao.forms.model import Geolocation
from shenbao.regions import LEVELS, Divisions, clean_region, code_of, picker_view, walk_choices
from shenbao.widgets import AT_HOUSEHOLD_VISIT, Cleaned, FormData, WidgetHooks

MAX_ACCURACY_METRES = 100_000
"""A reported accuracy worse than this is not a position (the phone guessed from the country)."""


def _root(question: Geolocation, divisions: Divisions) -> str:
    # The fallback picker starts in the province of the pack this hooks instance serves.
    return str(getattr(question, "root", "") or divisions.default_root())


def _first(data: FormData, name: str) -> str:
    return (data.get(name) or [""])[0].strip()


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = float(raw)
    elif isinstance(raw, str):
        try:
            number = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


class GeolocationWidget(WidgetHooks[Geolocation]):
    """The phone's position (or the fallback drop-downs' pick), read from the post, checked and drawn."""

    def extract(self, question: Geolocation, data: FormData) -> dict[str, str] | None:
        """The posted position (``q7.lat``, ``q7.lng``, ``q7.acc``), else the fallback drop-downs' code."""
        lat, lng = _first(data, f"{question.id}.lat"), _first(data, f"{question.id}.lng")
        if lat or lng:
            return {"lat": lat, "lng": lng, "accuracy": _first(data, f"{question.id}.acc")}
        chosen = {level: _first(data, f"{question.id}.{level}") for level in LEVELS}
        divisions = self.place.divisions
        code = walk_choices(divisions, _root(question, divisions), question.fallback_depth, chosen)
        return {"code": code} if code else None

    def clean(self, question: Geolocation, value: Any) -> Cleaned:
        """Coordinates must be numbers in range (latitude ±90, longitude ±180); a fallback pick is a region
        answer."""
        if value is None or value == {} or value == "":
            return None, []
        if not isinstance(value, dict):
            return None, ["位置的内容不对，请重新获取位置，或从下拉框选择"]
        if "lat" not in value and "lng" not in value:
            divisions = self.place.divisions
            region, problems = clean_region(
                divisions, value, _root(question, divisions), question.fallback_depth
            )
            return ({"source": "region", **region} if region else None), problems
        lat, lng = _number(value.get("lat")), _number(value.get("lng"))
        if lat is None or lng is None or not -90 <= lat <= 90 or not -180 <= lng <= 180:
            return None, ["位置的经纬度不对，请点“重新定位”再试一次，或从下拉框选择"]
        accuracy, raw_accuracy = None, value.get("accuracy")
        if raw_accuracy not in (None, ""):
            accuracy = _number(raw_accuracy)
            if accuracy is None or not 0 <= accuracy <= MAX_ACCURACY_METRES:
                return None, ["定位不准，请到屋外开阔处点“重新定位”，或从下拉框选择"]
        lat, lng = round(lat, 6), round(lng, 6)
        label = f"纬度{lat}，经度{lng}"
        stored: dict[str, Any] = {"source": "gps", "lat": lat, "lng": lng}
        if accuracy is not None:
            stored["accuracy"] = round(accuracy)
            label += f"（误差约{round(accuracy)}米）"
        return {**stored, "label": label}, []

    def context(self, question: Geolocation, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
        """The position already taken (if any) and the fallback picker; ``at_visit``: a handler fills the page
        at the household visit (:data:`~shenbao.widgets.AT_HOUSEHOLD_VISIT`), so the place asked for is the
        farmer's."""
        position, _ = (
            self.clean(question, value) if isinstance(value, dict) and "lat" in value else (None, [])
        )
        code = code_of(value) if isinstance(value, dict) and "lat" not in value else ""
        picker = picker_view(
            self.place.divisions,
            name=question.id,
            root=_root(question, self.place.divisions),
            depth=question.fallback_depth,
            code=code,
        )
        mode = "gps" if position else ("region" if code else "none")
        return {
            "position": position,
            "picker": picker,
            "mode": mode,
            "at_visit": bool(page.get(AT_HOUSEHOLD_VISIT)),
        }
