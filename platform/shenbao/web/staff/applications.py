"""A staff member's view of one application: its answers and history, and the decisions they may take.

ID numbers and phones are shown masked. "查看完整信息" (``POST /staff/a/{id}/reveal``, with the CSRF token) shows
them in full for that one page view, to the roles :func:`~shenbao.privacy.masking.may_unmask` allows, after writing a
``view.unmasked`` audit row naming the application. Each decision writes a ``decision.<action>`` row in the
transaction that stores it.
"""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_403_FORBIDDEN,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from shenbao import cases
from shenbao.cases import POLICY_MISMATCH, Workflow, actor_of, check_form_of, workflow_of
from shenbao.china_time import today as today_in_china  # the staff pages' today (the tests pin it here)
from shenbao.display import display_answer
from shenbao.forms import CompiledForm
from shenbao.forms.model import text_of
from shenbao.privacy.masking import mask_answer, masked_fields, may_unmask
from shenbao.roles import role_label
from shenbao.statuses import status_label
from shenbao.store.audit import record_audit
from shenbao.store.reminders import SentNotice, notices_of
from shenbao.store.staff import (
    SignedIn,
    StaffApplication,
    StaffRecord,
    application_in_region,
)
from shenbao.web.posted import CSRF_FIELD, client_address
from shenbao.web.services import Services
from shenbao.web.staff.history import history_rows, notice_rows, recorded_check
from shenbao.web.staff.home import region_names
from shenbao.web.staff.inbox import FLAG_LABELS
from shenbao.web.staff.session import posting_staff
from shenbao.workflow import Action, TransitionRefused, apply
from shenbao.workflow.calendar import CalendarError, deadline_status
from shenbao.workflow.engine import ACTION_LABELS
from shenbao.workflow.model import (
    Accept,
    Approve,
    GiveRelief,
    PassUp,
    RecordCheck,
    Refuse,
    ReturnForRework,
)

__all__ = ["StaffApplicationController"]

PAGE_FLAG_LABELS = {POLICY_MISMATCH: "不符合政策情形（第49题）"}
UNKNOWN_DEADLINE = "期限待定（节假日安排还没有载入，请联系省级管理员）"
ALREADY_DONE = "这份申请已处理过（可能是重复提交），请看下面的最新状态"
MAY_NOT_UNMASK = "{role}人员不办理具体申请，只能查看隐去部分数字的身份证号码和手机号码；需要完整信息请联系经办的村、乡镇或县级人员"
ACTION_ORDER = ("accept", "record_check", "pass_up", "approve", "refuse", "return", "relief")
ACTION_FIELDS = {
    "record_check": ("summary", "入户核查情况", True),
    "refuse": ("reason", "不予纳入的理由", True),
    "return": ("reason", "退回的原因", True),
    "relief": ("what", "救助的内容", True),
    "pass_up": ("note", "备注（可不填）", False),
    "approve": ("note", "备注（可不填）", False),
}
"""Each action's text field: the posted name, its label, whether the engine requires it."""


def _build_action(name: str, form: dict[str, str]) -> Action | None:
    """The engine's action from the posted fields (``None`` for an unknown action name)."""
    text = form.get(ACTION_FIELDS[name][0], "") if name in ACTION_FIELDS else ""
    if name == "accept":
        return Accept()
    if name == "record_check":
        return RecordCheck(answers={"summary": text.strip()} if text.strip() else {})
    if name == "refuse":
        return Refuse(reason=text)
    if name == "return":
        return ReturnForRework(reason=text)
    if name == "relief":
        return GiveRelief(what=text)
    if name == "pass_up":
        return PassUp(note=text)
    if name == "approve":
        return Approve(note=text)
    return None


def _allowed_actions(workflow: Workflow, staff: StaffRecord, today: dt.date) -> list[str]:
    """The actions the engine would accept from this staff member now (a reason filled in where needed)."""
    allowed = []
    for name in ACTION_ORDER:
        action = _build_action(name, {"reason": "xxxx", "what": "xxxx", "summary": "xxxx"})
        assert action is not None
        try:
            apply(
                workflow.chain,
                workflow.state,
                action,
                actor=actor_of(staff),
                today=today,
                calendar=workflow.calendar,
            )
        except TransitionRefused:
            continue
        allowed.append(name)
    return allowed


async def _found_or_404(services: Services, staff: StaffRecord, application_id: int) -> StaffApplication:
    found = await application_in_region(services.database, application_id, staff.region_code)
    if found is None:
        raise NotFoundException("没有这份申请，或它不在您的辖区")
    return found


