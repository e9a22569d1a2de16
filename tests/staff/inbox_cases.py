"""Applications with a known place in the inbox: status, step, deadline, green channel, flags, applicant's name.

:func:`expected` is the inbox's rules written again, plainly, over these cases: the tests compare the SQL's
answer with it.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from shenbao import store
from shenbao.store.inbox import InboxFilter, InboxView
from tests.support.applications import Stage, add_application

TODAY = dt.date(2026, 6, 1)
"""The day the tests look at the inbox on (a Monday; every deadline stays in a year chinesecalendar knows)."""
FORM_2023 = "gansu-yijian-2023"
FORM_2021 = "gansu-zizhu-2021"
NAMES = {FORM_2023: ("name",), FORM_2021: ("q4", "name")}
VILLAGE_STEPS = ("household_check", "check_answer", "village_review")
STEPS_2023 = (*VILLAGE_STEPS, "township_review", "county_approval", "national_entry")


@dataclass(frozen=True)
class Case:
    """One application as the inbox sees it; ``step`` ``None`` stores no workflow state (deadline unknown)."""

    place: str
    status: str = "submitted"
    step: str | None = "household_check"
    deadline: dt.date | None = None
    green: bool = False
    flagged: bool = False
    form_id: str = FORM_2023
    name: str = "张三"

    @property
    def finished(self) -> bool:
        return self.status in ("approved", "refused")

    @property
    def turn(self) -> str:
        return f"{self.form_id}/{self.step or ''}"


async def add_case(db: store.Database, case: Case) -> int:
    """Store the case with the application builder, its workflow state written by hand; return its id."""
    answers = {"name": case.name} if case.form_id == FORM_2023 else {"q4": {"name": case.name}}
    built = await add_application(
        db,
        case.form_id,
        region=case.place,
        answers=answers,
        flags=["policy_mismatch"] if case.flagged else [],
        stage=Stage(step=case.step, due_on=case.deadline, green=case.green),
        status=case.status,
    )
    return built.id


def random_cases(places: list[str], count: int, seed: int = 5) -> list[Case]:
    """``count`` cases over ``places``: every status, step, filter and many equal deadlines (ties)."""
    rng = random.Random(seed)
    cases = []
    for index in range(count):
        status = rng.choice(("submitted", "in_progress", "in_progress", "approved", "refused"))
        finished = status in ("approved", "refused")
        form_id = rng.choice((FORM_2023, FORM_2023, FORM_2021))
        step: str | None = "household_check" if status == "submitted" else rng.choice(STEPS_2023[:5])
        if form_id == FORM_2021 and step in ("township_review", "county_approval"):
            step = "township_check" if step == "township_review" else "county_decision"
        if status == "submitted" and rng.random() < 0.1:
            step = None
        deadline = None
        if not finished and step is not None and rng.random() < 0.9:
            deadline = TODAY + dt.timedelta(days=rng.randint(-4, 5))  # few distinct days: many ties
        cases.append(
            Case(
                place=rng.choice(places),
                status=status,
                step=step,
                deadline=deadline,
                green=rng.random() < 0.2,
                flagged=rng.random() < 0.25,
                form_id=form_id,
                name=f"申请人{index}",
            )
        )
    return cases


def matches(case: Case, view: InboxView, filter: InboxFilter, turns: frozenset[str]) -> bool:
    """Whether the inbox should list ``case`` in ``view`` with ``filter``."""
    if view == "mine" and (case.finished or case.turn not in turns):
        return False
    if filter in ("submitted", "in_progress", "approved", "refused"):
        return case.status == filter
    if filter == "overdue":
        return not case.finished and case.deadline is not None and case.deadline < TODAY
    if filter == "flagged":
        return case.flagged
    if filter == "green":
        return case.green
    return True


def expected(
    cases: dict[int, Case], view: InboxView, filter: InboxFilter, turns: frozenset[str], region: str
) -> list[int]:
    """The ids the inbox should list, in its order: open green cases, other open cases, finished ones;
    then the nearest deadline (none last); then the oldest open case, or the newest finished one."""

    def order(item: tuple[int, Case]) -> tuple[int, dt.date, int]:
        number, case = item
        rank = 2 if case.finished else (0 if case.green else 1)
        return rank, case.deadline or dt.date(9999, 1, 1), -number if case.finished else number

    inside = [
        (number, case)
        for number, case in cases.items()
        if case.place.startswith(region) and matches(case, view, filter, turns)
    ]
    return [number for number, _ in sorted(inside, key=order)]
