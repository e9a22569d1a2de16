"""An application's workflow state as the database keeps it: the engine's state with its history, as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import msgspec

from shenbao.workflow.model import ApplicationState, Recorded

__all__ = ["HISTORY", "history_of", "workflow_json"]

HISTORY = "history"
"""The key, in the stored workflow state, of the list of history rows (the engine's ``Recorded`` events)."""


def workflow_json(state: ApplicationState, history: list[Recorded], events: Iterable[Any]) -> dict[str, Any]:
    """The stored workflow state: the engine's state with its history, to which ``events``' rows are added."""
    rows = [*history, *(event for event in events if isinstance(event, Recorded))]
    stored: dict[str, Any] = msgspec.to_builtins(state)
    stored[HISTORY] = msgspec.to_builtins(rows)
    return stored


def history_of(stored: dict[str, Any]) -> tuple[ApplicationState, list[Recorded]]:
    """The engine's state and the history rows from a stored workflow state (see :func:`workflow_json`).

    A refusal stored before the state kept its day (``refused_on``) gets it from its history row, so the
    appeal window counts from the real refusal.
    """
    fields = {key: value for key, value in stored.items() if key != HISTORY}
    state = msgspec.convert(fields, ApplicationState)
    history = msgspec.convert(stored.get(HISTORY, []), list[Recorded])
    if state.status == "refused" and state.refused_on is None:
        refusals = [row.on for row in history if row.action == "refuse"]
        if refusals:
            state = msgspec.structs.replace(state, refused_on=refusals[-1])
    return state, history
