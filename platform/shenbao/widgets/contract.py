"""The contract of a widget's ``widget.py``: one :class:`WidgetHooks` subclass, checked when it is discovered.

A widget declares its hooks as a class, the way Django's widgets are classes, so a misspelt hook or a hook of
the wrong kind stops the start-up with a message naming the file and the hook, instead of silently becoming
no hook at all::

    class RegionWidget(WidgetHooks[Region]):
        STYLES = ("widget.css",)
        ROUTES = (levels,)

        def clean(self, question: Region, value: Any) -> Cleaned: ...
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar, Final, Generic, TypeVar

from litestar import Controller, Router
from litestar.handlers import BaseRouteHandler

from shenbao.files import FileStore
from shenbao.regions import Divisions
from shenbao.settings import Settings

if TYPE_CHECKING:
    from shenbao.forms import Question

__all__ = [
    "HOOKS",
    "Cleaned",
    "FormData",
    "WidgetError",
    "WidgetHooks",
    "WidgetPlace",
    "WidgetRoute",
    "WidgetServices",
    "declared_widget",
    "defined_hook",
    "first_value",
    "rejected",
    "rejection",
    "widget_services",
]

FormData = Mapping[str, list[str]]
"""A posted form: every field name with all its values."""

Cleaned = tuple[Any, list[str]]
"""A cleaned value and the problems found, as ``shenbao.forms.values`` returns them."""

WidgetRoute = BaseRouteHandler | Router | type[Controller]
"""What a widget's ``ROUTES`` may hold: a route handler (``@get``, ``@post``…), a router or a controller."""

QuestionT = TypeVar("QuestionT", bound="Question")

_REJECTED = "rejected"


class WidgetError(RuntimeError):
    """A widget folder is malformed (a bad name, a missing asset, a module that fails to import, a duplicate, a
    hook that is not part of the contract)."""


def first_value(data: FormData, name: str) -> str:
    """The first value posted under ``name``, or ``""`` when there is none."""
    values = data.get(name)
    return values[0] if values else ""


def rejected(*messages: str) -> dict[str, list[str]]:
    """The value ``receive`` returns for a refused upload; evaluation reports ``messages`` at the question."""
    return {_REJECTED: list(messages)}


def rejection(value: Any) -> list[str] | None:
    """The messages of a :func:`rejected` value, or ``None`` for any other value."""
    if isinstance(value, dict) and set(value) == {_REJECTED} and isinstance(value[_REJECTED], list):
        return [str(message) for message in value[_REJECTED]]
    return None


@dataclass(frozen=True)
class WidgetPlace:
    """Where a widget's hooks work: the pack whose forms they draw and that pack's divisions.

    Each served pack gets its own hooks instance (:meth:`shenbao.widgets.WidgetRegistry.bind`), so a region
    answer of pack A's form is checked against pack A's divisions, and a picker without a ``root`` starts in
    pack A's province; nothing is looked up in a process-wide default.
    """

    divisions: Divisions
    pack: str = ""
    """The pack's code; ``""`` for the platform's own widgets over every served pack's divisions."""


NOWHERE: Final = WidgetPlace(Divisions(()))
"""The place of hooks that serve no pack (discovery's check of a class, a linter): no divisions at all."""


@dataclass(frozen=True)
class WidgetServices:
    """What a widget's ``receive`` and routes may use: the file store."""

    files: FileStore


@cache
def widget_services(settings: Settings) -> WidgetServices:
    """The widget services for an application's settings (built once per settings)."""
    return WidgetServices(files=FileStore.for_settings(settings))


