"""The widgets' side of page rendering: their templates, their assets in the page head, their template globals."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, pass_environment
from markupsafe import Markup

from shenbao.files import THUMBNAIL_WIDTHS, FileStore, parse_ref
from shenbao.forms import Question
from shenbao.pack_runtime import Packs
from shenbao.widgets import CHECK_APPLICATION, PACK, WidgetRegistry, page_facts, widget_name

__all__ = ["install_widget_templates", "page_widgets", "widget_assets"]


def page_widgets(
    packs: Packs, pack_of: Callable[[str], str | None] | None, facts: Mapping[str, Any]
) -> WidgetRegistry:
    """The widgets of the form the page draws: its pack's (the page fact ``pack``, else ``pack_of`` the page's
    ``form_id``); the platform's alone, over every served pack's divisions, for a page of no pack's form."""
    pack = facts.get(PACK)
    if not pack and pack_of is not None and facts.get("form_id"):
        pack = pack_of(str(facts["form_id"]))
    return packs.widgets_of(str(pack) if pack else None)


def widget_assets(registry: WidgetRegistry, questions: Iterable[Question], base: str = "") -> Markup:
    """The ``<style>`` and deferred ``<script>`` tags of the widgets ``questions`` use, each once."""
    used = registry.used_by(questions)
    css = "".join(widget.css for widget in used)
    tags = [Markup("<style>{}</style>").format(Markup(css.replace("</", "<\\/")))] if css else []
    tags += [
        Markup('<script src="{}" defer></script>').format(
            f"{base}/widgets/_assets/{widget.name}/{script}?v={widget.version}"
        )
        for widget in used
        for script in widget.scripts
    ]
    return Markup("\n").join(tags)


def install_widget_templates(
    packs: Packs,
    environment: Environment,
    files: FileStore,
    pack_of: Callable[[str], str | None] | None = None,
) -> None:
    """Give ``environment`` the widgets' templates and the globals their macros call.

    The globals draw with the widgets of the page's form's pack (:func:`page_widgets`): a region picker of pack A's
    form starts in pack A's province. Two served packs never have a widget of the same name
    (:class:`~shenbao.pack_runtime.Packs` refuses it), so the templates share one ``widgets/<name>/`` namespace.

    Globals: ``widget_name(q)`` (the folder to import the macro from), ``widget_macros(q)`` (the macros of that
    folder's ``widget.html``, as ``{% import %}`` would give them), ``widget_context(q, value)``,
    ``widget_assets(questions)`` (for the page head), ``file_url(ref, width=480)`` (a signed thumbnail
    URL, or ``None`` when ``ref`` is not a file reference) and ``file_urls(refs, width=480)`` (the thumbnail
    URLs of a list of file references, an upload's answer; empty unless every item is one) and
    ``upload_url(name)`` (where widget ``name``'s script uploads, naming the page's form and, on a household
    check, its application: the upload routes accept only pictures for a live draft).
    """
    # Widget folders first (a pack's widgets live outside templates/), then whatever the environment had.
    folders = {widget.name: FileSystemLoader(widget.folder) for widget in packs.every_widget()}
    loaders = [PrefixLoader({"widgets": PrefixLoader(folders)})]
    environment.loader = ChoiceLoader(loaders + ([environment.loader] if environment.loader else []))

    @pass_environment
    def assets(env: Environment, questions: Iterable[Question]) -> Markup:
        registry = page_widgets(packs, pack_of, page_facts())
        return widget_assets(registry, questions, str(env.globals.get("base", "")))

    def widget_context(
        question: Question, value: Any, page: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        facts = page_facts()
        widget = page_widgets(packs, pack_of, {**facts, **(page or {})}).for_question(question)
        if widget is None or widget.context is None:
            return {}
        return widget.context(question, value, page if page is not None else facts)

    @pass_environment
    def file_url(env: Environment, ref: Any, width: int = 480) -> str | None:
        parsed = parse_ref(ref)
        if parsed is None or width not in THUMBNAIL_WIDTHS:
            return None
        return files.url(parsed, str(env.globals.get("base", "")), width)

    @pass_environment
    def file_urls(env: Environment, refs: Any, width: int = 480) -> list[str]:
        if not isinstance(refs, list) or width not in THUMBNAIL_WIDTHS:
            return []
        parsed = [parse_ref(ref) for ref in refs]
        if not all(parsed):
            return []
        base = str(env.globals.get("base", ""))
        return [files.url(ref, base, width) for ref in parsed if ref is not None]

    @pass_environment
    def upload_url(env: Environment, name: str) -> str:
        facts = page_facts()
        query = urlencode({"f": facts.get("form_id", ""), "a": facts.get(CHECK_APPLICATION) or ""})
        return f"{env.globals.get('base', '')}/widgets/{name}/upload?{query.removesuffix('&a=')}"

    def widget_macros(question: Any) -> Any:
        return environment.get_template(f"widgets/{widget_name(question)}/widget.html").module

    environment.globals.update(
        upload_url=upload_url,
        widget_macros=widget_macros,
        widget_assets=assets,
        widget_context=widget_context,
        widget_name=widget_name,
        file_url=file_url,
        file_urls=file_urls,
    )
