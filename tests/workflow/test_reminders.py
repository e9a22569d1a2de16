"""The deadline rule: a reminder on the working day before a deadline, an escalation once it has passed."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from shenbao.workflow import ApplicationState, CalendarError, Chain, sms_text
from shenbao.workflow.model import Reminders
from shenbao.workflow.reminders import DeadlineNotice, deadline_notice, reminder_day, role_above

from .support import CALENDAR, VILLAGE

D = dt.date.fromisoformat


def state(
    step: str = "household_check",
    *,
    due: str | None = "2026-06-08",
    started: str = "2026-06-01",
    status: str = "in_progress",
    green: bool = False,
) -> ApplicationState:
    """An application from :data:`VILLAGE` at ``step`` since ``started``, due on ``due``."""
    return ApplicationState(
        chain="gansu-yijian-2023",
        region=VILLAGE,
        submitted_on=D("2026-06-01"),
        step=step,
        step_started_on=D(started),
        due_on=D(due) if due else None,
        final_due_on=D("2026-06-22"),
        status=status,  # type: ignore[arg-type]  # a Literal, given as str
        green=green,
    )


def notice(chain: Chain, today: str, application: ApplicationState | None = None) -> DeadlineNotice | None:
    return deadline_notice(chain, application or state(), today=D(today), calendar=CALENDAR)


def kinds(chain: Chain, application: ApplicationState, days: list[str]) -> dict[str, str | None]:
    """Day to what is due that day: ``reminder``, ``overdue 1`` (the round), or None."""
    found = {}
    for day in days:
        due = notice(chain, day, application)
        found[day] = None if due is None else due.kind if due.kind == "reminder" else f"overdue {due.round}"
    return found


@pytest.mark.parametrize(
    ("due", "reminded_on"),
    [
        pytest.param("2026-06-08", "2026-06-05", id="a Monday deadline on the Friday before"),
        pytest.param("2026-06-10", "2026-06-09", id="a Wednesday deadline on Tuesday"),
        pytest.param("2026-10-08", "2026-09-30", id="after National Day on the last working day before it"),
        pytest.param(
            "2026-10-12", "2026-10-10", id="a Monday after an adjusted working Saturday on that Saturday"
        ),
        pytest.param("2026-10-10", "2026-10-09", id="the adjusted working Saturday itself on Friday"),
    ],
)
def test_the_reminder_day_is_the_last_working_day_before_the_deadline(due: str, reminded_on: str) -> None:
    assert reminder_day(D(due), CALENDAR) == D(reminded_on)


def test_a_monday_deadline_is_reminded_from_friday_and_escalated_on_tuesday(yijian_chain: Chain) -> None:
    days = ["2026-06-04", "2026-06-05", "2026-06-06", "2026-06-07", "2026-06-08", "2026-06-09"]
    assert kinds(yijian_chain, state(due="2026-06-08"), days) == {
        "2026-06-04": None,  # Thursday: two working days left
        "2026-06-05": "reminder",  # Friday: the next working day is the deadline
        "2026-06-06": "reminder",  # a job that missed Friday still sends it (the same key: sent once)
        "2026-06-07": "reminder",
        "2026-06-08": "reminder",  # the deadline day itself, at the latest
        "2026-06-09": "overdue 1",  # Tuesday: a whole working day past the deadline
    }


def test_a_friday_deadline_is_escalated_on_monday_not_over_the_weekend(yijian_chain: Chain) -> None:
    days = ["2026-06-06", "2026-06-07", "2026-06-08"]
    assert kinds(yijian_chain, state(due="2026-06-05"), days) == {
        "2026-06-06": None,
        "2026-06-07": None,
        "2026-06-08": "overdue 1",
    }


def test_national_day_neither_reminds_nor_escalates(yijian_chain: Chain) -> None:
    holiday = [f"2026-10-0{day}" for day in range(1, 8)]
    after_the_holiday = state(due="2026-10-08", started="2026-09-25")
    assert kinds(yijian_chain, after_the_holiday, ["2026-09-29", "2026-09-30"]) == {
        "2026-09-29": None,
        "2026-09-30": "reminder",
    }
    before_the_holiday = state(due="2026-09-30", started="2026-09-23")
    assert set(kinds(yijian_chain, before_the_holiday, holiday).values()) == {None}
    escalation = notice(yijian_chain, "2026-10-08", before_the_holiday)
    assert escalation is not None and (escalation.kind, escalation.overdue_days) == ("overdue", 1)


def test_the_adjusted_working_saturday_counts(yijian_chain: Chain) -> None:
    monday = state(due="2026-10-12", started="2026-10-08")
    assert kinds(yijian_chain, monday, ["2026-10-09", "2026-10-10"]) == {
        "2026-10-09": None,  # Friday: Saturday the 10th is a working day before the deadline
        "2026-10-10": "reminder",
    }
    friday = state(due="2026-10-09", started="2026-10-08")
    assert kinds(yijian_chain, friday, ["2026-10-10", "2026-10-11"]) == {
        "2026-10-10": "overdue 1",  # the working Saturday is a working day past the deadline
        "2026-10-11": "overdue 1",
    }


def test_escalations_repeat_every_five_working_days_to_the_same_level(yijian_chain: Chain) -> None:
    due = state(due="2026-06-08")
    days = ["2026-06-09", "2026-06-15", "2026-06-16", "2026-06-23", "2026-06-24"]
    found = {day: notice(yijian_chain, day, due) for day in days}
    assert {day: (n.round, n.overdue_days) for day, n in found.items() if n} == {
        "2026-06-09": (1, 1),
        "2026-06-15": (1, 5),
        "2026-06-16": (2, 6),
        "2026-06-23": (2, 10),  # Friday 19 June was the Dragon Boat Festival
        "2026-06-24": (3, 11),
    }
    assert {(n.message.role, n.message.region) for n in found.values() if n} == {("township", "620102001")}


def test_escalate_every_zero_escalates_once(yijian_chain: Chain) -> None:
    once = msgspec.structs.replace(
        yijian_chain, reminders=Reminders(remind="reminder", escalate="overdue", escalate_every=0)
    )
    rounds = {n.round for day in ("2026-06-09", "2026-06-16", "2026-07-30") if (n := notice(once, day))}
    assert rounds == {1}


@pytest.mark.parametrize(
    ("step", "role", "region"),
    [
        pytest.param("village_review", "township", "620102001", id="village to township"),
        pytest.param("township_review", "county", "620102", id="township to county"),
        pytest.param("county_approval", "province", "62", id="county to province"),
    ],
)
def test_escalation_goes_one_level_up_in_the_applications_region(
    yijian_chain: Chain, step: str, role: str, region: str
) -> None:
    reminder = notice(yijian_chain, "2026-06-05", state(step))
    escalation = notice(yijian_chain, "2026-06-09", state(step))
    assert reminder is not None and escalation is not None
    assert reminder.message.role == yijian_chain.step(step).role
    assert reminder.message.region == VILLAGE[: len(reminder.message.region)]
    assert (escalation.message.role, escalation.message.region) == (role, region)
    assert (reminder.message.template, escalation.message.template) == ("reminder", "overdue")


def test_a_province_step_has_no_level_above(yijian_chain: Chain) -> None:
    steps = [msgspec.structs.replace(yijian_chain.steps[-1], id="archive", role="province")]
    chain = msgspec.structs.replace(yijian_chain, steps=steps)
    assert role_above("province") is None
    assert notice(chain, "2026-06-09", state("archive")) is None
    reminder = notice(chain, "2026-06-05", state("archive"))
    assert reminder is not None and (reminder.message.role, reminder.message.region) == ("province", "62")


@pytest.mark.parametrize(
    "application",
    [
        pytest.param(state(status="approved", due=None), id="approved"),
        pytest.param(state(status="refused", due=None), id="refused"),
        pytest.param(state(due=None), id="no deadline"),
        pytest.param(state(started="2026-06-05"), id="the step began on the reminder day"),
    ],
)
def test_nothing_is_due(yijian_chain: Chain, application: ApplicationState) -> None:
    assert notice(yijian_chain, "2026-06-05", application) is None
    if application.due_on is None:
        assert notice(yijian_chain, "2026-06-30", application) is None


def test_a_chain_without_reminders_sends_none(yijian_chain: Chain) -> None:
    silent = msgspec.structs.replace(yijian_chain, reminders=None)
    assert notice(silent, "2026-06-05") is None and notice(silent, "2026-06-09") is None
    no_escalation = msgspec.structs.replace(yijian_chain, reminders=Reminders(remind="reminder"))
    assert notice(no_escalation, "2026-06-05") is not None and notice(no_escalation, "2026-06-09") is None


def test_a_new_deadline_for_the_same_step_is_a_new_key(yijian_chain: Chain) -> None:
    first = notice(yijian_chain, "2026-06-05")
    returned = notice(yijian_chain, "2026-06-12", state(due="2026-06-15", started="2026-06-08"))
    assert first is not None and returned is not None
    assert first.key == ("household_check", D("2026-06-08"), "reminder", 0)
    assert returned.key == ("household_check", D("2026-06-15"), "reminder", 0)


@pytest.mark.parametrize("name", ["gansu-yijian-2023", "gansu-zizhu-2021"])
def test_the_gansu_texts(name: str, yijian_chain: Chain, zizhu_chain: Chain) -> None:
    chain = yijian_chain if name == "gansu-yijian-2023" else zizhu_chain
    green = state(due="2026-10-12", started="2026-10-08", green=True)
    reminder = notice(chain, "2026-10-10", green)
    escalation = notice(chain, "2026-10-15", green)  # 13, 14, 15 October: three working days late
    assert reminder is not None and escalation is not None
    reminder_text = sms_text(chain, reminder.message, receipt="2606 0100 0001")
    escalation_text = sms_text(chain, escalation.message, receipt="2606 0100 0001")
    step = "村级入户核查" if name == "gansu-yijian-2023" else "家庭经济状况核查"
    assert "2606 0100 0001" in reminder_text and step in reminder_text and "10月12日到期" in reminder_text
    assert "（绿色通道）" in reminder_text and "{" not in reminder_text
    assert "已超期3个工作日" in escalation_text and "期限10月12日" in escalation_text
    assert step in escalation_text and "督促" in escalation_text


def test_a_year_the_calendar_does_not_know_is_an_error(yijian_chain: Chain) -> None:
    with pytest.raises(CalendarError, match="2027"):
        notice(yijian_chain, "2027-01-05", state(due="2026-12-31", started="2026-12-20"))
