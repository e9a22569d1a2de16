"""Discovery: each widget folder read once (its assets checked, its ``widget.py`` held to the contract), and the
registry that the pages, the answer flow and evaluation ask."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
import typing
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jinja2 import BaseLoader, FileSystemLoader, PrefixLoader

from shenbao.files import FileStoreUnavailableError
from shenbao.paths import form_defs_dir, widgets_dir
from shenbao.widgets.contract import (
    NOWHERE,
    Cleaned,
    FormData,
    WidgetError,
    WidgetHooks,
    WidgetPlace,
    WidgetRoute,
    WidgetServices,
    declared_widget,
    defined_hook,
    rejected,
    rejection,
)

if TYPE_CHECKING:
    from shenbao.forms import CompiledForm, Question

__all__ = ["Widget", "WidgetRegistry", "widget_name", "widget_roots"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def widget_name(question: Question) -> str:
    """The name of the widget folder that draws ``question``."""
    return str(getattr(question, "widget", None) or question.__struct_config__.tag)


@dataclass(frozen=True)
class Widget:
    """One discovered widget folder and the hooks its ``widget.py`` class defines (``None`` where it defines none)."""

    name: str
    folder: Path
    extract: Callable[[Question, FormData], Any] | None = None
    receive: Callable[[Question, Any, WidgetServices], Awaitable[Any]] | None = None
    clean: Callable[[Question, Any], Cleaned] | None = None
    context: Callable[[Question, Any, Mapping[str, Any]], Mapping[str, Any]] | None = None
    routes: tuple[WidgetRoute, ...] = ()
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    uses: tuple[str, ...] = ()
    css: str = ""
    """Its styles, read once: pages inline them."""
    draws: str | None = None
    """The question type it is made for (the type parameter of its class: ``WidgetHooks[NumberQuestion]`` draws
    ``number``); ``None`` when it does not say. The builder offers a pack's widget for its type only."""
    version: str = field(default="")
    """A hash of the assets, for cache-busting URLs."""
    hooks: WidgetHooks[Any] = field(default_factory=WidgetHooks, repr=False, compare=False)
    """The hooks instance, made for one pack (:attr:`WidgetHooks.place`)."""

    @property
    def place(self) -> WidgetPlace:
        """The pack this widget's hooks serve and its divisions."""
        return self.hooks.place

    def bind(self, place: WidgetPlace) -> Widget:
        """The same widget (its code and assets, imported once) with hooks made for ``place``'s pack."""
        hooks = type(self.hooks)(place)
        return replace(
            self,
            hooks=hooks,
            extract=defined_hook(hooks, "extract"),
            receive=defined_hook(hooks, "receive"),
            clean=defined_hook(hooks, "clean"),
            context=defined_hook(hooks, "context"),
        )

    @classmethod
    def load(cls, folder: Path, place: WidgetPlace = NOWHERE) -> Widget:
        """Read a widget folder: import its ``widget.py`` (if any), check its class and its assets.

        Args:
            folder: the widget's folder.
            place: the pack its hooks serve (:meth:`bind` makes them for another).

        Raises:
            WidgetError: the folder name is not a lower-case identifier, ``widget.html`` or a declared asset is
                missing, ``widget.py`` fails to import, or its class breaks the contract
                (:func:`~shenbao.widgets.contract.declared_widget` says how).
        """
        name = folder.name
        if not _NAME.match(name):
            raise WidgetError(f"widget folder {folder}: name it in lower case, letters, digits and _ only")
        if not (folder / "widget.html").is_file():
            raise WidgetError(
                f"widget folder {folder} has no widget.html: add one with a macro render(q, value)"
            )
        path = folder / "widget.py"
        hooks = (
            declared_widget(_import(name, path), path, place) if path.is_file() else WidgetHooks[Any](place)
        )
        scripts = _assets(hooks.SCRIPTS, "SCRIPTS", folder, "widget.js")
        styles = _assets(hooks.STYLES, "STYLES", folder, "widget.css")
        digest = hashlib.sha256()
        for asset in (*scripts, *styles):
            digest.update((folder / asset).read_bytes())
        return cls(
            name=name,
            folder=folder,
            extract=defined_hook(hooks, "extract"),
            receive=defined_hook(hooks, "receive"),
            clean=defined_hook(hooks, "clean"),
            context=defined_hook(hooks, "context"),
            routes=tuple(hooks.ROUTES),
            scripts=scripts,
            styles=styles,
            uses=tuple(hooks.USES),
            css="".join((folder / style).read_text("utf-8") for style in styles),
            draws=_drawn_type(type(hooks)),
            version=digest.hexdigest()[:10],
            hooks=hooks,
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


def _drawn_type(hooks: type) -> str | None:
    """The question type tag a hooks class is parametrised with (``WidgetHooks[NumberQuestion]`` → ``number``)."""
    for klass in hooks.__mro__:
        for base in getattr(klass, "__orig_bases__", ()):
            if typing.get_origin(base) is WidgetHooks:
                arguments = typing.get_args(base)
                config = getattr(arguments[0], "__struct_config__", None) if arguments else None
                tag = getattr(config, "tag", None)
                return tag if isinstance(tag, str) else None
    return None


def _assets(declared: Sequence[str] | None, hook: str, folder: Path, default: str) -> tuple[str, ...]:
    if declared is None:
        return (default,) if (folder / default).is_file() else ()
    for asset in declared:
        if "/" in asset or not (folder / asset).is_file():
            raise WidgetError(
                f"{folder / 'widget.py'}: {hook} names {asset!r}, which is not a file beside it"
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
        for widget in self._widgets.values():
            for name in widget.uses:
                if name not in self._widgets:
                    raise WidgetError(
                        f"{widget.folder / 'widget.py'}: USES names {name!r}, which is no widget folder here; "
                        f"the widgets are {', '.join(sorted(self._widgets))}"
                    )

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

    def bind(self, place: WidgetPlace) -> WidgetRegistry:
        """These widgets with hooks made for ``place``'s pack (the modules stay imported once)."""
        return WidgetRegistry(widget.bind(place) for widget in self)

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

    def drawn(self) -> dict[str, str | None]:
        """Each widget's name and the question type it draws: what a form's questions may name."""
        return {widget.name: widget.draws for widget in self}

    def cleaners(self) -> dict[str, Callable[[Question, Any], Cleaned]]:
        """``{question type: cleaner}`` for every widget with a ``clean``: what ``forms.values`` should call."""
        return {name: self.clean for name, widget in self._widgets.items() if widget.clean is not None}

    async def receive(
        self,
        form: CompiledForm,
        answers: Mapping[str, Any],
        services: WidgetServices,
        *,
        at_question: bool = True,
    ) -> dict[str, Any]:
        """``answers`` with each widget's ``receive`` applied (images checked and stored, references verified).

        An answer the file store could not take (it does not answer) comes back :func:`rejected` with
        :data:`shenbao.files.UNAVAILABLE`, so the page is drawn again with the farmer's other answers kept; with
        ``at_question=False`` (the JSON API, which stores nothing then) the
        :class:`~shenbao.files.FileStoreUnavailableError` is raised instead, for a 503 the client retries.
        """
        received = dict(answers)
        for question_id, raw in answers.items():
            question = form.by_id.get(question_id)
            widget = self.for_question(question) if question is not None else None
            if question is not None and widget is not None and widget.receive is not None and raw is not None:
                try:
                    received[question_id] = await widget.receive(question, raw, services)
                except FileStoreUnavailableError as error:  # the other answers are kept all the same
                    if not at_question:
                        raise
                    received[question_id] = rejected(str(error))
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
                    used.setdefault(name, self._widgets[name])
        return list(used.values())
