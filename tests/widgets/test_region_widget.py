"""The region picker: what it accepts, what the drop-downs post, what a page shows, and the htmx cascade."""

from __future__ import annotations

from typing import Any

import pytest

from shenbao.forms.model import Region
from shenbao.regions import Divisions, picker_view
from shenbao.widgets import WidgetRegistry, page_facts, set_page_facts

TOWNSHIP = Region(id="q6", label="户籍地址", depth="township")
VILLAGE = Region(id="address", label="户口所在的村", depth="village")


def clean(widgets: WidgetRegistry, question: Region, raw: Any) -> tuple[Any, list[str]]:
    return widgets.clean(question, raw)


def test_a_township_becomes_its_code_with_path_and_names(widgets: WidgetRegistry) -> None:
    value, problems = clean(widgets, TOWNSHIP, "620102001")
    assert problems == []
    assert value == {
        "code": "620102001",
        "path": [
            {"code": "62", "name": "甘肃省"},
            {"code": "6201", "name": "兰州市"},
            {"code": "620102", "name": "城关区"},
            {"code": "620102001", "name": "酒泉路街道"},
        ],
        "label": "甘肃省兰州市城关区酒泉路街道",
    }


def test_names_sent_by_a_client_are_ignored(widgets: WidgetRegistry) -> None:
    forged = {"code": "620102001", "path": [{"code": "62", "name": "别的省"}], "label": "别的地方"}
    value, problems = clean(widgets, TOWNSHIP, forged)
    assert problems == []
    assert value["label"] == "甘肃省兰州市城关区酒泉路街道"


@pytest.mark.parametrize(
    ("question", "raw", "message"),
    [
        (TOWNSHIP, "629999999", "不存在"),
        (TOWNSHIP, "62010200", "不存在"),
        (TOWNSHIP, "<script>", "不存在"),
        (TOWNSHIP, {"code": 620102001}, "不存在"),
        (TOWNSHIP, ["620102001"], "不存在"),
        (TOWNSHIP, "620102001001", "只需选到乡镇"),
        (Region(id="q6", label="x", root="6201"), "620201001", "兰州市以内"),
        (TOWNSHIP, "62", "甘肃省以内"),
    ],
    ids=[
        "forged-code",
        "malformed-code",
        "markup",
        "number-not-text",
        "list",
        "too-deep",
        "outside-root",
        "the-root",
    ],
)
def test_forged_or_wrong_depth_codes_are_refused(
    widgets: WidgetRegistry, question: Region, raw: Any, message: str
) -> None:
    value, problems = clean(widgets, question, raw)
    assert value is None
    assert len(problems) == 1 and message in problems[0]


@pytest.mark.parametrize("raw", ["6201", "620102", {"code": "620102"}], ids=["city", "county", "county-dict"])
def test_an_unfinished_pick_is_unanswered_not_an_error(widgets: WidgetRegistry, raw: Any) -> None:
    assert clean(widgets, TOWNSHIP, raw) == (None, [])


def test_the_2023_form_goes_down_to_the_village(widgets: WidgetRegistry) -> None:
    assert clean(widgets, VILLAGE, "620102001") == (None, [])
    value, problems = clean(widgets, VILLAGE, "620102001001")
    assert problems == [] and value["path"][-1] == {"code": "620102001001", "name": "畅家巷社区居委会"}


def _posted(**fields: str) -> dict[str, list[str]]:
    return {name.replace("__", "."): [value] for name, value in fields.items()}


def test_the_drop_downs_post_the_deepest_consistent_code(widgets: WidgetRegistry) -> None:
    extract = widgets["region"].extract
    assert extract is not None
    posted = _posted(q6__city="6201", q6__county="620102", q6__township="620102001")
    assert extract(TOWNSHIP, posted) == "620102001"
    # The farmer changed the city: the county of the old city is dropped, not mixed in.
    assert (
        extract(TOWNSHIP, _posted(q6__city="6202", q6__county="620102", q6__township="620102001")) == "6202"
    )
    assert extract(TOWNSHIP, _posted(q6__city="6299", q6__county="629901")) is None
    assert extract(TOWNSHIP, _posted(q6__city="")) is None
    assert extract(TOWNSHIP, _posted(q6="620102001")) == "620102001"


def test_the_picker_only_ever_lists_one_path(divisions: Divisions) -> None:
    view = picker_view(divisions, name="address", root="62", depth="village", code="620102001")
    assert [level.level for level in view.levels] == ["city", "county", "township", "village"]
    assert [len(level.options) for level in view.levels] == [14, 9, 28, len(divisions.children("620102001"))]
    assert view.hint == "请接着选择村（居）"
    empty = picker_view(divisions, name="address", root="62", depth="village")
    assert [len(level.options) for level in empty.levels] == [14, 0, 0, 0]
    assert [level.waiting_for for level in empty.levels] == ["省", "市州", "区县", "乡镇（街道）"]
    assert empty.hint == ""


@pytest.mark.usefixtures("no_page_facts")
@pytest.mark.parametrize(
    ("question", "preset", "value", "shown", "is_preset"),
    [
        (VILLAGE, "620102001001", None, "620102001001", True),
        (TOWNSHIP, "620102001001", None, "620102001", True),
        (TOWNSHIP, "620102001001", "620103001", "620103001", False),
        (Region(id="q6", label="x", root="6202"), "620102001001", None, "", False),
        (TOWNSHIP, "999", None, "", False),
    ],
    ids=["village", "cut-to-the-question-depth", "answer-wins", "outside-root", "nonsense"],
)
def test_a_qr_code_presets_the_picker(
    widgets: WidgetRegistry, question: Region, preset: str, value: Any, shown: str, is_preset: bool
) -> None:
    context = widgets["region"].context
    assert context is not None
    set_page_facts(preset_region=preset)
    result = context(question, value, page_facts())
    chosen = [level.selected for level in result["picker"].levels if level.selected]
    assert (chosen[-1] if chosen else "") == shown
    assert result["preset"] is is_preset
