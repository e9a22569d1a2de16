"""The widget contract: discovery refuses a ``widget.py`` whose class breaks it, naming the file and the hook."""

from __future__ import annotations

from pathlib import Path

import pytest

from shenbao.paths import widgets_dir
from shenbao.widgets import HOOKS, WidgetError, WidgetRegistry, widget_roots

HEAD = """
from litestar import get

from shenbao.widgets import WidgetHooks


@get("/count", sync_to_thread=False)
def count() -> dict[str, int]:
    return {"most": 5}


def plain() -> None:
    pass
"""


def stars(root: Path, module: str) -> Path:
    """A widget folder ``stars`` under ``root`` whose ``widget.py`` is ``module``; its ``widget.py`` path."""
    folder = root / "stars"
    folder.mkdir(parents=True)
    (folder / "widget.html").write_text("{% macro render(q, value) %}{% endmacro %}", encoding="utf-8")
    (folder / "widget.py").write_text(HEAD + module, encoding="utf-8")
    return folder / "widget.py"


def widget_class(*lines: str) -> str:
    return "\n\nclass StarsWidget(WidgetHooks):\n" + "".join(f"    {line}\n" for line in lines)


REFUSED = [
    pytest.param(
        widget_class("def extarct(self, question, data):", "    return None"),
        r"StarsWidget\.extarct is not a widget hook \(did you mean 'extract'\?\)",
        id="misspelt-method",
    ),
    pytest.param(
        widget_class("routes = (count,)"),
        r"StarsWidget\.routes is not a widget hook \(did you mean 'ROUTES'\?\)",
        id="lower-case-routes",
    ),
    pytest.param(
        widget_class("def helper(self):", "    return 1"),
        r"StarsWidget\.helper is not a widget hook; the hooks are extract, .*Start a helper's name with _",
        id="public-helper",
    ),
    pytest.param(
        "\n\ndef clean(question, value):\n    return value, []\n",
        r"hook clean at module level, where it is never read: move it into the module's WidgetHooks subclass",
        id="module-level-hook",
    ),
    pytest.param(
        "\n\nSTYLES = ('widget.css',)\n" + widget_class("USES = ()"),
        r"hook STYLES at module level",
        id="module-level-beside-class",
    ),
    pytest.param(
        "\n\nMAX = 5\n",
        r"declare the widget as exactly one subclass of shenbao\.widgets\.WidgetHooks",
        id="no-class",
    ),
    pytest.param(
        widget_class("USES = ()") + "\n\nclass MoreStars(WidgetHooks):\n    USES = ()\n",
        r"exactly one subclass .*; it has 2 \(MoreStars, StarsWidget\)",
        id="two-classes",
    ),
    pytest.param(
        widget_class("def receive(self, question, raw, services):", "    return raw"),
        r"StarsWidget\.receive is not a coroutine: write async def receive\(self, question, raw, services\)",
        id="receive-not-async",
    ),
    pytest.param(
        widget_class("async def clean(self, question, value):", "    return value, []"),
        r"StarsWidget\.clean is a coroutine: write def clean\(self, question, value\)",
        id="clean-async",
    ),
    pytest.param(
        widget_class("def clean(self, value):", "    return value, []"),
        r"StarsWidget\.clean must take \(question, value\)",
        id="clean-wrong-parameters",
    ),
    pytest.param(
        widget_class("def context(self, question, value):", "    return {}"),
        r"StarsWidget\.context must take \(question, value, page\)",
        id="context-without-page",
    ),
    pytest.param(
        widget_class("clean = None"),
        r"StarsWidget\.clean is None: it must be a method, def clean\(self, question, value\)",
        id="hook-not-a-method",
    ),
    pytest.param(
        widget_class("ROUTES = count"),
        r"StarsWidget\.ROUTES is .*: it must be a tuple, e\.g\. ROUTES = \(upload,\)",
        id="routes-not-a-sequence",
    ),
    pytest.param(
        widget_class("ROUTES = (count, plain)"),
        r"StarsWidget\.ROUTES\[1\] is <function plain .*>, not a route handler: decorate the function",
        id="routes-undecorated-function",
    ),
    pytest.param(
        widget_class("SCRIPTS = 'widget.js'"),
        r"StarsWidget\.SCRIPTS is 'widget\.js': it must be a tuple, e\.g\. SCRIPTS = \(\"widget\.js\",\)",
        id="scripts-a-string",
    ),
    pytest.param(
        widget_class("USES = (1,)"),
        r"StarsWidget\.USES\[0\] is 1: it must be a name",
        id="uses-not-names",
    ),
    pytest.param(
        widget_class("def __init__(self, size):", "    self._size = size"),
        r"StarsWidget.__init__ does not keep its WidgetPlace: .* call super\(\).__init__\(place\)",
        id="class-needs-arguments",
    ),
    pytest.param(
        widget_class("def __init__(self, size, colour):", "    self._size = size"),
        r"StarsWidget\(place\) failed: .*; a widget class takes its WidgetPlace only",
        id="class-needs-arguments-more",
    ),
    pytest.param(
        widget_class("STYLES = ('gone.css',)"),
        r"STYLES names 'gone\.css', which is not a file beside it",
        id="missing-style",
    ),
]


