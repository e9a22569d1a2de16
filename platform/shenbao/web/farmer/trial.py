"""试填: a form being built, tried on any phone through a trial link, as a farmer would fill it.

``<base>/try/<token>/`` (:mod:`shenbao.web.trial_links`) runs the farmer's own flow (:mod:`shenbao.web.section_flow`
and the farmer's templates) on the authored form's *current* definition, read again on every page, so the phone
sees each new revision of the builder on its next page. The answers are a draft under a per-browser token kept in
the ``sb_trial`` cookie, sent to the trial pages only. The guide is skipped. The review page ends the trial with a
notice: there is no submit route, so a trial never makes an application, and its phone questions send no SMS
(their code buttons are not acted on).

A token that is not one of ours gets a 404 page, an expired one or a deleted form a 410 page, a draft with
problems a page saying it is being fixed; each in Chinese, saying what to do. Every page is ``no-store`` and
``noindex``.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_404_NOT_FOUND, HTTP_410_GONE

from shenbao import store
from shenbao.cases import authoring
from shenbao.display import display_answer
from shenbao.forms import CompiledForm, Evaluation, compile_form, evaluate
from shenbao.forms.lint import lint_form
from shenbao.store import authoring as stored
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.web.answers import PostedForm
from shenbao.web.drafts import new_draft_token
from shenbao.web.phone_codes import SEND_BUTTON, VERIFY_BUTTON
from shenbao.web.posted import client_address
from shenbao.web.section_flow import Flow, post_answer, post_section, section_page
from shenbao.web.sections import shown_sections
from shenbao.web.services import Services
from shenbao.web.trial_links import TRIAL_LIFETIME, TRIAL_PATH, TrialExpired, TrialInvalid, read_trial
from shenbao.web.widget_routes import SECTION_CEILING
from shenbao.widgets import PACK, WidgetRegistry, set_page_facts

__all__ = ["TRIAL_COOKIE", "TrialController"]

TRIAL_COOKIE = "sb_trial"
"""The trial draft's token: HttpOnly, SameSite=Lax, sent to ``<base>/try/`` only."""
_TOKEN_PREFIX = "trial-"
_CACHE_SIZE = 16
_compiled: OrderedDict[tuple[int, str, int, datetime, int], tuple[WidgetRegistry, CompiledForm | None]] = (
    OrderedDict()
)
"""Authored forms compiled for trials, by their saved state (``None``: that state has problems)."""

_BAD_LINK = (
    "这个试填链接不完整或有误。请把管理员发来的链接完整地复制到浏览器里，或重新扫描表单制作页上的二维码。"
)
_EXPIRED = f"这个试填链接已经过期（每个链接有效{TRIAL_LIFETIME.days}天）。请管理员在表单制作页重新生成试填链接和二维码。"
_DELETED = "这张表单已被删除，试填链接不能再用了。如需继续试填，请联系制作表单的管理员。"
_FIXING = "管理员正在修改这张表单，改好之前不能试填。请过几分钟再打开这个链接。"


class _Trial(msgspec.Struct, frozen=True, kw_only=True):
    """A trial link that opens its form: the form's current definition compiled, and where its pages live."""

    form: CompiledForm
    url: str


def _page(services: Services, title: str, detail: str, status_code: int) -> Response[str]:
    """A page in Chinese saying why the trial cannot go on, and what to do."""
    return services.renderer.page(
        "error.html", status_code=status_code, title=title, detail=detail, noindex=True
    )


