"""Widgets: one folder each under ``widgets/<name>/``, discovered at start-up, never registered by hand.

A widget folder holds:

``widget.html`` (required)
    A Jinja macro ``render(q, value)`` that draws the question's input; ``value`` is the draft's raw answer.
    A macro that takes a third argument named ``ev`` gets the page's evaluation and draws what is wrong itself:
    it marks a wrong input ``aria-invalid`` and puts a blank's messages (``ev.blank_errors``) right under that
    blank, while the question's box shows only the rest (``ev.own_errors``) and names the input it is about
    (``data-for="i-<id>"``). Such a widget may define ``swap_errors(q, ev)``: its own message boxes, with
    ``hx-swap-oob``, sent by the htmx swap whenever the question's messages change; the page's script marks or
    clears each box's ``data-for`` input with it. Helper macros and partial templates may sit beside it.
``widget.py`` (optional), any of:
    ``extract(question, data) -> raw``
        Read the question's raw answer out of a posted HTML form (``data`` maps every field name to its
        values), when it is more than the one field named after the question. Django's
        ``value_from_datadict``.
    ``async receive(question, raw, services) -> value``
        Turn a raw answer from the browser or the JSON API into what the draft keeps: decode, check and store
        an image, return its file reference. A refusal is returned as :func:`rejected` (the draft keeps it and
        :meth:`WidgetRegistry.clean` reports its messages), never raised.
    ``clean(question, value) -> (value, problems)``
        Pure: check a draft value and return the value an application stores, with Chinese messages that say
        what to do. Used by evaluation, so the web pages and the JSON API check the same way.
    ``context(question, value, page) -> dict``
        What the macro needs beyond the question and value (Django's ``get_context``), available to the macro
        as ``widget_context(q, value)``; ``page`` holds the request's :func:`set_page_facts` (``preset_region``,
        :data:`AT_HOUSEHOLD_VISIT`).
    ``ROUTES``
        Litestar route handlers mounted under ``<base>/widgets/<name>/`` (the region cascade, image uploads).
    ``SCRIPTS`` / ``STYLES``
        Asset files in the folder, in load order (default: ``widget.js`` / ``widget.css`` when present). A page
        loads them only when it holds the widget: ``widget_assets(questions)`` in the page head.
    ``USES``
        Names of other widgets whose macros it draws (the multi-field widget draws the phone code controls):
        their assets load with it.

A question is drawn by the widget named after its type (or by its ``widget`` field, once the model has one).
Platform widgets live in the package's ``widgets/``; a province pack adds its own in
``form_defs/<pack>/widgets/<name>/`` without touching platform code (a pack may add widgets, not replace the
platform's).
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, FileSystemLoader, PrefixLoader

from shenbao.files import FileStore, UploadGate
from shenbao.paths import form_defs_dir, widgets_dir
from shenbao.regions import divisions_of, use_divisions
from shenbao.settings import Settings

if TYPE_CHECKING:
    from shenbao.forms import CompiledForm, Question

__all__ = [
    "AT_HOUSEHOLD_VISIT",
    "CHECK_APPLICATION",
    "Cleaned",
    "FormData",
    "Widget",
    "WidgetError",
    "WidgetRegistry",
    "WidgetServices",
    "configure_widgets",
    "first_value",
    "installed_widgets",
    "page_facts",
    "receive_answers",
    "rejected",
    "rejection",
    "set_page_facts",
    "use_widgets",
    "widget_name",
    "widget_roots",
    "widget_services",
]

FormData = Mapping[str, list[str]]
"""A posted form: every field name with all its values."""


def first_value(data: FormData, name: str) -> str:
    """The first value posted under ``name``, or ``""`` when there is none."""
    values = data.get(name)
    return values[0] if values else ""


Cleaned = tuple[Any, list[str]]
"""A cleaned value and the problems found, as ``shenbao.forms.values`` returns them."""

AT_HOUSEHOLD_VISIT = "at_household_visit"
"""A page fact (:func:`set_page_facts`): a village handler fills this page at the household visit (the household
check), so a widget's words are for the handler, not the farmer (the place of the visit, the family signing)."""

CHECK_APPLICATION = "check_application"
"""A page fact: the id of the application whose household check the page fills; its uploads name it, so the
upload routes know the handler's draft (``shenbao.web.upload_access``)."""

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REJECTED = "rejected"

# Facts about the page being rendered that a widget may use (``preset_region`` from a village's QR code). A
# context variable, like the page language, so the widget macros stay imported without context.
_page_facts: ContextVar[Mapping[str, Any] | None] = ContextVar("shenbao_page_facts", default=None)


def set_page_facts(**facts: Any) -> None:
    """Tell the widgets about the page being rendered, e.g. ``set_page_facts(preset_region="620102001001")``.

    Call it in the request handler before rendering; it lasts for that request only.
    """
    _page_facts.set(facts)


def page_facts() -> Mapping[str, Any]:
    """The facts :func:`set_page_facts` gave for this request (none by default)."""
    return _page_facts.get() or {}


