"""Use cases: every change of an application is one typed function that owns its transaction.

The layer between the pages and the rest: it calls the pure engines (:mod:`shenbao.forms`,
:mod:`shenbao.workflow`) and the store (:mod:`shenbao.store`), and returns what happened or raises a typed
refusal; the web layer parses a request, calls one of these, and renders what it returned.

- :func:`submit_evaluated`: a farmer's (or the API's) application, its first step and the SMS to the village;
- :func:`act`: a handler's decision; :func:`record_check`: the household check; :func:`appeal`: the
  applicant's appeal — all three take a step the same way (:mod:`shenbao.cases.decisions`).
"""

from shenbao.cases.context import Platform
from shenbao.cases.decisions import (
    AlreadyDone,
    CheckIncomplete,
    NotInRegion,
    Taken,
    act,
    appeal,
    application_by_receipt,
    record_check,
)
from shenbao.cases.notices import queue_notices
from shenbao.cases.submission import POLICY_MISMATCH, submit_evaluated
from shenbao.cases.workflows import Workflow, actor_of, check_form_of, store_state, workflow_of

__all__ = [
    "POLICY_MISMATCH",
    "AlreadyDone",
    "CheckIncomplete",
    "NotInRegion",
    "Platform",
    "Taken",
    "Workflow",
    "act",
    "actor_of",
    "appeal",
    "application_by_receipt",
    "check_form_of",
    "queue_notices",
    "record_check",
    "store_state",
    "submit_evaluated",
    "workflow_of",
]