class WidgetHooks(Generic[QuestionT]):
    """What a ``widget.py`` declares: subclass it once, overriding only the hooks the widget needs.

    A hook left as inherited is no hook: the platform then reads, checks and draws the answer as it does for a
    widget without ``widget.py``. Any other public name in the class is refused at discovery (start a helper's
    name with ``_``, or keep it in the module). The type parameter is the question type the widget draws.
    """

    def __init__(self, place: WidgetPlace = NOWHERE) -> None:
        self._place = place

    @property
    def place(self) -> WidgetPlace:
        """The pack these hooks serve and its divisions (set when the pack's registry is built)."""
        return self._place

    ROUTES: ClassVar[Sequence[WidgetRoute]] = ()
    """Route handlers mounted under ``<base>/widgets/<name>/`` (the region cascade, image uploads)."""
    SCRIPTS: ClassVar[Sequence[str] | None] = None
    """Script files in the folder, in load order; ``None``: ``widget.js`` when there is one."""
    STYLES: ClassVar[Sequence[str] | None] = None
    """Style files in the folder, in order; ``None``: ``widget.css`` when there is one."""
    USES: ClassVar[Sequence[str]] = ()
    """Other widgets whose macros this one draws (the multi-field widget draws the phone's): their assets
    load with it."""

    def extract(self, question: QuestionT, data: FormData) -> Any:
        """Read the question's raw answer out of a posted HTML form, when it is more than the one field named
        after the question (Django's ``value_from_datadict``)."""
        raise NotImplementedError  # never called: discovery records only the hooks a subclass defines

    async def receive(self, question: QuestionT, raw: Any, services: WidgetServices) -> Any:
        """Turn a raw answer from the browser or the JSON API into what the draft keeps (store an image, return
        its file reference); a refusal is returned as :func:`rejected`, never raised."""
        raise NotImplementedError

    def clean(self, question: QuestionT, value: Any) -> Cleaned:
        """Pure: check a draft value and return the value an application stores, with Chinese messages that
        say what to do."""
        raise NotImplementedError

    def context(self, question: QuestionT, value: Any, page: Mapping[str, Any]) -> Mapping[str, Any]:
        """What the macro needs beyond the question and value (Django's ``get_context``); ``page`` holds the
        request's page facts."""
        raise NotImplementedError


_METHODS: Final = {
    "extract": ("question", "data"),
    "receive": ("question", "raw", "services"),
    "clean": ("question", "value"),
    "context": ("question", "value", "page"),
}
_SEQUENCES: Final = ("ROUTES", "SCRIPTS", "STYLES", "USES")
HOOKS: Final = (*_METHODS, *_SEQUENCES)
"""Every hook name a widget class may define."""


def _refuse(path: Path, problem: str) -> WidgetError:
    return WidgetError(f"{path}: {problem}")


def declared_widget(module: ModuleType, path: Path, place: WidgetPlace = NOWHERE) -> WidgetHooks[Any]:
    """The widget a ``widget.py`` module declares, its hooks checked against the contract.

    Args:
        module: the imported ``widget.py``.
        path: its file, for the messages.
        place: the pack the hooks serve (:class:`WidgetPlace`).

    Raises:
        WidgetError: naming the file and the hook: a hook defined at module level, no :class:`WidgetHooks`
            subclass or more than one, an unknown (misspelt) name in the class, or a hook of the wrong kind.
    """
    stray = [name for name in HOOKS if name in vars(module)]
    if stray:
        raise _refuse(
            path,
            f"hook {', '.join(stray)} at module level, where it is never read: move it into the module's "
            "WidgetHooks subclass (class MyWidget(WidgetHooks[Question]): ...)",
        )
    classes = [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, WidgetHooks)
        and value is not WidgetHooks
        and value.__module__ == module.__name__
    ]
    if len(classes) != 1:
        found = (
            f"it has {len(classes)} ({', '.join(sorted(each.__name__ for each in classes))})"
            if classes
            else ""
        )
        raise _refuse(
            path,
            "declare the widget as exactly one subclass of shenbao.widgets.WidgetHooks "
            f"(class MyWidget(WidgetHooks[Question]): ...){'; ' + found if found else ''}",
        )
    widget_class = classes[0]
    for klass in widget_class.__mro__:
        if klass in (WidgetHooks, Generic, object):
            continue
        for name in vars(klass):
            if not name.startswith("_") and name not in HOOKS:
                raise _refuse(path, _unknown(widget_class.__name__, name))
    try:
        widget = widget_class(place)
    except Exception as error:
        raise _refuse(
            path,
            f"{widget_class.__name__}(place) failed: {error}; a widget class takes its WidgetPlace only "
            "(define no __init__, or call super().__init__(place))",
        ) from error
    if getattr(widget, "_place", None) is not place:  # its hooks would read no pack's divisions
        raise _refuse(
            path,
            f"{widget_class.__name__}.__init__ does not keep its WidgetPlace: define no __init__, or call "
            "super().__init__(place)",
        )
    for name, parameters in _METHODS.items():
        _check_method(path, widget, name, parameters)
    _check_sequences(path, widget)
    return widget


