"""Chains, actors and a driver shared by the workflow tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shenbao.paths import form_defs_dir
from shenbao.workflow import Actor, ApplicationState, Chain, Event, WorkingCalendar, apply, start
from shenbao.workflow.lint import decode_chain
from shenbao.workflow.model import Action

CHAINS = form_defs_dir() / "gansu" / "chains"
CALENDAR = WorkingCalendar()

VILLAGE = "620102001001"
"""The applicant's village; its township is 620102001 and its county 620102."""
SUBMITTED = dt.date(2026, 9, 30)
"""A Wednesday: the next working day is 8 October, after National Day (1–7 October 2026)."""

VILLAGE_HANDLER = Actor(id="v1", role="village", region=VILLAGE)
TOWNSHIP_HANDLER = Actor(id="t1", role="township", region="620102001")
COUNTY_HANDLER = Actor(id="c1", role="county", region="620102")
HANDLERS = {actor.role: actor for actor in (VILLAGE_HANDLER, TOWNSHIP_HANDLER, COUNTY_HANDLER)}

CHECK_ANSWERS: dict[str, Any] = {"housing": "unsafe", "members": 3, "meets_standard": "yes"}


def gansu_chain(name: str) -> Chain:
    """One of the Gansu pack's chains by file name (without ``.json``)."""
    path = CHAINS / f"{name}.json"
    return decode_chain(path.read_bytes(), source=str(path))


def submitted(chain: Chain, answers: dict[str, Any] | None = None) -> ApplicationState:
    """An application just submitted on :data:`SUBMITTED` from :data:`VILLAGE`."""
    state, _ = start(chain, region=VILLAGE, submitted_on=SUBMITTED, answers=answers or {}, calendar=CALENDAR)
    return state


def act(
    chain: Chain, state: ApplicationState, action: Action, today: dt.date = SUBMITTED
) -> tuple[ApplicationState, list[Event]]:
    """Apply ``action`` as the handler of the current step."""
    actor = HANDLERS[chain.step(state.step).role]
    return apply(chain, state, action, actor=actor, today=today, calendar=CALENDAR)
