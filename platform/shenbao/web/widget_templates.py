"""The widgets' side of page rendering: their templates, their assets in the page head, their template globals."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from jinja2 import ChoiceLoader, Environment, PrefixLoader, pass_environment
from markupsafe import Markup

from shenbao.files import THUMBNAIL_WIDTHS, FileStore, parse_ref
from shenbao.forms import Question
from shenbao.widgets import CHECK_APPLICATION, WidgetRegistry, page_facts, widget_name

__all__ = ["install_widget_templates", "widget_assets"]


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


def install_widget_templates(registry: WidgetRegistry, environment: Environment, files: FileStore) -> None:
    """Give ``environment`` the widgets' templates and the globals their macros call.

    Globals: ``widget_name(q)`` (the folder to import the macro from), ``widget_context(q, value)``,
    ``widget_assets(questions)`` (for the page head), ``file_url(ref, width=480)`` (a signed thumbnail
    URL, or ``None`` when ``ref`` is not a file reference) and ``file_urls(refs, width=480)`` (the thumbnail
    URLs of a list of file references, an upload's answer; empty unless every item is one) and
    ``upload_url(name)`` (where widget ``name``'s script uploads, naming the page's form and, on a household
    check, its application: the upload routes accept only pictures for a live draft).
    """
    # Widget folders first (a pack's widgets live outside templates/), then whatever the environment had.
    loaders = [PrefixLoader({"widgets": registry.template_loader()})]
    environment.loader = ChoiceLoader(loaders + ([environment.loader] if environment.loader else []))

    @pass_environment
    def assets(env: Environment, questions: Iterable[Question]) -> Markup:
        return widget_assets(registry, questions, str(env.globals.get("base", "")))

    def widget_context(
        question: Question, value: Any, page: Mapping[str, Any] | None = None
    ) -> Mapping[str, Any]:
        widget = registry.for_question(question)
        if widget is None or widget.context is None:
            return {}
        return widget.context(question, value, page if page is not None else page_facts())

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

    environment.globals.update(
        upload_url=upload_url,
        widget_assets=assets,
        widget_context=widget_context,
        widget_name=widget_name,
        file_url=file_url,
        file_urls=file_urls,
    )