def _unknown(class_name: str, name: str) -> str:
    close = difflib.get_close_matches(name, HOOKS, n=1, cutoff=0.6) or [
        hook for hook in HOOKS if hook.lower() == name.lower()
    ]
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return (
        f"{class_name}.{name} is not a widget hook{hint}; the hooks are {', '.join(HOOKS)}. "
        "Start a helper's name with _ or keep it in the module"
    )


def _inherited(widget: WidgetHooks[Any], name: str) -> bool:
    return getattr(type(widget), name) is getattr(WidgetHooks, name)


def defined_hook(widget: WidgetHooks[Any], name: str) -> Callable[..., Any] | None:
    """The widget's bound hook ``name``, or ``None`` when its class left it as :class:`WidgetHooks` has it."""
    if _inherited(widget, name):
        return None
    hook: Callable[..., Any] = getattr(widget, name)
    return hook


def _check_method(path: Path, widget: WidgetHooks[Any], name: str, parameters: tuple[str, ...]) -> None:
    if _inherited(widget, name):
        return
    hook = getattr(widget, name)
    wanted = f"{'async ' if name == 'receive' else ''}def {name}(self, {', '.join(parameters)})"
    where = f"{type(widget).__name__}.{name}"
    if not callable(hook):
        raise _refuse(path, f"{where} is {hook!r}: it must be a method, {wanted}")
    if inspect.iscoroutinefunction(hook) != (name == "receive"):
        raise _refuse(path, f"{where} is {'not ' if name == 'receive' else ''}a coroutine: write {wanted}")
    try:
        inspect.signature(hook).bind(*parameters)
    except TypeError as error:
        raise _refuse(path, f"{where} must take ({', '.join(parameters)}): {error}; write {wanted}") from None
    except ValueError:
        return  # a callable without a signature (a builtin): nothing to check


def _check_sequences(path: Path, widget: WidgetHooks[Any]) -> None:
    name = type(widget).__name__
    for hook in _SEQUENCES:
        value = getattr(widget, hook)
        if value is None and hook in ("SCRIPTS", "STYLES"):
            continue
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise _refuse(
                path, f"{name}.{hook} is {value!r}: it must be a tuple, e.g. {hook} = ({_example(hook)},)"
            )
        for index, item in enumerate(value):
            if hook == "ROUTES" and not _is_route(item):
                raise _refuse(
                    path,
                    f"{name}.ROUTES[{index}] is {item!r}, not a route handler: decorate the function with "
                    "litestar's @get or @post (or list a Router or a Controller)",
                )
            if hook != "ROUTES" and not isinstance(item, str):
                raise _refuse(
                    path, f"{name}.{hook}[{index}] is {item!r}: it must be a name, e.g. {_example(hook)}"
                )


def _is_route(item: object) -> bool:
    return isinstance(item, BaseRouteHandler | Router) or (
        inspect.isclass(item) and issubclass(item, Controller)
    )


def _example(hook: str) -> str:
    return {"ROUTES": "upload", "SCRIPTS": '"widget.js"', "STYLES": '"widget.css"', "USES": '"phone"'}[hook]
