"""Page rendering with the platform's own Jinja2 environment.

The platform renders its pages itself instead of through the host application's template engine, so a host
app that embeds it keeps whatever template configuration it already has.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PrefixLoader, select_autoescape
from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_200_OK

from shenbao.china_time import format_china
from shenbao.forms import Question, text_of
from shenbao.forms.model import Label
from shenbao.paths import templates_dir, widgets_dir
from shenbao.privacy.masking import mask_phone
from shenbao.roles import role_label, role_level, role_office
from shenbao.statuses import applicant_status_label, status_label
from shenbao.web.fragments import QuestionBlocks
from shenbao.widgets import page_facts

__all__ = [
    "LANGUAGE_COOKIE",
    "Renderer",
    "choose_language",
    "current_language",
    "question_type",
    "remember_language",
]

# The language of the page being rendered. A context variable rather than a template variable, so that the
# widget and section macros can stay imported without context (Jinja caches those).
_language: ContextVar[str] = ContextVar("shenbao_language", default="zh")
_language_chosen: ContextVar[bool] = ContextVar("shenbao_language_chosen", default=False)


LANGUAGE_COOKIE = "sb_lang"
_LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")


async def choose_language(request: Request[Any, Any, Any]) -> None:
    """``before_request``: the page language is ``?lang=bo`` if given, else the remembered one, else Chinese."""
    chosen = request.query_params.get("lang")
    wanted = chosen or request.cookies.get(LANGUAGE_COOKIE) or "zh"
    _language.set(wanted if _LANGUAGE_CODE.fullmatch(wanted) else "zh")
    _language_chosen.set(chosen is not None)


async def remember_language(response: Any) -> Any:  # a Response, or an ASGIResponse the handler built
    """``after_request``: keep a language chosen with ``?lang=`` for the pages that follow."""
    if _language_chosen.get():
        cookie = Cookie(
            key=LANGUAGE_COOKIE, value=_language.get(), max_age=31_536_000, httponly=True, samesite="lax"
        )
        if isinstance(response, ASGIResponse):  # pages the platform gzips itself are built at the ASGI level
            response.headers.add("set-cookie", cookie.to_header(header=""))
        else:
            response.cookies.append(cookie)
    return response


def current_language() -> str:
    """The language of the page being rendered for this request."""
    return _language.get()


def _translate(label: Label | None) -> str:
    return "" if label is None else text_of(label, _language.get())


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
        self.environment.filters["t"] = _translate
        self.environment.filters["qtype"] = question_type
        self.environment.filters["mask_phone"] = mask_phone
        self.environment.filters["china_time"] = format_china
        # templates name statuses and roles through the one vocabulary, never in words of their own
        self.environment.filters["status_label"] = status_label
        self.environment.filters["applicant_status_label"] = applicant_status_label
        self.environment.filters["role_label"] = role_label
        self.environment.filters["role_level"] = role_level
        self.environment.filters["role_office"] = role_office
        self.environment.globals["page_facts"] = page_facts
        # `{% set m = macros(name) %}`: the module `{% import name as m %}` gives, without the check of the
        # importing page's globals that Jinja makes at every import (a set difference with a ChainMap, in the
        # pages a farmer reloads the costliest part of rendering after the questions themselves).
        self.environment.globals["macros"] = self.macros
        self.question_blocks = QuestionBlocks()
        self.environment.globals["question_block"] = self.question_blocks.block

    def macros(self, template: str) -> Any:
        """The macros of ``template`` (a module made once, without any page's context)."""
        return self.environment.get_template(template).module

    def render(self, template: str, **context: Any) -> str:
        """Render ``template``; labels given in several languages come out in the request's language."""
        return self.environment.get_template(template).render(context, lang=_language.get())

    def page(self, template: str, *, status_code: int = HTTP_200_OK, **context: Any) -> Response[str]:
        """An HTML response; pages are personal (drafts), so no shared cache may keep them."""
        return Response(
            self.render(template, **context),
            status_code=status_code,
            media_type=MediaType.HTML,
            headers={"Cache-Control": "no-store"},
        )