class WidgetError(RuntimeError):
    """A widget folder is malformed (a bad name, a missing asset, a module that fails to import, a duplicate)."""


def rejected(*messages: str) -> dict[str, list[str]]:
    """The value ``receive`` returns for a refused upload; evaluation reports ``messages`` at the question."""
    return {_REJECTED: list(messages)}


def rejection(value: Any) -> list[str] | None:
    """The messages of a :func:`rejected` value, or ``None`` for any other value."""
    if isinstance(value, dict) and set(value) == {_REJECTED} and isinstance(value[_REJECTED], list):
        return [str(message) for message in value[_REJECTED]]
    return None


def widget_name(question: Question) -> str:
    """The name of the widget folder that draws ``question``."""
    return str(getattr(question, "widget", None) or question.__struct_config__.tag)


@dataclass(frozen=True)
class WidgetServices:
    """What a widget's ``receive`` and routes may use: the file store."""

    files: FileStore


@cache
def widget_services(settings: Settings) -> WidgetServices:
    """The widget services for an application's settings (built once per settings)."""
    return WidgetServices(files=FileStore.for_settings(settings))


@dataclass(frozen=True)
class Widget:
    """One discovered widget folder and the hooks its ``widget.py`` defines (``None`` where it defines none)."""

    name: str
    folder: Path
    extract: Callable[[Question, FormData], Any] | None = None
    receive: Callable[[Question, Any, WidgetServices], Awaitable[Any]] | None = None
    clean: Callable[[Question, Any], Cleaned] | None = None
    context: Callable[[Question, Any, Mapping[str, Any]], Mapping[str, Any]] | None = None
    routes: tuple[Any, ...] = ()
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    css: str = ""
    """Its styles, read once: pages inline them."""
    version: str = field(default="")
    """A hash of the assets, for cache-busting URLs."""

    @classmethod
    def load(cls, folder: Path) -> Widget:
        """Read a widget folder: import its ``widget.py`` (if any) and check its assets exist.

        Raises:
            WidgetError: the folder name is not a lower-case identifier, ``widget.html`` or a declared asset is
                missing, or ``widget.py`` fails to import.
        """
        name = folder.name
        if not _NAME.match(name):
            raise WidgetError(f"widget folder {folder}: name it in lower case, letters, digits and _ only")
        if not (folder / "widget.html").is_file():
            raise WidgetError(
                f"widget folder {folder} has no widget.html: add one with a macro render(q, value)"
            )
        module = _import(name, folder / "widget.py") if (folder / "widget.py").is_file() else None
        hooks = {hook: getattr(module, hook, None) for hook in ("extract", "receive", "clean", "context")}
        scripts = _assets(module, "SCRIPTS", folder, "widget.js")
        styles = _assets(module, "STYLES", folder, "widget.css")
        digest = hashlib.sha256()
        for asset in (*scripts, *styles):
            digest.update((folder / asset).read_bytes())
        return cls(
            name=name,
            folder=folder,
            routes=tuple(getattr(module, "ROUTES", ())),
            scripts=scripts,
            styles=styles,
            uses=tuple(getattr(module, "USES", ())),
            css="".join((folder / style).read_text("utf-8") for style in styles),
            version=digest.hexdigest()[:10],
            **hooks,
        )


def _import(name: str, path: Path) -> ModuleType:
    module_name = f"shenbao_widget_{name}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise WidgetError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # type hints of its route handlers are resolved through sys.modules
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[module_name]
        raise WidgetError(f"{path} failed to import: {error}") from error
    return module


def _assets(module: ModuleType | None, attribute: str, folder: Path, default: str) -> tuple[str, ...]:
    declared = getattr(module, attribute, None)
    if declared is None:
        return (default,) if (folder / default).is_file() else ()
    for asset in declared:
        if "/" in asset or not (folder / asset).is_file():
            raise WidgetError(
                f"{folder / 'widget.py'}: {attribute} names {asset!r}, which is not a file beside it"
            )
    return tuple(declared)


def widget_roots(form_defs: Path | None = None, packs: Iterable[str] | None = None) -> list[Path]:
    """Where widgets are looked for: the platform's ``widgets/``, then each pack's ``<form_defs>/<pack>/widgets/``.

    Args:
        form_defs: the packs' folder (the shipped ``form_defs/`` by default).
        packs: the packs to include (every pack in the folder by default).
    """
    root = form_defs or form_defs_dir()
    folders = (
        [root / pack / "widgets" for pack in packs] if packs is not None else sorted(root.glob("*/widgets"))
    )
    return [widgets_dir(), *(folder for folder in folders if folder.is_dir())]