def _application_page(
    services: Services,
    signed_in: SignedIn,
    found: StaffApplication,
    *,
    status_code: int = HTTP_200_OK,
    message: str = "",
    error: str = "",
    error_action: str = "",
    error_field: str = "",
    posted: dict[str, str] | None = None,
    notices: list[SentNotice] | None = None,
    unmasked: bool = False,
) -> Response[str]:
    staff = signed_in.staff
    record = found.record
    form = services.forms.of(record.form_id, record.form_version)
    answers = []
    if form is not None:
        for question in form.questions:
            if question.id in record.answers:
                value = record.answers[question.id]
                value = value if unmasked else mask_answer(question, value)
                answers.append((question, value, display_answer(question, value)))
    masked = not unmasked and form is not None and bool(masked_fields(form.questions, record.answers))
    workflow = workflow_of(services, found)
    today = today_in_china()
    step_name = deadline = check_on = ""
    check_form: CompiledForm | None = None
    check_rows: list[tuple[Any, Any, str]] = []
    overdue = False
    actions: list[dict[str, Any]] = []
    history: list[dict[str, str]] = []
    status = status_label(record.status)
    if workflow is not None:
        state = workflow.state
        step_name = text_of(workflow.chain.step(state.step).name)
        if state.due_on is not None:
            try:
                shown = deadline_status(state.due_on, today, workflow.calendar)
                deadline, overdue = shown.text, shown.overdue
            except CalendarError:  # a year the calendar does not know: show the date only
                deadline = f"{state.due_on.isoformat()}前"
        elif state.status == "in_progress":
            deadline = UNKNOWN_DEADLINE
        history = sorted(
            [*history_rows(workflow), *notice_rows(workflow, notices or [])], key=lambda row: row["on"]
        )
        check_form, check_rows, check_on = recorded_check(services, workflow)
        step_form = check_form_of(services, workflow)
        for name in _allowed_actions(workflow, staff, today):
            field = ACTION_FIELDS.get(name)
            if name == "record_check" and step_form is not None:
                field = None  # the step's form is filled on its own pages
            actions.append(
                {
                    "check_url": f"{services.base}/staff/a/{record.id}/check"
                    if name == "record_check" and step_form is not None
                    else "",
                    "name": name,
                    "label": ACTION_LABELS[name],
                    "field": field[0] if field else "",
                    "field_label": field[1] if field else "",
                    "required": field[2] if field else False,
                    "value": (posted or {}).get(field[0], "") if field and error_action == name else "",
                }
            )
    return services.renderer.page(
        "staff/application.html",
        status_code=status_code,
        staff=staff,
        record=record,
        receipt=record.receipt_display,
        form=form,
        form_title=form.title() if form is not None else record.form_id,
        flags=[PAGE_FLAG_LABELS.get(flag, FLAG_LABELS.get(flag, flag)) for flag in record.flags],
        green=workflow is not None and workflow.state.green,
        green_label=(
            workflow.chain.green_channel.label if workflow and workflow.chain.green_channel else "绿色通道"
        ),
        region=" ".join(region_names(services.packs.divisions, record.region_code))
        if record.region_code
        else "",
        submitted=record.created_at,
        status=status,
        step_name=step_name,
        deadline=deadline,
        overdue=overdue,
        rows=answers,
        history=history,
        check_form=check_form,
        check_rows=check_rows,
        check_on=check_on,
        seen=len(workflow.history) if workflow else 0,
        actions=actions,
        message=message,
        error=error,
        error_action=error_action,
        error_field=error_field,
        unmasked=unmasked,
        masked=masked,
        may_reveal=masked and may_unmask(staff.role),
        csrf_field=CSRF_FIELD,
        csrf_token=signed_in.csrf_token,
    )


class StaffApplicationController(Controller):
    """One application of the staff member's region, and the decisions on it."""

    path = "/a"
    include_in_schema = False

    @get("/{application_id:int}", name="staff:application")
    async def application(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The application, its answers and history, and the actions this staff member may take now."""
        found = await _found_or_404(services, signed_in.staff, application_id)
        notices = await notices_of(services.database, application_id)
        return _application_page(services, signed_in, found, notices=notices)

    @post("/{application_id:int}/act", name="staff:act", status_code=HTTP_200_OK)
    async def act(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
    ) -> Response[Any]:
        """Take one action: checked by the engine, stored with its SMS in one transaction, at most once."""
        signed_in, form = await posting_staff(services, request)
        staff = signed_in.staff
        name = form.get("action", "")
        try:
            await cases.act(
                services,
                staff,
                application_id,
                _build_action(name, form),
                name=name,
                note=form.get(ACTION_FIELDS[name][0], "") if name in ACTION_FIELDS else "",
                seen=form.get("seen", ""),
                address=client_address(request),
                today=today_in_china(),
                now=datetime.now(dt.UTC),
            )
        except cases.NotInRegion as missing:
            raise NotFoundException(str(missing)) from None
        except cases.AlreadyDone:
            found = await _found_or_404(services, staff, application_id)
            return _application_page(
                services, signed_in, found, status_code=HTTP_409_CONFLICT, message=ALREADY_DONE
            )
        except TransitionRefused as refused:
            found = await _found_or_404(services, staff, application_id)
            if refused.kind == "field":
                field = "summary" if refused.field == "answers" else (refused.field or "")
                return _application_page(
                    services,
                    signed_in,
                    found,
                    status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                    error=refused.message,
                    error_action=name,
                    error_field=field,
                    posted=form,
                )
            return _application_page(
                services, signed_in, found, status_code=HTTP_403_FORBIDDEN, error=refused.message
            )
        return Redirect(f"{services.base}/staff/a/{application_id}", status_code=303)

    @post("/{application_id:int}/reveal", name="staff:reveal", status_code=HTTP_200_OK)
    async def reveal(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
    ) -> Response[Any]:
        """The page with ID numbers and phones in full, for this one view; the view is audited first."""
        signed_in, _ = await posting_staff(services, request)
        staff = signed_in.staff
        if not may_unmask(staff.role):
            raise PermissionDeniedException(MAY_NOT_UNMASK.format(role=role_label(staff.role)))
        found = await _found_or_404(services, staff, application_id)
        form = services.forms.of(found.record.form_id, found.record.form_version)
        revealed = masked_fields(form.questions if form else (), found.record.answers)
        if revealed:  # nothing masked, nothing disclosed: no row
            await record_audit(
                services.database,
                action="view.unmasked",
                staff=staff,
                target=found.record.receipt_number,
                detail="、".join(revealed),
                address=client_address(request),
            )
        return _application_page(services, signed_in, found, unmasked=True)
