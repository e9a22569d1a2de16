"""Page rendering with the platform's own Jinja2 environment.

The platform renders its pages itself instead of through the host application's template engine, so a host
app that embeds it keeps whatever template configuration it already has.
"""

from __future__ import annotations

from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from litestar import Response
from litestar.status_codes import HTTP_200_OK

from shenbao.forms import Question, text_of
from shenbao.paths import templates_dir, widgets_dir

__all__ = ["Renderer", "question_type"]


def question_type(question: Question) -> str:
    """The question's type name, which is also the name of its widget folder."""
    return str(question.__struct_config__.tag)


class Renderer:
    """Renders templates from ``templates/`` and widget templates from ``widgets/`` (as ``widgets/<name>/...``)."""

    def __init__(self, base: str, static_version: str) -> None:
        self.environment = Environment(
            loader=ChoiceLoader(
                [
                    FileSystemLoader(templates_dir()),
                    PrefixLoader({"widgets": FileSystemLoader(widgets_dir())}),
                ]
            ),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,
        )
        self.environment.globals.update(base=base, static_version=static_version)
        self.environment.filters["t"] = text_of
        self.environment.filters["qtype"] = question_type

    def render(self, template: str, **context: Any) -> str:
        return self.environment.get_template(template).render(context)

    def page(self, template: str, *, status_code: int = HTTP_200_OK, **context: Any) -> Response[str]:
        """An HTML response; pages are personal (drafts), so no shared cache may keep them."""
        return Response(
            self.render(template, **context),
            status_code=status_code,
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-store"},
        )
