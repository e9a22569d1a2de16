"""The section page a phone gets before its first answer: the same for everyone, rendered once, served from memory.

A farmer who scans the QR code opens the guide, waits, then the form's first page. That page has no answer in it
yet: :func:`first_visit_response` serves it from :class:`~shenbao.web.pages.FirstVisitPages` with a fresh draft
cookie, for the section handler (``FarmerController.section``) and for :class:`FirstVisitLane`.

The lane is the hot path of a crowd arriving at once (a flood, a deadline): a request for a plain section address
(no query) from a phone that has no draft cookie at all is answered before the handler's dependencies, its
parameters and its hooks run, which is a third of that page's time. Anything else goes on to the handler: a
phone with a draft token, a query (``?lang=``, ``?region=``), a guide not read yet, a page the form does not have.
The route's middleware around it (metrics, request id, security headers, error pages) still applies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response.base import ASGIResponse
from litestar.types import ASGIApp, Receive, Scope, Send

from shenbao.cases.drafts import Carried
from shenbao.forms import CompiledForm, Evaluation, evaluate
from shenbao.web.drafts import draft_cookie_header, draft_token, new_draft_token
from shenbao.web.farmer.guide_wait import guide_wait
from shenbao.web.pages import html_response
from shenbao.web.render import choose_language, current_language
from shenbao.web.sections import section_context, section_of
from shenbao.web.services import Services
from shenbao.widgets import set_page_facts

__all__ = ["FIRST_VISIT", "FirstVisitLane", "first_visit_response", "render_section"]

FIRST_VISIT: Final = "shenbao_first_visit"
"""The route option of the section page, which :class:`FirstVisitLane` answers for phones with no draft."""


def render_section(
    services: Services,
    form: CompiledForm,
    section_id: str,
    answers: dict[str, Any],
    evaluation: Evaluation | None = None,
    *,
    region: str = "",
    updated: Carried | None = None,
) -> str:
    """The section page's HTML for ``answers`` (evaluated here unless ``evaluation`` is given)."""
    context = section_context(form, section_id, answers, evaluation or evaluate(form, answers))
    return services.renderer.render(
        "farmer/section.html",
        section=section_of(form, section_id),
        show_missing=False,
        form_url=f"{services.base}/f/{form.id}",
        preset_region=region,
        updated=updated,
        **context,
    )


def first_visit_response(
    services: Services, request: Request[Any, Any, Any], form: CompiledForm, section_id: str, token: str
) -> ASGIResponse:
    """The shared page of ``section_id`` with no answer (rendered once per version and language), gzipped when
    the browser takes it, revalidated by its ETag, with the draft cookie ``token`` (its sixty days renewed)."""
    set_page_facts(form_id=form.id)
    key = ("section", form.id, form.version, section_id, current_language())
    page = services.first_visit.get(key, lambda: render_section(services, form, section_id, {}))
    return html_response(request, page, set_cookies=[draft_cookie_header(services.base, token)])


class FirstVisitLane:
    """Route middleware of the platform's farmer pages: the section page (``opt={FIRST_VISIT: True}``) for a phone
    with no draft cookie and a plain address, whose guide wait is over, answered straight from memory.

    ``services_of`` gives the running platform's services for the application's state (the ``services``
    dependency the handlers get: :meth:`ShenbaoPlugin.fresh_services`).
    """

    __slots__ = ("app", "services_of")

    def __init__(self, app: ASGIApp, services_of: Callable[[State], Awaitable[Services]]) -> None:
        self.app = app
        self.services_of = services_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self._shared_page(scope, receive) if _may_be_first(scope) else None
        if response is None:
            await self.app(scope, receive, send)
        else:
            await response(scope, receive, send)

    async def _shared_page(self, scope: Scope, receive: Receive) -> ASGIResponse | None:
        request: Request[Any, Any, Any] = Request(scope, receive)
        if draft_token(request):
            return None  # a phone with a token may have a draft: the handler reads it
        services = await self.services_of(request.app.state)
        params = scope["path_params"]
        form = services.forms.get(params["form_id"])
        if form is None:
            return None  # the handler's 404
        try:
            section_of(form, params["section_id"])
        except NotFoundException:
            return None  # the handler's 404
        if guide_wait(request, secret=services.settings.secrets, base=services.base, form=form).left:
            return None  # the guide, shown by the handler
        await choose_language(request)  # the ``before_request`` hook the handler would have run
        return first_visit_response(services, request, form, params["section_id"], new_draft_token())


def _may_be_first(scope: Scope) -> bool:
    handler = scope.get("route_handler")
    return (
        handler is not None
        and handler.opt.get(FIRST_VISIT, False)
        and scope.get("method") == "GET"
        and not scope.get("query_string")
    )