@pytest.mark.parametrize(("module", "message"), REFUSED)
def test_discovery_refuses_a_broken_contract_naming_the_file_and_the_hook(
    tmp_path: Path, module: str, message: str
) -> None:
    path = stars(tmp_path, module)
    with pytest.raises(WidgetError, match=message) as refused:
        WidgetRegistry.discover([tmp_path])
    assert str(refused.value).startswith(f"{path}: ")


def test_uses_must_name_a_discovered_widget(tmp_path: Path) -> None:
    path = stars(tmp_path, widget_class("USES = ('phnoe',)"))
    with pytest.raises(WidgetError, match=r"USES names 'phnoe', which is no widget folder here") as refused:
        WidgetRegistry.discover([widgets_dir(), tmp_path])
    assert str(path) in str(refused.value) and "phone" in str(refused.value)


def test_a_packs_own_widget_is_held_to_the_same_contract(tmp_path: Path) -> None:
    path = stars(
        tmp_path / "form_defs" / "demo" / "widgets",
        widget_class("def clena(self, question, value):", "    return value, []"),
    )
    with pytest.raises(
        WidgetError, match=r"StarsWidget\.clena is not a widget hook \(did you mean 'clean'\?\)"
    ):
        WidgetRegistry.discover(widget_roots(tmp_path / "form_defs", ["demo"]))
    assert path.is_file()


def test_a_class_keeps_only_the_hooks_it_defines(tmp_path: Path) -> None:
    stars(
        tmp_path,
        widget_class(
            "SCRIPTS = ()",
            "ROUTES = [count]",
            "_LIMIT = 5",
            "def clean(self, question, value):",
            "    return min(value, self._LIMIT), []",
            "@staticmethod",
            "def extract(question, data):",
            "    return 9",
        ),
    )
    widget = WidgetRegistry.discover([tmp_path])["stars"]
    assert widget.clean is not None and widget.clean(None, 7) == (5, [])  # type: ignore[arg-type]
    assert widget.extract is not None and widget.extract(None, {}) == 9  # type: ignore[arg-type]
    assert widget.receive is None and widget.context is None
    assert len(widget.routes) == 1 and widget.scripts == () and widget.uses == ()


def test_every_platform_widget_module_declares_its_widget_through_the_contract() -> None:
    registry = WidgetRegistry.discover([widgets_dir()])
    with_module = {path.parent.name for path in widgets_dir().glob("*/widget.py")}
    assert with_module <= {widget.name for widget in registry}
    assert HOOKS == ("extract", "receive", "clean", "context", "ROUTES", "SCRIPTS", "STYLES", "USES")
    assert all(isinstance(registry[name].routes, tuple) for name in with_module)
