"""The one vocabulary of an application's statuses: the staff's words, and the applicant's.

An application is ``submitted`` until a handler first acts on it (受理), ``in_progress`` while its chain runs,
and ``approved`` or ``refused`` once finished. Two tables name them, on purpose:

- :data:`STATUS_LABELS`, the staff's words, on every staff page, filter, statistic, export and audit row. They
  are the words of the notices the staff work from: a case waits to be 受理'd, is 办理'd, and ends 审批通过
  (the county's 审批) or 不予纳入 (not admitted as a monitored household).
- :data:`APPLICANT_STATUS_LABELS`, the applicant's words, on the status page: a farmer is told what happened
  to the application in plain words (正在办理, 没有通过), never the bureau's terms of art.

A page never writes a status word by hand: it reads one of these tables.
"""

from __future__ import annotations

from typing import Literal, TypeAlias

__all__ = [
    "APPLICANT_STATUS_LABELS",
    "FINISHED_STATUSES",
    "STATUSES",
    "STATUS_LABELS",
    "ApplicationStatus",
    "applicant_status_label",
    "status_label",
]

ApplicationStatus: TypeAlias = Literal["submitted", "in_progress", "approved", "refused"]
STATUSES: tuple[ApplicationStatus, ...] = ("submitted", "in_progress", "approved", "refused")
"""In the order of the chain: waiting, being handled, then the two ends."""
FINISHED_STATUSES: frozenset[ApplicationStatus] = frozenset({"approved", "refused"})

STATUS_LABELS: dict[ApplicationStatus, str] = {
    "submitted": "待受理",
    "in_progress": "办理中",
    "approved": "已审批通过",
    "refused": "不予纳入",
}
"""How staff read each status (the inbox's tags and filters, the application page, the statistics)."""

APPLICANT_STATUS_LABELS: dict[ApplicationStatus, str] = {
    "submitted": "已提交",
    "in_progress": "正在办理",
    "approved": "已经通过",
    "refused": "没有通过",
}
"""How the applicant reads each status (the status page's headline)."""

# the same tables, looked up by any stored string
_STAFF_WORDS = {str(status): label for status, label in STATUS_LABELS.items()}
_APPLICANT_WORDS = {str(status): label for status, label in APPLICANT_STATUS_LABELS.items()}


def status_label(status: str) -> str:
    """The staff's word for ``status``; a status this table does not know is shown as it is stored."""
    return _STAFF_WORDS.get(status, status)


def applicant_status_label(status: str) -> str:
    """The applicant's word for ``status``; a status this table does not know is shown as it is stored."""
    return _APPLICANT_WORDS.get(status, status)