def _current(record: AuthoredFormRecord, widgets: WidgetRegistry) -> CompiledForm | None:
    """``record``'s definition compiled as the farmer's pages would use it, or ``None`` while it has problems.

    The builder's own checks: it decodes, the linter finds nothing, and it compiles with the installed widgets'
    answer checks. Each saved state is compiled once per process (some forms take tens of milliseconds): it is
    known by the row, its form id, its revision and when it was saved, so every new revision is compiled anew
    and a row that reuses a deleted form's number is never taken for it.
    """
    key = (record.id, record.form_id, record.revision, record.updated_at, id(widgets))
    found = _compiled.get(key)
    if found is not None and found[0] is widgets:  # the same pack's widgets, not an id reused
        _compiled.move_to_end(key)
        return found[1]
    compiled: CompiledForm | None = None
    try:
        definition = authoring.definition_of(record)
        if not lint_form(definition, "trial", scenarios=False):
            compiled = compile_form(definition, cleaners=widgets.cleaners())
    except (msgspec.ValidationError, ValueError):
        compiled = None
    _compiled[key] = (widgets, compiled)
    while len(_compiled) > _CACHE_SIZE:
        _compiled.popitem(last=False)
    return compiled


async def _open(services: Services, token: str) -> _Trial | Response[str]:
    """The form ``token`` opens, or the page saying why it opens none."""
    try:
        link = read_trial(services.settings.secrets, token)
    except TrialExpired:
        return _page(services, "试填链接已过期", _EXPIRED, HTTP_410_GONE)
    except TrialInvalid:
        return _page(services, "试填链接无效", _BAD_LINK, HTTP_404_NOT_FOUND)
    record = await stored.authored_form(services.database, link.form_pk)
    if record is None or record.form_id != link.form_id:
        return _page(services, "表单已删除", _DELETED, HTTP_410_GONE)
    pack = services.builder_pack(record.form_id, record.owner_region, record.definition)
    compiled = _current(record, services.packs.widgets_of(pack))
    if compiled is None:
        return _page(services, "表单正在修改", _FIXING, HTTP_200_OK)
    set_page_facts(
        form_id=compiled.id, no_sms=True, **{PACK: pack or ""}
    )  # the phone widget shows no code buttons
    return _Trial(form=compiled, url=f"{services.base}{TRIAL_PATH}/{token}")


def _draft_token(request: Request[Any, Any, Any]) -> str:
    """This browser's trial draft token, or a new one."""
    token = request.cookies.get(TRIAL_COOKIE, "")
    if token.startswith(_TOKEN_PREFIX) and len(token) <= 64 and token.isascii():
        return token
    return _TOKEN_PREFIX + new_draft_token()


