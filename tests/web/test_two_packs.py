"""Several packs side by side in one process: each its own divisions and widgets, no process-wide state.

The second pack is a small Ningxia (province 64) written here: a handful of divisions, a form whose region
question has no ``root`` (so its picker starts in its own province) and a number question drawn by the pack's own
``rating`` widget.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.cli import main
from shenbao.forms.model import Geolocation, Region
from shenbao.pack_runtime import Packs
from shenbao.paths import form_defs_dir
from shenbao.settings import Settings
from shenbao.web.services import Services
from shenbao.widgets import WidgetError
from tests.support.packs import NINGXIA, NINGXIA_DIVISIONS, write_ningxia
from tests.support.web import migrated_settings, read_guide

ZIZHU = "gansu-zizhu-2021"


@pytest.fixture
def form_defs(tmp_path: Path) -> Path:
    root = tmp_path / "form_defs"
    shutil.copytree(form_defs_dir() / "gansu", root / "gansu")
    write_ningxia(root)
    return root


def _settings(data_dir: Path, form_defs: Path, packs: tuple[str, ...]) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    return msgspec.structs.replace(migrated_settings(data_dir), packs=packs, form_defs=form_defs)


@pytest.fixture
def both(tmp_path: Path, form_defs: Path) -> Iterator[TestClient[Litestar]]:
    settings = _settings(tmp_path / "both", form_defs, ("gansu", "ningxia"))
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client, ZIZHU)
        read_guide(client, NINGXIA)
        yield client


def _services(client: TestClient[Litestar]) -> Services:
    services = client.app.state["shenbao"]
    assert isinstance(services, Services)
    return services


def _options(html: str, select_id: str) -> list[str]:
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select {select_id}"
    return [code for code in re.findall(r'<option value="(\d*)"', match.group(1)) if code]


def test_each_forms_region_picker_starts_in_its_own_province(both: TestClient[Litestar]) -> None:
    ningxia = both.get(f"/f/{NINGXIA}/s/home")
    assert ningxia.status_code == 200, ningxia.text
    assert _options(ningxia.text, "i-q1-city") == ["6401", "6402"], (
        "a picker without root: its pack's province"
    )
    gansu = both.get(f"/f/{ZIZHU}/s/residence")
    assert gansu.status_code == 200, gansu.text
    cities = _options(gansu.text, "i-q6-city")
    assert "6201" in cities and not any(code.startswith("64") for code in cities)

    packs = _services(both).packs
    rootless = Region(id="q", label="地址")
    for code, province in (("gansu", "62"), ("ningxia", "64")):
        context = packs[code].widgets["region"].context
        assert context is not None and context(rootless, None, {})["picker"].root == province
        fallback = packs[code].widgets["geolocation"].context
        assert fallback is not None
        assert fallback(Geolocation(id="g", label="位置"), None, {})["picker"].root == province
    assert len(packs.divisions) == len(packs["gansu"].divisions) + len(NINGXIA_DIVISIONS), "staff pages: all"


def test_a_region_answer_of_the_other_province_is_refused_for_each_form(both: TestClient[Litestar]) -> None:
    def errors(form_id: str, answers: dict[str, object]) -> dict[str, list[str]]:
        response = both.post(f"/api/v1/forms/{form_id}/evaluate", json={"answers": answers})
        assert response.status_code == 200, response.text
        found: dict[str, list[str]] = response.json()["errors"]
        return found

    assert "q1" in errors(NINGXIA, {"q1": "620102001"}), "a Gansu township on the Ningxia form"
    assert "q1" not in errors(NINGXIA, {"q1": "640104001"})
    assert "q6" in errors(ZIZHU, {"q1": "self", "q6": "640104001001"}), "a Ningxia village on the Gansu form"
    assert "q6" not in errors(ZIZHU, {"q1": "self", "q6": "620102001001"})

    packs = _services(both).packs
    question = Region(id="q", label="地址", depth="township")
    assert packs["gansu"].widgets.clean(question, "640104001")[1], "pack A's divisions for pack A's form"
    assert (
        packs["ningxia"].widgets.clean(question, "640104001")[0]["label"]
        == "宁夏回族自治区银川市兴庆区凤凰北街街道"
    )


def test_the_second_packs_widget_draws_its_form_and_is_unknown_to_gansus(
    both: TestClient[Litestar], form_defs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = both.get(f"/f/{NINGXIA}/s/home")
    assert '<div class="rating" id="rating-q2">宁夏回族自治区</div>' in page.text, (
        "drawn with its pack's hooks"
    )
    assert "/widgets/_assets/rating/widget.js" in page.text
    assert both.get(f"/f/{ZIZHU}/s/residence").text.count("rating") == 0
    refused = both.post(f"/api/v1/forms/{NINGXIA}/evaluate", json={"answers": {"q1": "640104001", "q2": 9}})
    assert refused.json()["errors"]["q2"] == ["第2题：请选一到五分"], "its clean checks the answers"

    packs = _services(both).packs
    assert "rating" in packs["ningxia"].widgets and "rating" not in packs["gansu"].widgets
    assert "rating" not in packs.widgets, "a form of no pack sees the platform's widgets only"

    # A Gansu form naming Ningxia's widget: shenbao lint checks each pack's forms against its own widgets.
    path = form_defs / "gansu" / "forms" / f"{ZIZHU}.json"
    definition = json.loads(path.read_text("utf-8"))
    definition["sections"][0]["questions"][0] = {
        "type": "number",
        "id": "q1",
        "label": "满意程度",
        "widget": "rating",
    }
    path.write_text(json.dumps(definition, ensure_ascii=False), "utf-8")
    assert main(["lint", str(form_defs)]) == 1
    out = capsys.readouterr().out
    assert "E022" in out and f"{ZIZHU}.json" in out and "not one of this pack's widgets" in out
    assert NINGXIA not in out, "the Ningxia form uses its own widget"


def test_two_packs_may_not_both_have_a_widget_of_the_same_name(tmp_path: Path, form_defs: Path) -> None:
    write_ningxia(tmp_path / "other" / "form_defs")
    shutil.move(tmp_path / "other" / "form_defs" / "ningxia", form_defs / "ningxia-two")
    with pytest.raises(WidgetError, match="rating") as refused:
        Packs.load(["ningxia", "ningxia-two"], form_defs)
    message = str(refused.value)
    assert str(form_defs / "ningxia" / "widgets" / "rating") in message
    assert str(form_defs / "ningxia-two" / "widgets" / "rating") in message


def test_two_apps_in_one_process_keep_their_own_divisions_and_widgets(
    tmp_path: Path, form_defs: Path
) -> None:
    gansu_only = _settings(tmp_path / "a", form_defs, ("gansu",))
    ningxia_only = _settings(tmp_path / "b", form_defs, ("ningxia",))
    levels = "/widgets/region/levels"
    with (
        TestClient(create_app(gansu_only), base_url="http://127.0.0.1") as a,
        TestClient(create_app(ningxia_only), base_url="http://127.0.0.1") as b,
    ):
        read_guide(b, NINGXIA)
        for _ in range(2):  # alternately: what one app serves never leaks into the other
            gansu = a.get(levels, params={"name": "q6", "root": "62", "depth": "township", "q6.city": "6201"})
            assert gansu.status_code == 200 and "620102" in gansu.text
            assert a.get(levels, params={"name": "q1", "root": "64", "depth": "township"}).status_code == 404
            ningxia = b.get(
                levels, params={"name": "q1", "root": "64", "depth": "township", "q1.city": "6401"}
            )
            assert ningxia.status_code == 200 and _options(ningxia.text, "i-q1-county") == ["640104"]
            assert b.get(levels, params={"name": "q6", "root": "62", "depth": "township"}).status_code == 404
            assert a.get("/widgets/_assets/rating/widget.js").status_code == 404
            assert b.get("/widgets/_assets/rating/widget.js").text == "/* rating */"
            page = b.get(f"/f/{NINGXIA}/s/home")
            assert _options(page.text, "i-q1-city") == ["6401", "6402"]
            assert a.get(f"/f/{NINGXIA}/s/home").status_code == 404
        packs_a, packs_b = _services(a).packs, _services(b).packs
        assert packs_a.codes == ["gansu"] and packs_b.codes == ["ningxia"]
        assert "64" not in packs_a.divisions and "62" not in packs_b.divisions
        assert "rating" not in {widget.name for widget in packs_a.every_widget()}
