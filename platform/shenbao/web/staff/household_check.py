"""The household check (入户核查), filled by the village handler on a phone during the visit.

The chain's step names the form (``"form": "household-check"`` in the pack's ``chains/forms/``); the handler
fills it one section at a time with the farmer's own widgets (location, live photo, the family's
signatures), saved as a draft per application so a lost signal loses nothing, then saves it: the answers
go to the workflow engine as ``RecordCheck`` and the chain moves on, in one transaction with its SMS.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao import cases, store
from shenbao.cases import Workflow, actor_of, check_form_of, workflow_of
from shenbao.china_time import today as today_in_china  # the staff pages' today (the tests pin it here)
from shenbao.display import display_answer
from shenbao.forms import CompiledForm, Evaluation, evaluate
from shenbao.forms.model import text_of
from shenbao.store.staff import SignedIn, StaffApplication, application_in_region
from shenbao.web.posted import CSRF_FIELD, client_address
from shenbao.web.section_flow import Flow, post_answer, post_section, section_page
from shenbao.web.sections import section_of, shown_sections
from shenbao.web.services import Services
from shenbao.web.staff.session import posting_staff
from shenbao.web.upload_access import check_token
from shenbao.web.upload_quota import draft_quota, staff_quota
from shenbao.widgets import AT_HOUSEHOLD_VISIT, CHECK_APPLICATION, set_page_facts
from shenbao.workflow import TransitionRefused, apply
from shenbao.workflow.model import RecordCheck

__all__ = ["HouseholdCheckController"]


class _Check(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in handler, the application, its workflow and the form its current step fills."""

    signed_in: SignedIn
    found: StaffApplication
    workflow: Workflow
    form: CompiledForm
    flow: Flow
    section: str | None = None
    """The section the handler was last on (from the draft)."""


def _may_record(workflow: Workflow, signed_in: SignedIn) -> None:
    """Refuse (403) a handler the engine would not let record the check now."""
    try:
        apply(
            workflow.chain,
            workflow.state,
            RecordCheck(answers={"_": True}),
            actor=actor_of(signed_in.staff),
            today=today_in_china(),
            calendar=workflow.calendar,
        )
    except TransitionRefused as refused:
        raise PermissionDeniedException(refused.message) from None


async def _check(services: Services, application_id: int, signed_in: SignedIn) -> _Check:
    found = await application_in_region(services.database, application_id, signed_in.staff.region_code)
    if found is None:
        raise NotFoundException("没有这份申请，或它不在您的辖区")
    workflow = workflow_of(services, found)
    form = check_form_of(services, workflow) if workflow is not None else None
    if workflow is None or form is None:
        raise PermissionDeniedException("这份申请现在不用填写入户核查表")
    _may_record(workflow, signed_in)
    draft = await store.load_draft(services.database, _token(application_id), form.id)
    flow = _flow(services, found, signed_in, form, dict(draft.answers) if draft else {})
    set_page_facts(form_id=form.id, **{AT_HOUSEHOLD_VISIT: True, CHECK_APPLICATION: application_id})
    section = draft.section if draft else None
    return _Check(signed_in=signed_in, found=found, workflow=workflow, form=form, flow=flow, section=section)


def _flow(
    services: Services,
    found: StaffApplication,
    signed_in: SignedIn,
    form: CompiledForm,
    draft: dict[str, Any],
) -> Flow:
    """The check's pages: under the application's own URL, the draft kept per application."""
    application_id = found.record.id
    context = {
        "csrf_field": CSRF_FIELD,
        "csrf_token": signed_in.csrf_token,
        "back_url": f"{services.base}/staff/a/{application_id}",
        "back_label": f"← 返回申请 {found.record.receipt_display}",
    }
    url = f"{services.base}/staff/a/{application_id}/check"
    token = _token(application_id)
    quotas = (staff_quota(signed_in.staff.id), draft_quota(token))  # the handler's, not the office's address
    return Flow(form=form, url=url, token=token, draft=draft, context=context, quotas=quotas)


def _token(application_id: int) -> str:
    """The check's draft key: one per application, whichever handler of the village fills it."""
    return check_token(application_id)


async def _form_data(request: Request[Any, Any, Any]) -> dict[str, list[Any]]:
    data = await request.form()
    return {key: data.getall(key) for key in data if key != CSRF_FIELD}


