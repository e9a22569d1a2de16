"""Deadlines written as pending (期限待定) because their year was missing from the calendar, filled in later.

A pack's calendar learns a year when the platform starts (``holidays.json``, chinesecalendar and the years saved
on the admin page are read then) and when a province admin saves one (:mod:`shenbao.cases.holidays`). Each time,
:func:`fill_pending_deadlines` runs: every open application whose deadline is still unknown gets it computed, where
the calendar now knows the year.

Every process does it at start, and an admin's save does it while the others serve: each case is claimed by reading
it locked inside the transaction that writes it, so two processes fill it once and a decision is never undone.
"""

from __future__ import annotations

import logging

from shenbao import store
from shenbao.packs import ChainRegistry
from shenbao.store.reminders import locked_pending_state
from shenbao.store.tables import Application
from shenbao.workflow import fill_deadlines
from shenbao.workflow.stored import history_of, workflow_json

__all__ = ["fill_pending_deadlines"]

log = logging.getLogger("shenbao.cases.deadlines")
_FINISHED = ("approved", "refused")


async def fill_pending_deadlines(database: store.Database, chains: ChainRegistry) -> int:
    """Compute the deadlines left pending by a calendar that lacked their year, each on the chain version its case
    started on; return how many were filled."""
    rows = await (
        Application.select(Application.id)
        .where(Application.deadline.is_null())
        .where(Application.workflow_state.is_not_null())
        .where(Application.status.not_in(list(_FINISHED)))
    )
    filled = 0
    for row in rows:
        # Every process runs this at start: each case is re-read locked, in the transaction that fills it, so a
        # decision taken since the list was read (here or in another process) is never overwritten.
        async with database.transaction():
            stored = await locked_pending_state(database, row["id"])
            if stored is None:
                continue  # decided, filled by another process, or held by one right now
            state, history = history_of(stored)
            workflow = chains.of(state.chain, state.chain_version)  # the version the case started on
            if workflow is None:
                continue
            chain, calendar = workflow
            new = fill_deadlines(chain, state, calendar)
            if new == state:
                continue
            await store.set_workflow_state(
                database,
                row["id"],
                state=workflow_json(new, history, []),
                deadline=new.due_on,
                green=new.green,
            )
        filled += 1
    if filled:
        log.info("filled in %d pending deadline(s)", filled)
    return filled
