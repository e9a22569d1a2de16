"""Widget discovery: the platform's folders, a province's own widget added without touching platform code."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import msgspec
import pytest
from jinja2 import DictLoader, Environment
from litestar import Litestar
from litestar.di import Provide
from litestar.testing import TestClient

from shenbao.files import FileStore
from shenbao.forms import CompiledForm
from shenbao.forms.model import CameraPhoto, NumberQuestion, Region
from shenbao.pack_runtime import Packs
from shenbao.paths import widgets_dir
from shenbao.settings import Settings
from shenbao.web.assets import Assets
from shenbao.web.services import Services
from shenbao.web.widget_routes import widget_router
from shenbao.web.widget_templates import install_widget_templates, widget_assets
from shenbao.widgets import (
    WidgetError,
    WidgetRegistry,
    WidgetServices,
    rejected,
    set_page_facts,
    widget_roots,
)
from tests.support.images import jpeg_bytes

STARS_HTML = """{% macro render(q, value) %}{% set ctx = widget_context(q, value) %}\
<div class="stars" id="stars-{{ q.id }}">{{ ctx.stars }}</div>{% endmacro %}
"""

STARS_PY = """
from litestar import get

from shenbao.widgets import FormData, WidgetHooks


@get("/count", sync_to_thread=False)
def count() -> dict[str, int]:
    return {"most": 5}


class StarsWidget(WidgetHooks):
    ROUTES = (count,)

    def extract(self, question, data: FormData):
        return len(data.get(question.id + ".star", []))

    def clean(self, question, value):
        if not isinstance(value, int) or not 1 <= value <= 5:
            return None, ["请点一到五颗星"]
        return value, []

    def context(self, question, value, page):
        return {"stars": "★" * (value or 0)}
"""


def make_stars(folder: Path) -> Path:
    """A province's own widget, written into ``folder`` (a pack's ``widgets/``)."""
    stars = folder / "stars"
    stars.mkdir(parents=True)
    (stars / "widget.html").write_text(STARS_HTML, encoding="utf-8")
    (stars / "widget.py").write_text(STARS_PY, encoding="utf-8")
    (stars / "widget.js").write_text("/* stars */", encoding="utf-8")
    (stars / "widget.css").write_text(".stars{color:gold}", encoding="utf-8")
    return stars


def test_the_platform_widgets_are_discovered(widgets: WidgetRegistry) -> None:
    for name in ("region", "geolocation", "photo", "signature"):
        widget = widgets[name]
        assert widget.clean is not None and widget.context is not None
    assert widgets["signature"].scripts == ("signature_pad.umd.min.js", "widget.js")
    assert widgets["region"].scripts == ()
    assert widgets["photo"].receive is not None and widgets["region"].receive is None
    assert "text" in widgets and widgets["text"].clean is None


def test_a_province_widget_folder_is_discovered(tmp_path: Path) -> None:
    make_stars(tmp_path / "form_defs" / "demo" / "widgets")
    roots = widget_roots(tmp_path / "form_defs", ["demo"])
    assert roots == [widgets_dir(), tmp_path / "form_defs" / "demo" / "widgets"]
    registry = WidgetRegistry.discover(roots)
    stars = registry["stars"]
    assert stars.scripts == ("widget.js",) and stars.styles == ("widget.css",) and len(stars.version) == 10
    assert (
        stars.extract is not None
        and stars.extract(NumberQuestion(id="q1", label="x"), {"q1.star": ["a", "b"]}) == 2
    )
    assert stars.clean is not None and stars.clean(NumberQuestion(id="q1", label="x"), 9) == (
        None,
        ["请点一到五颗星"],
    )
    assert len(stars.routes) == 1


class StarsQuestion(msgspec.Struct, frozen=True):
    """A question that names its widget (what the form model's questions could do with a ``widget`` field)."""

    id: str
    label: str
    widget: str = "stars"


def test_a_province_widget_renders_through_the_installed_environment(
    tmp_path: Path, files: FileStore, no_page_facts: None
) -> None:
    make_stars(tmp_path / "form_defs" / "demo" / "widgets")
    packs = Packs.load(["demo"], tmp_path / "form_defs")
    page = "{% import 'widgets/' ~ widget_name(q) ~ '/widget.html' as w %}{{ w.render(q, 3) }}"
    environment = Environment(loader=DictLoader({"page.html": page}))
    environment.globals["base"] = "/sb"
    install_widget_templates(packs, environment, files)
    set_page_facts(pack="demo")  # a page of the demo pack's form: its widgets draw it
    html = environment.get_template("page.html").render(q=StarsQuestion(id="q9", label="满意吗"))
    assert html.strip() == '<div class="stars" id="stars-q9">★★★</div>'


def test_a_province_widgets_routes_and_script_are_served(tmp_path: Path) -> None:
    make_stars(tmp_path / "form_defs" / "demo" / "widgets")
    settings = Settings(
        database_url="sqlite://",
        data_dir=tmp_path,
        secret_key="k",
        packs=("demo",),
        form_defs=tmp_path / "form_defs",
    )
    packs = Packs.load(settings.packs, settings.form_defs)
    services = Services.__new__(Services)  # what the routes read of a running platform's services
    services.settings, services.base, services.packs = settings, "", packs
    services.assets = Assets()
    app = Litestar(
        route_handlers=[widget_router(settings)],
        dependencies={"services": Provide(lambda: services, sync_to_thread=False)},
    )
    with TestClient(app) as client:
        assert client.get("/widgets/stars/count").json() == {"most": 5}
        script = client.get(f"/widgets/_assets/stars/widget.js?v={packs['demo'].widgets['stars'].version}")
        assert script.status_code == 200 and script.text == "/* stars */"
        assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert client.get("/widgets/_assets/stars/widget.py").status_code == 404
        assert client.get("/widgets/_assets/stars/widget.css").status_code == 404


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda root: (root / "Bad-Name").mkdir() or (root / "Bad-Name" / "widget.html").write_text(""),
            "lower case",
        ),
        (
            lambda root: (
                make_stars(root) and (root / "stars" / "widget.py").write_text("import nowhere_at_all")
            ),
            "failed to import",
        ),
        (
            lambda root: (
                make_stars(root)
                and (root / "stars" / "widget.py").write_text(
                    "from shenbao.widgets import WidgetHooks\nclass Stars(WidgetHooks):\n    SCRIPTS = ('gone.js',)"
                )
            ),
            "gone.js",
        ),
    ],
    ids=["bad-name", "broken-module", "missing-script"],
)
def test_a_malformed_widget_folder_says_what_to_fix(tmp_path: Path, setup: Any, message: str) -> None:
    setup(tmp_path)
    with pytest.raises(WidgetError, match=message):
        WidgetRegistry.discover([tmp_path])


