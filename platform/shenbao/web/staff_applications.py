"""A staff member's view of one application: its answers and history, and the decisions they may take."""

from __future__ import annotations

import datetime as dt
from datetime import datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_403_FORBIDDEN,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
    HTTP_503_SERVICE_UNAVAILABLE,
)

from shenbao import store
from shenbao.forms.model import text_of
from shenbao.store.staff import (
    SignedIn,
    StaffApplication,
    StaffRecord,
    application_in_region,
)
from shenbao.web.display import display_answer
from shenbao.web.services import Services
from shenbao.web.staff import (
    CSRF_FIELD,
    local_time,
    region_names,
    require_csrf,
    signed_in_staff,
)
from shenbao.web.staff_inbox import FLAG_LABELS, STATUS_LABELS
from shenbao.web.submission import CHINA, POLICY_MISMATCH, history_of, queue_notices, workflow_json
from shenbao.workflow import Action, Actor, ApplicationState, Chain, Recorded, TransitionRefused, apply
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
STATE_LABELS = {"in_progress": "办理中", "approved": "已审批通过", "refused": "已不予纳入"}
ALREADY_DONE = "这份申请已处理过（可能是重复提交），请看下面的最新状态"
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


class _Workflow(msgspec.Struct, frozen=True, kw_only=True):
    """An application's chain, calendar, state and history (absent without a chain or a stored state)."""

    chain: Chain
    calendar: Any
    state: ApplicationState
    history: list[Recorded]


def _actor(staff: StaffRecord) -> Actor:
    """The engine's actor for a staff account: staff roles and chain step roles are one vocabulary."""
    return Actor(id=staff.username, role=staff.role, region=staff.region_code)


def _today() -> dt.date:
    """Today in China (the tests pin it)."""
    return datetime.now(CHINA).date()


def _workflow(services: Services, found: StaffApplication) -> _Workflow | None:
    form = services.forms.get(found.record.form_id)
    chain_id = form.definition.chain if form is not None else None
    workflow = services.chains.get(chain_id) if chain_id else None
    if workflow is None or not found.workflow_state:
        return None
    state, history = history_of(found.workflow_state)
    return _Workflow(chain=workflow[0], calendar=workflow[1], state=state, history=history)


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


def _allowed_actions(workflow: _Workflow, staff: StaffRecord, today: dt.date) -> list[str]:
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
                actor=_actor(staff),
                today=today,
                calendar=workflow.calendar,
            )
        except TransitionRefused:
            continue
        except CalendarError:  # the next deadline falls in an unknown year: the action is not offered
            continue
        allowed.append(name)
    return allowed


def _history_rows(workflow: _Workflow) -> list[dict[str, str]]:
    rows = []
    for row in workflow.history:
        try:
            step = text_of(workflow.chain.step(row.step).name)
        except KeyError:
            step = row.step
        action = "提交申请" if row.action == "submit" else ACTION_LABELS.get(row.action, row.action)
        who = "申请人" if row.actor == "applicant" else row.actor
        text = row.text or str(row.answers.get("summary", ""))
        rows.append({"on": row.on.isoformat(), "step": step, "action": action, "who": who, "text": text})
    return rows


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
) -> Response[str]:
    staff = signed_in.staff
    record = found.record
    form = services.forms.get(record.form_id)
    answers = []
    if form is not None:
        for question in form.questions:
            if question.id in record.answers:
                value = record.answers[question.id]
                answers.append((question, value, display_answer(question, value)))
    workflow = _workflow(services, found)
    today = _today()
    step_name = deadline = ""
    overdue = False
    actions: list[dict[str, Any]] = []
    history: list[dict[str, str]] = []
    status = STATUS_LABELS.get(record.status, record.status)
    if workflow is not None:
        state = workflow.state
        status = STATE_LABELS.get(state.status, state.status)
        step_name = text_of(workflow.chain.step(state.step).name)
        if state.due_on is not None:
            try:
                shown = deadline_status(state.due_on, today, workflow.calendar)
                deadline, overdue = shown.text, shown.overdue
            except CalendarError:  # a year the calendar does not know: show the date only
                deadline = f"{state.due_on.isoformat()}前"
        history = _history_rows(workflow)
        for name in _allowed_actions(workflow, staff, today):
            field = ACTION_FIELDS.get(name)
            actions.append(
                {
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
        region=" ".join(region_names(record.region_code)) if record.region_code else "",
        submitted=local_time(record.created_at),
        status=status,
        step_name=step_name,
        deadline=deadline,
        overdue=overdue,
        rows=answers,
        history=history,
        seen=len(workflow.history) if workflow else 0,
        actions=actions,
        message=message,
        error=error,
        error_action=error_action,
        error_field=error_field,
        csrf_field=CSRF_FIELD,
        csrf_token=signed_in.csrf_token,
    )


class StaffApplicationController(Controller):
    """One application of the staff member's region, and the decisions on it."""

    path = "/staff/a"
    include_in_schema = False

    @get("/{application_id:int}", name="staff:application")
    async def application(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
    ) -> Response[Any]:
        """The application, its answers and history, and the actions this staff member may take now."""
        signed_in = await signed_in_staff(services, request)
        if signed_in is None:
            return Redirect(f"{services.base}/staff/login", status_code=303)
        found = await _found_or_404(services, signed_in.staff, application_id)
        return _application_page(services, signed_in, found)

    @post("/{application_id:int}/act", name="staff:act", status_code=HTTP_200_OK)
    async def act(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        application_id: FromPath[int],
    ) -> Response[Any]:
        """Take one action: checked by the engine, stored with its SMS in one transaction, at most once."""
        signed_in = await signed_in_staff(services, request)
        form = await require_csrf(request, signed_in.csrf_token if signed_in else None)
        assert signed_in is not None  # require_csrf refuses a missing session
        staff = signed_in.staff
        name = form.get("action", "")
        action = _build_action(name, form)
        db = services.database
        now = datetime.now(dt.UTC)
        today = _today()
        try:
            async with db.transaction():
                found = await application_in_region(db, application_id, staff.region_code, for_update=True)
                if found is None:
                    raise NotFoundException("没有这份申请，或它不在您的辖区")
                workflow = _workflow(services, found)
                if workflow is None or action is None:
                    raise TransitionRefused("state", "这份申请现在不能办理")
                if form.get("seen", "") != str(len(workflow.history)):
                    return _application_page(
                        services, signed_in, found, status_code=HTTP_409_CONFLICT, message=ALREADY_DONE
                    )
                state, events = apply(
                    workflow.chain,
                    workflow.state,
                    action,
                    actor=_actor(staff),
                    today=today,
                    calendar=workflow.calendar,
                )
                await _store_state(services, found, state, workflow.history, events)
                await queue_notices(services, workflow.chain, events, found.record, now=now)
        except CalendarError as error:  # the next deadline falls in a year the pack's calendar lacks
            found = await _found_or_404(services, staff, application_id)
            message = f"无法计算下一环节的期限，暂时不能办理，请联系管理员：{error}"
            return _application_page(
                services, signed_in, found, status_code=HTTP_503_SERVICE_UNAVAILABLE, error=message
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


async def _store_state(
    services: Services,
    found: StaffApplication,
    state: ApplicationState,
    history: list[Recorded],
    events: list[Any],
) -> None:
    """Store the new state with its history rows (inside the caller's transaction)."""
    await store.set_workflow_state(
        services.database,
        found.record.id,
        state=workflow_json(state, history, events),
        deadline=state.due_on,
        green=state.green,
        status=state.status,
    )
