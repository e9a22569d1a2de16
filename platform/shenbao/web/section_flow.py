"""Filling a form one section at a time, shared by the farmer's pages and the handler's household check.

A flow is a form, the URL its pages live under, and where its draft is kept. The two posts every section
page makes are here: the full post (the "下一步" button, and every change without JavaScript) and the
htmx post of one changed answer, which answers with only the parts of the page that changed.

Without JavaScript the full post does all the widgets' work too: the phone's "发送验证码" and "验证" buttons
post the section and come back to it with the code's status (``web.phone_codes``), a code typed before
"下一步" is checked, and pictures come with the form (``web.answers``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Response
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao import store
from shenbao.forms import CompiledForm, Evaluation, evaluate
from shenbao.forms.model import Region, text_of
from shenbao.forms.rule_text import explain_hidden
from shenbao.web.answers import PostedForm, merge, read_posted, received_section_answers
from shenbao.web.drafts import draft_scope
from shenbao.web.phone_codes import CodeStatus, section_codes
from shenbao.web.sections import neighbour, section_context, section_of
from shenbao.web.services import Services
from shenbao.web.upload_quota import Quota, UploadQuota, address_quota, draft_quota
from shenbao.widgets import page_facts, set_page_facts

__all__ = ["Flow", "post_answer", "post_section", "section_page"]

Evaluator = Callable[[CompiledForm, dict[str, Any]], Awaitable[Evaluation]]


class Flow(msgspec.Struct, frozen=True, kw_only=True):
    """One person's filling of one form.

    Attributes:
        form: the compiled form.
        url: where its pages live (``<url>/s/<section>``, ``<url>/review``, ``<url>/submit``).
        token: the draft's key, with the form's id.
        draft: the answers saved so far.
        context: more for the page's template (a staff page's CSRF token and way back).
        region: the village a QR code named (``?region=``), passed from page to page (a hidden ``_region``
            field, then the next page's query) until the region question is answered.
        client: the client's address (the per-address limits of verification codes and pictures).
        quotas: what each new picture counts against; by default the draft's and the client address's
            (:mod:`shenbao.web.upload_quota`).
        explain_hidden: the builder's preview: under the page, say why each hidden question of the section is
            hidden (its display rule and the answers that made it so), kept current by every swap.
    """

    form: CompiledForm
    url: str
    token: str
    draft: dict[str, Any]
    context: dict[str, Any] = {}
    region: str = ""
    client: str = "unknown"
    quotas: tuple[Quota, ...] = ()
    explain_hidden: bool = False

    def query(self, answers: dict[str, Any]) -> str:
        """What a link to the flow's next page carries: ``?region=…`` while a region question of the form
        has no answer in ``answers``, else nothing."""
        waiting = any(isinstance(q, Region) and q.id not in answers for q in self.form.questions)
        return f"?{urlencode({'region': self.region})}" if self.region and waiting else ""


def _why_hidden(flow: Flow, section_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The preview's "为什么没显示" for each hidden question of the section (nothing for any other flow)."""
    if not flow.explain_hidden:
        return {}
    reasons = []
    for question in section_of(flow.form, section_id).questions:
        reason = explain_hidden(flow.form, answers, question.id)
        if reason is not None:
            reasons.append((flow.form.name_of(question.id), text_of(question.label), reason))
    return {"why_hidden": reasons}


def _gate(services: Services, flow: Flow) -> UploadQuota:
    """The quotas a picture posted with one of the flow's pages counts against."""
    quotas = flow.quotas or (draft_quota(draft_scope(flow.form.id, flow.token)), address_quota(flow.client))
    return UploadQuota(services.database, *quotas)


def _show_code_statuses(statuses: dict[str, CodeStatus]) -> None:
    """Tell the phone widget the status line of each phone input a post acted on (after evaluation's facts)."""
    if statuses:
        set_page_facts(**{**page_facts(), "code_statuses": statuses})


def section_page(
    services: Services,
    flow: Flow,
    section_id: str,
    answers: dict[str, Any],
    evaluation: Evaluation,
    *,
    show_missing: bool,
    status_code: int = HTTP_200_OK,
) -> Response[str]:
    """A section's page (``farmer/section.html``)."""
    return services.renderer.page(
        "farmer/section.html",
        status_code=status_code,
        section=section_of(flow.form, section_id),
        show_missing=show_missing,
        form_url=flow.url,
        preset_region=flow.region,
        **section_context(flow.form, section_id, answers, evaluation),
        **_why_hidden(flow, section_id, answers),
        **flow.context,
    )


async def post_section(
    services: Services, flow: Flow, section_id: str, data: PostedForm, evaluator: Evaluator
) -> Response[Any]:
    """Save a section's answers, then move on, go back, or show what is missing (422).

    ``nav=stay`` (no JavaScript) shows what the answers so far reveal; ``prev`` goes back; otherwise the
    next shown section, or the review when none is left. A jump to an outcome that ends the form shows no
    later section, so it leads to the review; a flagged outcome that resumes (``resume_at``) leads on to the
    section of the question it resumes at. Where the person lands is where a reopened page resumes. A phone's
    "发送验证码" or "验证" button (no JavaScript) saves the answers and shows the page again with that phone's
    status; codes typed in the page are checked before the answers are evaluated.
    """
    form = flow.form
    posted = await read_posted(data)
    received = await received_section_answers(
        services.widgets_of(form.id), form, section_id, posted, services.settings, gate=_gate(services, flow)
    )
    answers = merge(flow.draft, received)
    codes = await section_codes(
        services.phones,
        form,
        section_id,
        posted.fields,
        scope=draft_scope(form.id, flow.token),
        client=flow.client,
    )
    evaluation = await evaluator(form, answers)
    _show_code_statuses(codes.statuses)
    unfinished = [
        question_id
        for question_id in evaluation.visible
        if form.section_of[question_id] == section_id
        and (question_id in evaluation.errors or question_id in evaluation.missing)
    ]
    nav = (posted.fields.get("nav") or ["next"])[0]
    if nav == "stay" or codes.pressed:
        saved = await store.save_draft_changes(
            services.database, flow.token, form.id, form.version, received, section_id, personal=form.personal
        )
        answers = dict(saved.answers)
        # Still on the page, as after an htmx swap: what is not done yet (a phone not verified, a question not
        # answered) is said on "下一步", not while the farmer is still at it.
        shown = evaluate(form, answers)
        return section_page(services, flow, section_id, answers, shown, show_missing=False)
    query = flow.query(answers)
    if nav == "prev":
        landing = neighbour(form, evaluation, section_id, -1)
        target = f"{flow.url}/s/{landing}{query}" if landing else f"{flow.url}{query}"
    elif unfinished:
        landing, target = section_id, ""
    else:
        landing = neighbour(form, evaluation, section_id, +1)
        target = f"{flow.url}/s/{landing}{query}" if landing else f"{flow.url}/review"
    await (
        store.save_draft_changes(  # merged in the database, as every answer is: none posted meanwhile is lost
            services.database,
            flow.token,
            form.id,
            form.version,
            received,
            landing or section_id,
            personal=form.personal,
        )
    )
    if not target:
        return section_page(
            services,
            flow,
            section_id,
            answers,
            evaluation,
            show_missing=True,
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Redirect(target, status_code=303)


async def post_answer(services: Services, flow: Flow, section_id: str, data: PostedForm) -> Response[str]:
    """htmx: save one change and send back only the parts of the page it changed, swapped out of band."""
    form = flow.form
    section = section_of(form, section_id)
    posted = await read_posted(data)
    received = await received_section_answers(
        services.widgets_of(form.id), form, section_id, posted, services.settings, gate=_gate(services, flow)
    )
    # Merged in the database: an answer posted at the same moment for the same draft is not lost.
    saved = await store.save_draft_changes(
        services.database, flow.token, form.id, form.version, received, section_id, personal=form.personal
    )
    answers = dict(saved.answers)
    before, after = services.evaluations.of(form, flow.draft), services.evaluations.of(form, answers)
    set_page_facts(**{**page_facts(), "form_id": form.id})  # a household check's facts stay
    shown_before, shown_after = set(before.visible), set(after.visible)
    blocks, error_blocks = [], []
    for question in section.questions:
        if (question.id in shown_before) != (question.id in shown_after):
            blocks.append(question)
        elif before.errors.get(question.id) != after.errors.get(question.id):
            error_blocks.append(question)
    context = section_context(form, section_id, answers, after)
    return services.renderer.page(
        "farmer/_swap.html",
        blocks=blocks,
        error_blocks=error_blocks,
        nav_changed=before.outcome != after.outcome
        or neighbour(form, before, section_id, +1) != context["following"],
        show_missing=False,
        **context,
        **_why_hidden(flow, section_id, answers),
    )