def _remember(response: Response[Any], services: Services, token: str) -> Response[Any]:
    response.set_cookie(
        TRIAL_COOKIE,
        token,
        max_age=int(TRIAL_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        path=f"{services.base}{TRIAL_PATH}/",
    )
    return response


async def _flow(
    services: Services, request: Request[Any, Any, Any], trial: _Trial
) -> tuple[Flow, str | None]:
    """The trial's flow for this browser, and the section its draft was left on."""
    token = _draft_token(request)
    saved = await store.load_draft(services.database, token, trial.form.id)
    context = {
        "noindex": True,
        "preview": True,  # the review page ends the trial instead of offering to submit
        "trial": True,
        "back_url": f"{trial.url}/restart",
        "back_label": "这是试填，答案不会提交 · ↻ 清空答案，重新试填",
    }
    flow = Flow(
        form=trial.form,
        url=trial.url,
        token=token,
        draft=dict(saved.answers) if saved else {},
        context=context,
        client=client_address(request),
    )
    return flow, saved.section if saved else None


def _first(form: CompiledForm, answers: dict[str, Any]) -> str:
    return shown_sections(form, evaluate(form, answers))[0]


def _has_section(form: CompiledForm, section_id: str) -> bool:
    return any(section.id == section_id for section in form.definition.sections)


async def _posted(request: Request[Any, Any, Any]) -> PostedForm:
    """The posted section, without its phone-code buttons and boxes: a trial sends no SMS.

    A "发送验证码" or "验证" button pressed without script keeps the person on the page, as it would.
    """
    data = await request.form()
    posted: dict[str, list[Any]] = {key: data.getall(key) for key in data if not key.startswith("_otp")}
    if SEND_BUTTON in data or VERIFY_BUTTON in data:
        posted["nav"] = ["stay"]
    return posted


async def _evaluator(form: CompiledForm, answers: dict[str, Any]) -> Evaluation:
    """A trial's answers as the review shows them: phones need no code (none is sent)."""
    return evaluate(form, answers)


class TrialController(Controller):
    """``/try/<token>/``: a form being built, filled on a phone without an account; nothing is submitted."""

    path = f"{TRIAL_PATH}/{{token:str}}"
    include_in_schema = False
    response_headers = (ResponseHeader(name="X-Robots-Tag", value="noindex"),)

    @get("/", name="farmer:trial")
    async def start(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        """Open the trial where this browser left it, else at the form's first page (no guide, no wait)."""
        trial = await _open(services, token)
        if isinstance(trial, Response):
            return trial
        flow, section = await _flow(services, request, trial)
        if section is None or not _has_section(trial.form, section):
            section = _first(trial.form, flow.draft)
        return Redirect(f"{trial.url}/s/{section}", status_code=303)

    @get("/restart", name="farmer:trial_restart")
    async def restart(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        """Clear this browser's trial answers of the form and start again (another handler takes the phone)."""
        trial = await _open(services, token)
        if isinstance(trial, Response):
            return trial
        flow, _ = await _flow(services, request, trial)
        await store.delete_draft(services.database, flow.token, trial.form.id)
        return Redirect(f"{trial.url}/s/{_first(trial.form, {})}", status_code=303)

    @get("/s/{section_id:str}", name="farmer:trial_section")
    async def section(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        token: FromPath[str],
        section_id: FromPath[str],
    ) -> Response[Any]:
        trial = await _open(services, token)
        if isinstance(trial, Response):
            return trial
        if not _has_section(trial.form, section_id):
            return Redirect(f"{trial.url}/", status_code=303)  # the page was deleted in the builder
        flow, _ = await _flow(services, request, trial)
        return section_page(
            services, flow, section_id, flow.draft, evaluate(flow.form, flow.draft), show_missing=False
        )

    @post(
        "/s/{section_id:str}",
        name="farmer:trial_section_post",
        status_code=HTTP_200_OK,
        request_max_body_size=SECTION_CEILING,
    )
    async def section_post(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        token: FromPath[str],
        section_id: FromPath[str],
    ) -> Response[Any]:
        """ "下一步", "上一步" and every change without script: save the trial draft, then move on."""
        trial = await _open(services, token)
        if isinstance(trial, Response):
            return trial
        if not _has_section(trial.form, section_id):
            return Redirect(f"{trial.url}/", status_code=303)
        flow, _ = await _flow(services, request, trial)
        response = await post_section(services, flow, section_id, await _posted(request), _evaluator)
        return _remember(response, services, flow.token)

    @post("/s/{section_id:str}/answer", name="farmer:trial_answer", status_code=HTTP_200_OK)
    async def answer(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        token: FromPath[str],
        section_id: FromPath[str],
    ) -> Response[Any]:
        """htmx: save one change and swap in what it changed; a closed or changed trial reloads the page."""
        trial = await _open(services, token)
        if isinstance(trial, Response) or not _has_section(trial.form, section_id):
            page = f"{services.base}{TRIAL_PATH}/{quote(token, safe='')}/"
            return Response("", headers={"HX-Redirect": page, "Cache-Control": "no-store"})
        flow, _ = await _flow(services, request, trial)
        response = await post_answer(services, flow, section_id, await _posted(request))
        return _remember(response, services, flow.token)

    @get("/review", name="farmer:trial_review")
    async def review(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[Any]:
        """The farmer's review page, ending the trial where the farmer would submit."""
        trial = await _open(services, token)
        if isinstance(trial, Response):
            return trial
        flow, _ = await _flow(services, request, trial)
        evaluation = evaluate(flow.form, flow.draft)
        rows = [
            (flow.form.by_id[question_id], value, display_answer(flow.form.by_id[question_id], value))
            for question_id, value in evaluation.answers.items()
        ]
        return services.renderer.page(
            "farmer/review.html",
            form=flow.form,
            form_url=flow.url,
            ev=evaluation,
            rows=rows,
            started=bool(flow.draft),
            **flow.context,
        )
