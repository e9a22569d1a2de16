"""What the staff inbox page shows: its tabs and filters (plain links with counts), its rows, its pager.

The handler (``GET /staff/`` in :mod:`shenbao.web.staff.home`) reads the signed-in staff member and calls
:func:`inbox_view`; the query itself is :func:`shenbao.store.inbox.inbox_page`. Everything travels in GET
parameters, so the page works without JavaScript and a link can be bookmarked or shared:

- ``view``: ``mine`` (轮到我办: open cases at a step of the staff member's role) or ``all`` (本辖区全部);
- ``show``: a filter of :data:`~shenbao.store.inbox.FILTERS` (absent: everything);
- ``after`` / ``before``: the key of the row a page starts after or ends before.

A value the page does not know is ignored (the default is shown), never an error: these links get typed,
shortened and forwarded in chat apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from shenbao.forms import CompiledForm
from shenbao.forms.model import text_of
from shenbao.packs import ChainRegistry
from shenbao.regions import Divisions
from shenbao.roles import Role
from shenbao.statuses import STATUS_LABELS, status_label
from shenbao.store.inbox import (
    COUNT_CAP,
    FILTERS,
    InboxEntry,
    InboxFilter,
    InboxKey,
    InboxPage,
    InboxQuery,
    InboxView,
    NamePaths,
    inbox_counts,
    inbox_page,
)
from shenbao.store.receipts import format_receipt
from shenbao.store.staff import StaffRecord
from shenbao.web.services import Services
from shenbao.workflow.calendar import CalendarError, deadline_status

__all__ = [
    "FILTER_LABELS",
    "FLAG_LABELS",
    "VIEW_LABELS",
    "InboxRequest",
    "count_text",
    "inbox_view",
    "name_paths",
    "read_request",
    "turn_keys",
]

FLAG_LABELS = {"policy_mismatch": "需核实"}
VIEW_LABELS: dict[InboxView, str] = {"mine": "轮到我办", "all": "本辖区全部"}
FILTER_LABELS: dict[InboxFilter, str] = {
    "": "全部",
    "submitted": STATUS_LABELS["submitted"],
    "in_progress": STATUS_LABELS["in_progress"],
    "approved": STATUS_LABELS["approved"],
    "refused": STATUS_LABELS["refused"],
    "overdue": "已超期",
    "flagged": "有标记",
    "green": "绿色通道",
}
_FINISHED_FILTERS = frozenset({"approved", "refused"})


def turn_keys(forms: Iterable[CompiledForm], chains: ChainRegistry, role: Role) -> frozenset[str]:
    """The ``form_id/step_id`` of every step at which ``role`` acts, for the ``mine`` view.

    A form whose chain starts with ``role`` also gives ``form_id/``: a case stored without a workflow state
    (its deadline fell in a year the calendar did not know) waits at that first step.
    """
    keys: set[str] = set()
    for form in forms:
        for chain in chains.versions():  # a case may be on any version of its chain
            if chain.id != form.definition.chain:
                continue
            keys.update(f"{form.id}/{step.id}" for step in chain.steps if step.role == role)
            if chain.steps[0].role == role:
                keys.add(f"{form.id}/")
    return frozenset(keys)


def name_paths(forms: Iterable[CompiledForm]) -> NamePaths:
    """Where each form keeps the applicant's name (its ``applicant_name``), for the forms that say."""
    return {
        form.id: tuple(form.definition.applicant_name.split("."))
        for form in forms
        if form.definition.applicant_name
    }


@dataclass(frozen=True, slots=True)
class InboxRequest:
    """The inbox's GET parameters, read by :func:`read_request`.

    Attributes:
        view: ``mine`` or ``all``.
        show: the filter (``""``: none).
        after: the key the page starts after (the next page).
        before: the key the page ends before (the previous page); ``None`` when ``after`` is given.
    """

    view: InboxView
    show: InboxFilter = ""
    after: InboxKey | None = None
    before: InboxKey | None = None

    def link(self, base: str, **changes: str) -> str:
        """The inbox URL with this view and filter, and the cursor in ``changes`` (``after=...``), if any."""
        params = {"view": self.view, "show": self.show, **changes}
        return f"{base}/staff/?" + urlencode({key: value for key, value in params.items() if value})


def read_request(params: Mapping[str, str], *, can_have_turns: bool) -> InboxRequest:
    """Read ``view``, ``show``, ``after`` and ``before`` leniently: anything unknown falls back to the default.

    ``mine`` is the default, and only possible, when some step is the role's.
    """
    view: InboxView = "all"
    if can_have_turns and params.get("view") != "all":
        view = "mine"
    raw_show = params.get("show", "")
    show: InboxFilter = raw_show if raw_show in FILTERS else ""
    if show in _FINISHED_FILTERS:
        view = "all"  # a finished case is nobody's turn: show the region's
    after = InboxKey.parse(params.get("after"))
    before = None if after is not None else InboxKey.parse(params.get("before"))
    return InboxRequest(view=view, show=show, after=after, before=before)


