"""Current location: coordinates must be numbers in range; the fallback drop-downs give a region answer."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms.model import Geolocation
from shenbao.widgets import WidgetRegistry

Q7 = Geolocation(id="q7", label="当前居住地址", required=False)


def test_a_position_is_kept_rounded_with_its_accuracy(widgets: WidgetRegistry) -> None:
    value, problems = widgets.clean(Q7, {"lat": "36.0610891", "lng": "103.8343044", "accuracy": "24.6"})
    assert problems == []
    assert value == {
        "source": "gps",
        "lat": 36.061089,
        "lng": 103.834304,
        "accuracy": 25,
        "label": "纬度36.061089，经度103.834304（误差约25米）",
    }


def test_accuracy_may_be_missing(widgets: WidgetRegistry) -> None:
    value, problems = widgets.clean(Q7, {"lat": 36.06, "lng": 103.83})
    assert problems == [] and "accuracy" not in value


@pytest.mark.parametrize(
    "raw",
    [
        {"lat": "91", "lng": "103.8"},
        {"lat": "-90.5", "lng": "103.8"},
        {"lat": "36", "lng": "180.01"},
        {"lat": "36", "lng": "-181"},
        {"lat": "北纬36", "lng": "103.8"},
        {"lat": "nan", "lng": "103.8"},
        {"lat": "36", "lng": "inf"},
        {"lat": True, "lng": 103.8},
        {"lat": "36"},
        {"lat": None, "lng": "103.8"},
        {"lat": [36], "lng": "103.8"},
    ],
    ids=[
        "lat-over-90",
        "lat-under-minus-90",
        "lng-over-180",
        "lng-under-minus-180",
        "words",
        "nan",
        "infinity",
        "boolean",
        "no-longitude",
        "null-latitude",
        "list",
    ],
)
def test_coordinates_out_of_range_or_not_numbers_are_refused(
    widgets: WidgetRegistry, raw: dict[str, Any]
) -> None:
    value, problems = widgets.clean(Q7, raw)
    assert value is None
    assert problems == ["位置的经纬度不对，请点“重新定位”再试一次，或从下拉框选择"]


@pytest.mark.parametrize("accuracy", ["-1", "1000000", "far"], ids=["negative", "country-wide", "words"])
def test_a_meaningless_accuracy_is_refused(widgets: WidgetRegistry, accuracy: str) -> None:
    value, problems = widgets.clean(Q7, {"lat": "36", "lng": "103", "accuracy": accuracy})
    assert value is None and "定位不准" in problems[0]


def test_not_an_object_is_refused(widgets: WidgetRegistry) -> None:
    assert widgets.clean(Q7, "36,103")[1] == ["位置的内容不对，请重新获取位置，或从下拉框选择"]


def test_the_fallback_is_a_region_answer(widgets: WidgetRegistry) -> None:
    value, problems = widgets.clean(Q7, {"code": "620102001"})
    assert problems == []
    assert value["source"] == "region" and value["label"] == "甘肃省兰州市城关区酒泉路街道"
    assert widgets.clean(Q7, {"code": "629999999"})[1] == ["所选的地区不存在，请重新选择"]
    assert widgets.clean(Q7, {"code": "6201"}) == (None, [])


def test_the_position_wins_over_the_drop_downs(widgets: WidgetRegistry) -> None:
    extract = widgets["geolocation"].extract
    assert extract is not None
    both = {"q7.lat": ["36.06"], "q7.lng": ["103.83"], "q7.acc": ["20"], "q7.city": ["6201"]}
    assert extract(Q7, both) == {"lat": "36.06", "lng": "103.83", "accuracy": "20"}
    fallback = {
        "q7.lat": [""],
        "q7.lng": [""],
        "q7.city": ["6201"],
        "q7.county": ["620102"],
        "q7.township": ["620102001"],
    }
    assert extract(Q7, fallback) == {"code": "620102001"}
    assert extract(Q7, {"q7.lat": [""], "q7.lng": [""]}) is None