async def _posting(services: Services, request: Request[Any, Any, Any], application_id: int) -> _Check:
    signed_in, _ = await posting_staff(services, request)
    return await _check(services, application_id, signed_in)


class HouseholdCheckController(Controller):
    """``/staff/a/{id}/check``: the household check's sections, its review, and saving it."""

    path = "/a/{application_id:int}/check"
    include_in_schema = False

    @get("/", name="staff:check")
    async def start(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """Open the check where the handler left it (a draft), or at its first section."""
        check = await _check(services, application_id, signed_in)
        first = shown_sections(check.form, evaluate(check.form, check.flow.draft))[0]
        return Redirect(f"{check.flow.url}/s/{check.section or first}", status_code=303)

    @get("/s/{section_id:str}", name="staff:check_section")
    async def section(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
        section_id: FromPath[str],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        check = await _check(services, application_id, signed_in)
        section_of(check.form, section_id)
        answers = check.flow.draft
        return section_page(
            services, check.flow, section_id, answers, evaluate(check.form, answers), show_missing=False
        )

    @post("/s/{section_id:str}", name="staff:check_section_post", status_code=HTTP_200_OK)
    async def section_post(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
        section_id: FromPath[str],
    ) -> Response[Any]:
        check = await _posting(services, request, application_id)
        section_of(check.form, section_id)

        async def evaluator(form: CompiledForm, answers: dict[str, Any]) -> Evaluation:
            return evaluate(form, answers)

        response = await post_section(services, check.flow, section_id, await _form_data(request), evaluator)
        return response

    @post("/s/{section_id:str}/answer", name="staff:check_answer", status_code=HTTP_200_OK)
    async def answer(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
        section_id: FromPath[str],
    ) -> Response[str]:
        check = await _posting(services, request, application_id)
        section_of(check.form, section_id)
        return await post_answer(services, check.flow, section_id, await _form_data(request))

    @get("/review", name="staff:check_review")
    async def review(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        check = await _check(services, application_id, signed_in)
        return _review(services, check, evaluate(check.form, check.flow.draft))

    @post("/submit", name="staff:check_submit", status_code=HTTP_200_OK)
    async def submit(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
    ) -> Response[Any]:
        """Save the check: the engine records it and moves the chain on, once, with its SMS."""
        signed_in, _ = await posting_staff(services, request)
        back = Redirect(f"{services.base}/staff/a/{application_id}", status_code=303)
        try:
            saved = await cases.record_check(
                services,
                signed_in.staff,
                application_id,
                draft_token=_token(application_id),
                address=client_address(request),
                today=today_in_china(),
                now=dt.datetime.now(dt.UTC),
            )
        except cases.NotInRegion as missing:
            raise NotFoundException(str(missing)) from None
        except TransitionRefused as refused:
            raise PermissionDeniedException(refused.message) from None
        if isinstance(saved, cases.CheckIncomplete):
            url = f"{services.base}/staff/a/{application_id}/check"
            flow = Flow(form=saved.form, url=url, token=_token(application_id), draft=saved.answers)
            check = _Check(
                signed_in=signed_in, found=saved.found, workflow=saved.workflow, form=saved.form, flow=flow
            )
            return _review(services, check, saved.evaluation, status_code=HTTP_422_UNPROCESSABLE_ENTITY)
        return back  # saved, or saved before (a double tap): the application page shows the check


def _after_saving(workflow: Workflow) -> str:
    """What saving the check does, by the chain's own step names ("答复农户" in 2023, "核查结果告知" in 2021)."""
    chain = workflow.chain
    position = chain.index(workflow.state.step)
    if position + 1 == len(chain.steps):
        return "保存后，这份申请办结。"
    return f"保存后，这份申请进入下一环节：{text_of(chain.steps[position + 1].name)}。"


def _review(
    services: Services, check: _Check, evaluation: Evaluation, *, status_code: int = HTTP_200_OK
) -> Response[Any]:
    rows = [
        (check.form.by_id[question_id], value, display_answer(check.form.by_id[question_id], value))
        for question_id, value in evaluation.answers.items()
    ]
    return services.renderer.page(
        "farmer/review.html",
        status_code=status_code,
        form=check.form,
        form_url=check.flow.url,
        ev=evaluation,
        rows=rows,
        started=bool(check.flow.draft),
        submit_note=_after_saving(check.workflow),
        **check.flow.context,
    )