class WidgetRegistry:
    """The discovered widgets by name, and what the pages, the answer flow and evaluation ask of them."""

    def __init__(self, widgets: Iterable[Widget]) -> None:
        self._widgets: dict[str, Widget] = {}
        for widget in widgets:
            if widget.name in self._widgets:
                other = self._widgets[widget.name].folder
                raise WidgetError(
                    f"two widgets are named {widget.name!r}: {other} and {widget.folder}; rename one"
                )
            self._widgets[widget.name] = widget

    @classmethod
    def discover(cls, roots: Iterable[Path]) -> WidgetRegistry:
        """Load every widget folder (a sub-folder with a ``widget.html``) under each of ``roots``."""
        return cls(
            Widget.load(folder)
            for root in roots
            for folder in sorted(root.iterdir())
            if folder.is_dir()
            and not folder.name.startswith(("_", "."))
            and (folder / "widget.html").is_file()
        )

    def __iter__(self) -> Iterator[Widget]:
        return iter(self._widgets.values())

    def __len__(self) -> int:
        return len(self._widgets)

    def __contains__(self, name: object) -> bool:
        return name in self._widgets

    def __getitem__(self, name: str) -> Widget:
        return self._widgets[name]

    def get(self, name: str) -> Widget | None:
        return self._widgets.get(name)

    def for_question(self, question: Question) -> Widget | None:
        """The widget that draws ``question``: the one its ``widget`` field names, else its type's.

        (The form model has no ``widget`` field yet; with one, a question could use a pack's own widget.)
        """
        return self._widgets.get(widget_name(question))

    def clean(self, question: Question, raw: Any) -> Cleaned:
        """Check a draft value with its widget's ``clean``; a :func:`rejected` value gives its own messages."""
        messages = rejection(raw)
        if messages is not None:
            return None, messages
        widget = self.for_question(question)
        if widget is None or widget.clean is None:
            return raw, []
        return widget.clean(question, raw)

    def cleaners(self) -> dict[str, Callable[[Question, Any], Cleaned]]:
        """``{question type: cleaner}`` for every widget with a ``clean``: what ``forms.values`` should call."""
        return {name: self.clean for name, widget in self._widgets.items() if widget.clean is not None}

    async def receive(
        self, form: CompiledForm, answers: Mapping[str, Any], services: WidgetServices
    ) -> dict[str, Any]:
        """``answers`` with each widget's ``receive`` applied (images checked and stored, references verified)."""
        received = dict(answers)
        for question_id, raw in answers.items():
            question = form.by_id.get(question_id)
            widget = self.for_question(question) if question is not None else None
            if question is not None and widget is not None and widget.receive is not None and raw is not None:
                received[question_id] = await widget.receive(question, raw, services)
        return received

    def template_loader(self) -> BaseLoader:
        """A loader for ``<name>/<file>`` in each widget's own folder: put it under the ``widgets`` prefix."""
        return PrefixLoader({widget.name: FileSystemLoader(widget.folder) for widget in self})

    def used_by(self, questions: Iterable[Question]) -> list[Widget]:
        """The widgets ``questions`` are drawn with, and those they use, each once, in order."""
        used: dict[str, Widget] = {}
        for question in questions:
            widget = self.for_question(question)
            if widget is not None:
                used.setdefault(widget.name, widget)
                for name in widget.uses:
                    if name in self._widgets:
                        used.setdefault(name, self._widgets[name])
        return list(used.values())


class _Current:
    registry: WidgetRegistry | None = None


def installed_widgets() -> WidgetRegistry:
    """The widgets in use: those :func:`configure_widgets` found, else the platform's and every shipped pack's."""
    if _Current.registry is None:
        _Current.registry = WidgetRegistry.discover(widget_roots())
    return _Current.registry


def use_widgets(registry: WidgetRegistry) -> None:
    """Make ``registry`` the widgets in use (what :func:`configure_widgets` does with the ones it finds)."""
    _Current.registry = registry


def configure_widgets(settings: Settings) -> WidgetRegistry:
    """Discover the widgets, and load the region data, of the packs ``settings`` publishes; use them from now on."""
    root = settings.form_defs or form_defs_dir()
    _Current.registry = _discovered(tuple(widget_roots(root, settings.packs)))
    use_divisions(divisions_of(root, tuple(settings.packs)))
    return _Current.registry


@cache
def _discovered(roots: tuple[Path, ...]) -> WidgetRegistry:
    # Once per set of folders: every app built in one process (tests build many) shares the imported modules.
    return WidgetRegistry.discover(roots)


async def receive_answers(
    form: CompiledForm,
    answers: Mapping[str, Any],
    settings: Settings,
    *,
    gate: UploadGate,
    keep: bool = True,
) -> dict[str, Any]:
    """The installed widgets' ``receive`` over ``answers``: call it on every answer from outside before storing it.

    The farmer pages call it through ``web.answers.received_section_answers``; the JSON API calls it on the
    posted ``answers`` before evaluating them, so an image sent as a data URL is stored and a forged file
    reference is refused.

    Args:
        form: the form answered.
        answers: the raw answers.
        settings: the platform's settings (where files are kept).
        gate: lets each new picture in, or refuses it (the draft's and the address's quotas).
        keep: ``False`` checks pictures without keeping them (an evaluation that stores nothing).
    """
    files = widget_services(settings).files.admitting(gate, keep=keep)
    return await installed_widgets().receive(form, answers, WidgetServices(files=files))
