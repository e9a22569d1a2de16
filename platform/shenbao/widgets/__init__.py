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
``widget.py`` (optional)
    One class, a subclass of :class:`WidgetHooks` (:mod:`shenbao.widgets.contract`), defining any of these
    hooks; discovery refuses, naming the file and the hook, any other public name in the class, a hook left at
    module level, and a hook of the wrong kind (a ``receive`` that is not ``async``, ``ROUTES`` that are not
    route handlers):

    ``extract(self, question, data) -> raw``
        Read the question's raw answer out of a posted HTML form (``data`` maps every field name to its
        values), when it is more than the one field named after the question. Django's
        ``value_from_datadict``.
    ``async receive(self, question, raw, services) -> value``
        Turn a raw answer from the browser or the JSON API into what the draft keeps: decode, check and store
        an image, return its file reference. A refusal is returned as :func:`rejected` (the draft keeps it and
        :meth:`WidgetRegistry.clean` reports its messages), never raised.
    ``clean(self, question, value) -> (value, problems)``
        Pure: check a draft value and return the value an application stores, with Chinese messages that say
        what to do. Used by evaluation, so the web pages and the JSON API check the same way.
        A hook reads its pack's divisions from ``self.place.divisions`` (:class:`WidgetPlace`): each served pack
        gets its own instance of the class, so a region answer is checked against the province of the form's
        pack, never a process-wide default.
    ``context(self, question, value, page) -> dict``
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
platform's). Each served pack has its own :class:`WidgetRegistry` (:mod:`shenbao.pack_runtime`): the platform's
widgets and its own, their hooks made for the pack (:class:`WidgetPlace`: its divisions). A form sees its pack's
widgets only; there is no process-wide registry.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from shenbao.files import UploadGate
from shenbao.settings import Settings
from shenbao.widgets.contract import (
    HOOKS,
    NOWHERE,
    Cleaned,
    FormData,
    WidgetError,
    WidgetHooks,
    WidgetPlace,
    WidgetRoute,
    WidgetServices,
    first_value,
    rejected,
    rejection,
    widget_services,
)
from shenbao.widgets.registry import Widget, WidgetRegistry, widget_name, widget_roots

if TYPE_CHECKING:
    from shenbao.forms import CompiledForm

__all__ = [
    "AT_HOUSEHOLD_VISIT",
    "CHECK_APPLICATION",
    "HOOKS",
    "NOWHERE",
    "PACK",
    "Cleaned",
    "FormData",
    "Widget",
    "WidgetError",
    "WidgetHooks",
    "WidgetPlace",
    "WidgetRegistry",
    "WidgetRoute",
    "WidgetServices",
    "first_value",
    "page_facts",
    "receive_answers",
    "rejected",
    "rejection",
    "set_page_facts",
    "widget_name",
    "widget_roots",
    "widget_services",
]

AT_HOUSEHOLD_VISIT = "at_household_visit"
"""A page fact (:func:`set_page_facts`): a village handler fills this page at the household visit (the household
check), so a widget's words are for the handler, not the farmer (the place of the visit, the family signing)."""

CHECK_APPLICATION = "check_application"
"""A page fact: the id of the application whose household check the page fills; its uploads name it, so the
upload routes know the handler's draft (``shenbao.web.upload_access``)."""

PACK = "pack"
"""A page fact: the code of the pack whose form the page draws (a form being built or tried, not yet published);
a published form's pack is found from its ``form_id``."""

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


async def receive_answers(
    widgets: WidgetRegistry,
    form: CompiledForm,
    answers: Mapping[str, Any],
    settings: Settings,
    *,
    gate: UploadGate,
    keep: bool = True,
    at_question: bool = True,
) -> dict[str, Any]:
    """The form's widgets' ``receive`` over ``answers``: call it on every answer from outside before storing it.

    The farmer pages call it through ``web.answers.received_section_answers``; the JSON API calls it on the
    posted ``answers`` before evaluating them, so an image sent as a data URL is stored and a forged file
    reference is refused.

    Args:
        widgets: the widgets of the form's pack (``services.packs.widgets_of(...)``).
        form: the form answered.
        answers: the raw answers.
        settings: the platform's settings (where files are kept).
        gate: lets each new picture in, or refuses it (the draft's and the address's quotas).
        keep: ``False`` checks pictures without keeping them (an evaluation that stores nothing).
        at_question: a file store that does not answer is an error at the picture's question (the pages: the
            farmer's other answers are kept); ``False`` raises
            :class:`~shenbao.files.FileStoreUnavailableError` instead (the JSON API answers 503).
    """
    files = widget_services(settings).files.admitting(gate, keep=keep)
    return await widgets.receive(form, answers, WidgetServices(files=files), at_question=at_question)