def test_a_pack_cannot_silently_replace_a_platform_widget(tmp_path: Path) -> None:
    (tmp_path / "region").mkdir()
    (tmp_path / "region" / "widget.html").write_text("{% macro render(q, value) %}{% endmacro %}")
    with pytest.raises(WidgetError, match="two widgets are named 'region'"):
        WidgetRegistry.discover([widgets_dir(), tmp_path])


def test_folders_without_a_template_are_not_widgets(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "_shared").mkdir()
    assert len(WidgetRegistry.discover([tmp_path])) == 0


def test_a_page_loads_only_the_assets_of_its_widgets(widgets: WidgetRegistry) -> None:
    photo = CameraPhoto(id="q46", label="照片")
    tags = str(
        widget_assets(
            widgets, [photo, CameraPhoto(id="q47", label="又一张"), NumberQuestion(id="q1", label="x")], "/sb"
        )
    )
    assert tags.count("<script") == 1
    assert f'src="/sb/widgets/_assets/photo/widget.js?v={widgets["photo"].version}" defer' in tags
    assert ".cam-view" in tags and "signature_pad" not in tags
    assert str(widget_assets(widgets, [NumberQuestion(id="q1", label="x")])) == ""


def test_a_rejected_upload_reads_as_its_messages_for_any_widget(widgets: WidgetRegistry) -> None:
    assert widgets.clean(Region(id="q6", label="x"), rejected("请重试")) == (None, ["请重试"])


def test_receive_applies_only_to_widget_answers(
    zizhu: CompiledForm, services: WidgetServices, widgets: WidgetRegistry
) -> None:
    answers = {"q6": "620102001", "q46": jpeg_bytes(), "q1": "self", "nobody": "x"}
    received = asyncio.run(widgets.receive(zizhu, answers, services))
    assert received["q6"] == "620102001" and received["q1"] == "self" and received["nobody"] == "x"
    assert set(received["q46"]) == {"file", "type"}