def count_text(count: int) -> str:
    """A count as a filter link shows it: ``12``, or ``99+`` past the cap."""
    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def _place(entry: InboxEntry, staff: StaffRecord, divisions: Divisions) -> str:
    """Where an application comes from, named below the staff member's own region (a village: its name)."""
    if not entry.region_code:
        return ""
    try:
        path = divisions.path(entry.region_code)
    except KeyError:
        return entry.region_code
    below = [division.name for division in path if len(division.code) > len(staff.region_code)]
    return " ".join(below) or path[-1].name


def _step_and_deadline(services: Services, entry: InboxEntry, today: dt.date) -> dict[str, Any]:
    form = services.forms.get(entry.form_id)
    found = services.chains.get(form.definition.chain) if form and form.definition.chain else None
    step_id = entry.step
    if found is not None and step_id is None and entry.status == "submitted":
        step_id = found[0].steps[0].id  # stored without a workflow state: it waits at the first step
    step = ""
    if found is not None and step_id is not None:
        try:
            step = text_of(found[0].step(step_id).name)
        except KeyError:
            step = step_id
    finished = entry.status in _FINISHED_FILTERS
    deadline, overdue = "", False
    if not finished and entry.deadline is not None and found is not None:
        try:
            shown = deadline_status(entry.deadline, today, found[1])
            deadline, overdue = shown.text, shown.overdue
        except CalendarError:  # a year the calendar does not know: the date alone
            deadline = f"{entry.deadline.month}月{entry.deadline.day}日前"
    elif not finished and found is not None:
        deadline = "期限待定"
    return {"step": step, "deadline": deadline, "overdue": overdue, "finished": finished}


def _row(services: Services, entry: InboxEntry, staff: StaffRecord, today: dt.date) -> dict[str, Any]:
    return {
        "id": entry.id,
        "receipt": format_receipt(entry.receipt_number),
        "name": entry.applicant_name or "",
        "place": _place(entry, staff, services.packs.divisions),
        "status": status_label(entry.status),
        "green": entry.green,
        "flags": [FLAG_LABELS.get(flag, flag) for flag in entry.flags],
        **_step_and_deadline(services, entry, today),
    }


async def inbox_view(
    services: Services, staff: StaffRecord, params: Mapping[str, str], today: dt.date
) -> dict[str, Any]:
    """Everything ``staff/inbox.html`` shows for one request: tabs, filters with counts, rows, pager links.

    Args:
        services: the application's services.
        staff: the signed-in staff member (their region scopes every query).
        params: the request's query parameters.
        today: today's date in China.
    """
    turns = turn_keys(services.forms, services.chains, staff.role)
    request = read_request(params, can_have_turns=bool(turns))
    query = InboxQuery(
        region_code=staff.region_code,
        view=request.view,
        filter=request.show,
        turns=turns,
        today=today,
        after=request.after,
        before=request.before,
    )
    page: InboxPage = await inbox_page(services.database, query, names=name_paths(services.forms))
    shown_filters = [each for each in FILTERS if request.view == "all" or each not in _FINISHED_FILTERS]
    counts = await inbox_counts(
        services.database,
        staff.region_code,
        view=request.view,
        turns=turns,
        today=today,
        filters=shown_filters,
    )
    base = services.base
    views = [
        {
            "label": VIEW_LABELS[view],
            "count": count_text(counts[f"view:{view}"]),
            "href": InboxRequest(view=view).link(base),
            "current": view == request.view,
        }
        for view in (("mine", "all") if turns else ("all",))
    ]
    filters = [
        {
            "label": FILTER_LABELS[each],
            "count": count_text(counts[each]),
            "href": InboxRequest(view=request.view, show=each).link(base),
            "current": each == request.show,
            "kind": each or "everything",
            "alert": each == "overdue" and counts[each] > 0,
        }
        for each in shown_filters
    ]
    entries = page.entries
    return {
        "views": views,
        "filters": filters,
        "view_label": VIEW_LABELS[request.view],
        "filter_label": FILTER_LABELS[request.show],
        "filtered": bool(request.show),
        "rows": [_row(services, entry, staff, today) for entry in entries],
        "previous": (
            request.link(base, before=entries[0].key.token()) if page.has_previous and entries else ""
        ),
        "next": request.link(base, after=entries[-1].key.token()) if page.has_next and entries else "",
        "first": request.link(base) if request.after or request.before else "",
        "mine_empty_hint": request.view == "mine" and not entries and counts["view:all"] > 0,
        "all_href": InboxRequest(view="all").link(base),
    }
