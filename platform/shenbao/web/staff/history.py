"""The history of an application as its staff page lists it: the decisions, the deadline job's reminders, and the
household check recorded through the step's form."""

from __future__ import annotations

from typing import Any

from shenbao.cases import Workflow
from shenbao.display import display_answer
from shenbao.forms import CompiledForm
from shenbao.forms.model import text_of
from shenbao.roles import role_label
from shenbao.store.reminders import SentNotice
from shenbao.web.services import Services
from shenbao.workflow.engine import ACTION_LABELS
from shenbao.workflow.reminders import NOTICE_LABELS

__all__ = ["history_rows", "notice_rows", "recorded_check"]


def history_rows(workflow: Workflow) -> list[dict[str, str]]:
    """The workflow history as table rows: day, step, what was done, by whom, and its reason or note."""
    rows = []
    for row in workflow.history:
        try:
            step = text_of(workflow.chain.step(row.step).name)
        except KeyError:
            step = row.step
        action = "提交申请" if row.action == "submit" else ACTION_LABELS.get(row.action, row.action)
        who = "申请人" if row.actor == "applicant" else row.actor
        text = row.text or str(row.answers.get("summary", "")) or ("见入户核查" if row.answers else "")
        kind = "appeal" if row.action == "appeal" else ""  # the applicant's 申请复核 stands out
        rows.append(
            {
                "on": row.on.isoformat(),
                "step": step,
                "action": action,
                "who": who,
                "text": text,
                "kind": kind,
            }
        )
    return rows


def recorded_check(
    services: Services, workflow: Workflow
) -> tuple[CompiledForm | None, list[tuple[Any, Any, str]], str]:
    """The latest household check recorded through the step's form: the form, its rows and the day."""
    for row in reversed(workflow.history):
        if row.action != "record_check" or not row.answers:
            continue
        try:
            form_id = workflow.chain.step(row.step).form
        except KeyError:
            return None, [], ""
        form = services.step_forms.get(form_id) if form_id else None
        if form is None:
            return None, [], ""
        rows = [
            (question, row.answers[question.id], display_answer(question, row.answers[question.id]))
            for question in form.questions
            if question.id in row.answers
        ]
        return form, rows, row.on.isoformat()
    return None, [], ""


def notice_rows(workflow: Workflow, notices: list[SentNotice]) -> list[dict[str, str]]:
    """The reminders and escalations the deadline job sent, as history rows."""
    rows = []
    for notice in notices:
        try:
            step = text_of(workflow.chain.step(notice.step).name)
        except KeyError:
            step = notice.step
        due = f"期限{notice.due_on.month}月{notice.due_on.day}日"
        if notice.kind == "overdue":
            due = f"已超期{notice.overdue_days}个工作日"
        to = f"{role_label(notice.role)}办理人员"
        sent = f"已短信通知{to}" if notice.messages else f"{to}没有登记手机号，未发短信"
        action = NOTICE_LABELS[notice.kind]
        rows.append(
            {
                "on": notice.sent_on.isoformat(),
                "step": step,
                "action": action,
                "who": "系统",
                "text": f"{due}，{sent}",
            }
        )
    return rows
