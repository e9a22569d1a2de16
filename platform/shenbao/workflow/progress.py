"""What the applicant's status page says: an application's steps, dates and deadlines in plain words.

Pure: built from the chain, the engine's state and its history, the day and the calendar. A farmer reads it
on a phone, so it speaks of steps done, the step now and the days left, never of statuses or roles, and calls
each step by its :attr:`~shenbao.workflow.model.Step.public_name` (``村里答复``), never by the staff's name.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal, TypeAlias

import msgspec

from shenbao.statuses import APPLICANT_STATUS_LABELS as _WORDS  # a farmer reads the applicant's words
from shenbao.workflow.calendar import CalendarError, WorkingCalendar, deadline_status
from shenbao.workflow.engine import TransitionRefused, appeal_deadline, apply
from shenbao.workflow.model import ADVANCING, APPLICANT, Appeal, ApplicationState, Chain, Recorded

__all__ = ["ApplicantView", "StepView", "applicant_view", "day_text"]

StepState: TypeAlias = Literal["done", "current", "refused", "appealed", "skipped", "waiting", "stopped"]


class StepView(msgspec.Struct, frozen=True, kw_only=True):
    """One step of the timeline.

    Attributes:
        name: the step's name as the applicant reads it (its ``public_name``: ``村里答复``).
        state: ``done``, ``current``, ``refused`` (where the application stopped), ``appealed`` (refused here,
            then appealed), ``skipped`` (passed over by an appeal), ``waiting`` or ``stopped`` (after a refusal).
        label: the state in words (``已完成``).
        when: the day it was done, refused or begun (``6月3日``), or ``""``.
        deadline: for the current step, ``6月20日前办完，还剩5个工作日`` (or pending), else ``""``.
        overdue: the current step is past its deadline.
    """

    name: str
    state: StepState
    label: str
    when: str = ""
    deadline: str = ""
    overdue: bool = False


class ApplicantView(msgspec.Struct, frozen=True, kw_only=True):
    """The whole page: the headline, the steps, the refusal and the appeal, the green channel."""

    status: Literal["in_progress", "approved", "refused"]
    headline: str
    summary: str
    steps: list[StepView]
    final_deadline: str = ""
    reason: str = ""
    """Why it was refused (the handler's words), while it is refused."""
    appeal_open: bool = False
    """Whether the applicant may appeal now (the engine would take it)."""
    appeal_note: str = ""
    """What the page says about appealing: until when, or why no longer."""
    appealed: str = ""
    """``您在10月12日申请了复核`` once appealed."""
    appeal_reason: str = ""
    green: str = ""
    """The green channel's label (``绿色通道``) while the application is in it and still open: the promise of
    help first and paperwork after means nothing on a refused or finished case."""
    relief: str = ""
    """``10月9日已先行救助：…`` once help was recorded (still shown after the case is closed)."""


def day_text(day: dt.date, today: dt.date) -> str:
    """``6月3日``, with the year when it is not this year's."""
    short = f"{day.month}月{day.day}日"
    return short if day.year == today.year else f"{day.year}年{short}"


def _left(due: dt.date, today: dt.date, calendar: WorkingCalendar) -> tuple[str, bool]:
    """``还剩5个工作日`` / ``今天到期`` / ``已超过期限2个工作日``, and whether it is overdue."""
    try:
        status = deadline_status(due, today, calendar)
    except CalendarError:  # a year the calendar does not know yet: the date alone
        return "", False
    if status.overdue:
        return f"已超过期限{status.working_days}个工作日", True
    return status.text, False


def _last(history: list[Recorded], step: str, actions: frozenset[str]) -> Recorded | None:
    rows = [row for row in history if row.step == step and row.action in actions]
    return rows[-1] if rows else None


def _steps(
    chain: Chain, state: ApplicationState, history: list[Recorded], today: dt.date, calendar: WorkingCalendar
) -> list[StepView]:
    position = chain.index(state.step)
    views: list[StepView] = []
    for index, step in enumerate(chain.steps):
        name = step.name_for("applicant")
        done = _last(history, step.id, ADVANCING)
        refusal = _last(history, step.id, frozenset({"refuse"}))
        finished = index < position or (index == position and state.status == "approved")
        if finished and done is not None:
            views.append(StepView(name=name, state="done", label="已完成", when=day_text(done.on, today)))
        elif finished and refusal is not None:
            views.append(
                StepView(
                    name=name,
                    state="appealed",
                    label=f"{_WORDS['refused']}，已申请复核",
                    when=day_text(refusal.on, today),
                )
            )
        elif finished:
            views.append(StepView(name=name, state="skipped", label="复核时不再经过这一步"))
        elif index == position and state.status == "refused":
            when = day_text(state.refused_on, today) if state.refused_on else ""
            views.append(StepView(name=name, state="refused", label=_WORDS["refused"], when=when))
        elif index == position:
            deadline, overdue = "期限待定", False
            if state.due_on is not None:
                left, overdue = _left(state.due_on, today, calendar)
                deadline = f"规定{day_text(state.due_on, today)}前办完" + (f"，{left}" if left else "")
            when = f"{day_text(state.step_started_on, today)}开始"
            views.append(
                StepView(
                    name=name,
                    state="current",
                    label=_WORDS["in_progress"],
                    when=when,
                    deadline=deadline,
                    overdue=overdue,
                )
            )
        elif state.status == "refused":
            views.append(StepView(name=name, state="stopped", label="不再办理"))
        else:
            views.append(StepView(name=name, state="waiting", label="还没到这一步"))
    return views


def _appeal_open(chain: Chain, state: ApplicationState, today: dt.date, calendar: WorkingCalendar) -> bool:
    """Whether the engine would take an appeal now (the reason aside)."""
    try:
        apply(chain, state, Appeal(reason="申请复核"), actor=APPLICANT, today=today, calendar=calendar)
    except TransitionRefused:
        return False
    return True


def _appeal_note(chain: Chain, state: ApplicationState, today: dt.date, calendar: WorkingCalendar) -> str:
    if state.status != "refused" or chain.appeal_role is None:
        return ""
    if state.appealed_on is not None:
        return "您已经申请过一次复核，这是复核后的结论。如仍有异议，请到乡镇政府当面反映。"
    last = appeal_deadline(chain, state, calendar)
    if last is None:
        return "如果您觉得结论不对，可以申请复核，乡镇会重新审核。请尽快申请。"
    if today > last:
        return f"申请复核的期限（{day_text(last, today)}）已经过了。如仍有异议，请到乡镇政府当面反映。"
    left, _ = _left(last, today, calendar)
    return f"如果您觉得结论不对，可以在{day_text(last, today)}前申请复核（{left}），乡镇会重新审核。"


def applicant_view(
    chain: Chain,
    state: ApplicationState,
    history: list[Recorded],
    *,
    today: dt.date,
    calendar: WorkingCalendar,
) -> ApplicantView:
    """The status page of one application as its applicant sees it on ``today``."""
    step_name = chain.step(state.step).name_for("applicant")
    reason = ""
    if state.status == "refused":
        refusal = _last(history, state.step, frozenset({"refuse"}))
        reason = refusal.text if refusal is not None else ""
        summary = f"经{step_name}，您家不符合认定标准。"
    elif state.status == "approved":
        summary = "您的申请已经审批通过，全部办完了。"
    else:
        summary = f"现在到了“{step_name}”这一步。"
    final = ""
    if state.status == "in_progress" and state.final_due_on is not None:
        final = f"全部环节规定{day_text(state.final_due_on, today)}前办完。"
    appeals = [row for row in history if row.action == "appeal"]
    appeal = appeals[-1] if appeals else None
    reliefs = [row for row in history if row.action == "relief"]
    relief = f"{day_text(reliefs[-1].on, today)}已先行救助：{reliefs[-1].text}" if reliefs else ""
    green = ""
    if state.green and state.status == "in_progress":
        green = chain.green_channel.label if chain.green_channel else "绿色通道"
    return ApplicantView(
        status=state.status,
        headline=_WORDS[state.status],
        summary=summary,
        steps=_steps(chain, state, history, today, calendar),
        final_deadline=final,
        reason=reason,
        appeal_open=_appeal_open(chain, state, today, calendar),
        appeal_note=_appeal_note(chain, state, today, calendar),
        appealed=f"您在{day_text(appeal.on, today)}申请了复核" if appeal is not None else "",
        appeal_reason=appeal.text if appeal is not None else "",
        green=green,
        relief=relief,
    )
