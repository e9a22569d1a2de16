"""The inbox query on SQLite and PostgreSQL: its order, every filter and view, keyset pages, counts, scoping."""

from __future__ import annotations

import datetime as dt

import pytest

from shenbao import store
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.roles import Role
from shenbao.store.inbox import (
    FILTERS,
    InboxFilter,
    InboxKey,
    InboxQuery,
    InboxView,
    inbox_counts,
    inbox_page,
    page_statement,
)
from shenbao.web.staff.inbox import turn_keys
from tests.staff.inbox_cases import NAMES, TODAY, Case, add_case, expected, random_cases
from tests.support.staff import ACCOUNTS, INSIDE, PLACES

pytestmark = pytest.mark.anyio

VIEWS: list[tuple[InboxView, InboxFilter]] = [("all", each) for each in FILTERS] + [
    ("mine", each) for each in FILTERS
]


@pytest.fixture(scope="module")
def turns() -> dict[Role, frozenset[str]]:
    forms = FormRegistry.from_packs(["gansu"])
    chains = ChainRegistry.from_packs(["gansu"])
    return {
        role: turn_keys(forms, chains, role) for role in ("village", "township", "county", "city", "province")
    }


async def _add(db: store.Database, cases: list[Case]) -> dict[int, Case]:
    return {await add_case(db, case): case for case in cases}


async def _everything(db: store.Database, query: InboxQuery) -> list[int]:
    """Every id of a query, page after page (following ``after``)."""
    ids: list[int] = []
    after: InboxKey | None = None
    while True:
        page = await inbox_page(db, InboxQuery(**{**_fields(query), "after": after}), names=NAMES)
        ids += [entry.id for entry in page.entries]
        if not page.has_next:
            return ids
        after = page.entries[-1].key


def _fields(query: InboxQuery) -> dict[str, object]:
    return {name: getattr(query, name) for name in query.__struct_fields__}


async def test_open_green_cases_come_first_then_the_nearest_deadline_then_finished_ones(
    db: store.Database,
) -> None:
    village = PLACES["village"]
    day = dt.timedelta(days=1)
    ids = await _add(
        db,
        [
            Case(place=village, status="approved", step="national_entry"),  # finished, older
            Case(place=village, status="in_progress", step="check_answer", deadline=TODAY + 3 * day),
            Case(place=village, status="submitted", step=None),  # no deadline known yet
            Case(
                place=village,
                status="in_progress",
                step="village_review",
                deadline=TODAY + 9 * day,
                green=True,
            ),
            Case(place=village, status="submitted", deadline=TODAY - day),  # overdue
            Case(place=village, status="refused", step="check_answer", green=True),  # finished, newer
            Case(
                place=village, status="submitted", deadline=TODAY + 3 * day
            ),  # same day as the second, newer
            Case(place=village, status="submitted", deadline=TODAY + day, green=True),
        ],
    )
    page = await inbox_page(db, InboxQuery(region_code="62", today=TODAY), names=NAMES)
    order = list(ids)
    assert [entry.id for entry in page.entries] == [
        order[7],  # green, due tomorrow
        order[3],  # green, due in 9 days
        order[4],  # overdue
        order[1],  # due in 3 days, submitted first
        order[6],  # due in 3 days, submitted after it
        order[2],  # open without a deadline
        order[5],  # finished, the newest first
        order[0],
    ]
    assert page.has_previous is False and page.has_next is False


@pytest.mark.parametrize(("view", "filter"), VIEWS, ids=lambda value: value or "everything")
async def test_every_view_and_filter_lists_exactly_its_cases_in_order(
    db: store.Database, turns: dict[Role, frozenset[str]], view: InboxView, filter: InboxFilter
) -> None:
    places = [PLACES[place] for place in ("village", "sibling_village", "other_township")]
    cases = await _add(db, random_cases(places, 60))
    for role in ("village", "township", "county"):
        region = ACCOUNTS[role]
        query = InboxQuery(region_code=region, view=view, filter=filter, turns=turns[role], today=TODAY)
        want = expected(cases, view, filter, turns[role], region)
        assert await _everything(db, query) == want, (role, view, filter)


async def test_the_mine_view_holds_the_open_cases_at_the_roles_steps(
    db: store.Database, turns: dict[Role, frozenset[str]]
) -> None:
    village = PLACES["village"]
    ids = await _add(
        db,
        [
            Case(place=village, status="submitted"),
            Case(place=village, status="in_progress", step="village_review"),
            Case(place=village, status="in_progress", step="township_review"),
            Case(place=village, status="in_progress", step="county_approval"),
            Case(place=village, status="submitted", step=None),  # stored without a state: the first step
            Case(place=village, status="refused", step="check_answer"),
        ],
    )
    order = list(ids)

    async def mine(role: Role) -> set[int]:
        query = InboxQuery(region_code=ACCOUNTS[role], view="mine", turns=turns[role], today=TODAY)
        return {entry.id for entry in (await inbox_page(db, query)).entries}

    assert await mine("village") == {order[0], order[1], order[4]}
    assert await mine("township") == {order[2]}
    assert await mine("county") == {order[3]}
    assert await mine("province") == set()  # no step is the province's
    assert await mine("city") == set()  # nor the city's
    assert turns["province"] == frozenset()


async def test_overdue_means_a_deadline_before_today(db: store.Database) -> None:
    village = PLACES["village"]
    ids = await _add(
        db,
        [
            Case(place=village, deadline=TODAY - dt.timedelta(days=1)),
            Case(place=village, deadline=TODAY),  # due today: not overdue yet
            Case(place=village, status="refused", step="check_answer"),
        ],
    )
    query = InboxQuery(region_code=village, filter="overdue", today=TODAY)
    assert [entry.id for entry in (await inbox_page(db, query)).entries] == [next(iter(ids))]


@pytest.mark.parametrize("count", [0, 1, 4, 5, 8, 9, 23], ids=lambda count: f"{count}-cases")
async def test_pages_have_no_gaps_and_no_repeats_both_ways(db: store.Database, count: int) -> None:
    cases = await _add(db, random_cases([PLACES["village"], PLACES["sibling_village"]], count, seed=count))
    want = expected(cases, "all", "", frozenset(), "62")
    base = InboxQuery(region_code="62", today=TODAY, limit=4)
    pages: list[list[int]] = []
    page = await inbox_page(db, base)
    assert page.has_previous is False
    pages.append([entry.id for entry in page.entries])
    while page.has_next:
        page = await inbox_page(db, InboxQuery(**{**_fields(base), "after": page.entries[-1].key}))
        assert page.entries, "a next page is never empty"
        assert page.has_previous is True
        pages.append([entry.id for entry in page.entries])
    assert [number for chunk in pages for number in chunk] == want
    assert all(len(chunk) == 4 for chunk in pages[:-1])
    # back from the last page with ``before``: the same pages, in reverse
    back = [pages[-1]]
    first = page.entries[0].key if page.entries else None
    while first is not None:
        page = await inbox_page(db, InboxQuery(**{**_fields(base), "before": first}))
        if not page.entries:
            break
        assert page.has_next is True
        back.insert(0, [entry.id for entry in page.entries])
        first = page.entries[0].key if page.has_previous else None
    assert back == pages


async def test_a_case_decided_between_two_pages_makes_no_gap(db: store.Database) -> None:
    village = PLACES["village"]
    cases = await _add(db, random_cases([village], 12, seed=3))
    base = InboxQuery(region_code=village, today=TODAY, limit=5)
    first = await inbox_page(db, base)
    moved = next(entry.id for entry in first.entries if not cases[entry.id].finished)
    await store.set_workflow_state(db, moved, state=None, deadline=None, green=False, status="approved")
    cases[moved] = Case(place=village, status="approved", step=None)  # now among the finished cases
    second = await inbox_page(db, InboxQuery(**{**_fields(base), "after": first.entries[-1].key}))
    want = expected(cases, "all", "", frozenset(), village)
    assert [entry.id for entry in second.entries] == want[want.index(first.entries[-1].id) + 1 :][:5]


@pytest.mark.parametrize("role", list(ACCOUNTS))
async def test_filters_never_leave_the_staff_region(
    db: store.Database, turns: dict[Role, frozenset[str]], role: Role
) -> None:
    cases = await _add(db, random_cases(list(PLACES.values()), 50, seed=11))
    inside = {PLACES[place] for place in INSIDE[role]}
    for view, filter in VIEWS:
        query = InboxQuery(
            region_code=ACCOUNTS[role], view=view, filter=filter, turns=turns[role], today=TODAY
        )
        ids = await _everything(db, query)
        assert {cases[number].place for number in ids} <= inside, (role, view, filter)
        counts = await inbox_counts(db, ACCOUNTS[role], view=view, turns=turns[role], today=TODAY)
        assert counts[filter] == len(ids), (role, view, filter)


async def test_counts_match_the_lists_and_stop_at_the_cap(
    db: store.Database, turns: dict[Role, frozenset[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = await _add(db, random_cases([PLACES["village"]], 30, seed=2))
    region = PLACES["village"]
    counts = await inbox_counts(db, region, view="all", turns=turns["village"], today=TODAY)
    for filter in FILTERS:
        assert counts[filter] == len(expected(cases, "all", filter, turns["village"], region)), filter
    assert counts["view:all"] == 30
    assert counts["view:mine"] == len(expected(cases, "mine", "", turns["village"], region))
    monkeypatch.setattr("shenbao.store.inbox_sql.COUNT_CAP", 3)
    capped = await inbox_counts(db, region, view="all", turns=turns["village"], today=TODAY)
    assert capped["view:all"] == 4 and capped[""] == 4
    mine = await inbox_counts(db, region, view="mine", turns=turns["village"], today=TODAY)
    assert mine["approved"] == 0 and mine["refused"] == 0  # nobody's turn once finished


async def test_each_row_carries_its_name_step_deadline_and_flags(db: store.Database) -> None:
    village = PLACES["village"]
    await _add(
        db,
        [
            Case(place=village, name="王秀英", deadline=TODAY, flagged=True),
            Case(place=village, form_id="gansu-zizhu-2021", name="李建国", step="check_answer", green=True),
        ],
    )
    entries = (await inbox_page(db, InboxQuery(region_code=village, today=TODAY), names=NAMES)).entries
    assert [(entry.applicant_name, entry.step, entry.green) for entry in entries] == [
        ("李建国", "check_answer", True),
        ("王秀英", "household_check", False),
    ]
    assert entries[1].deadline == TODAY and entries[1].flags == ("policy_mismatch",)
    assert entries[0].region_code == village and entries[0].status == "submitted"
    nameless = (await inbox_page(db, InboxQuery(region_code=village, today=TODAY))).entries
    assert {entry.applicant_name for entry in nameless} == {None}


@pytest.mark.parametrize("code", ["", "62%", "6 2", "６２"])
async def test_the_inbox_refuses_anything_but_a_code(db: store.Database, code: str) -> None:
    with pytest.raises(ValueError, match="not a region code"):
        await inbox_page(db, InboxQuery(region_code=code, today=TODAY))
    with pytest.raises(ValueError, match="not a region code"):
        await inbox_counts(db, code, view="all", turns=frozenset(), today=TODAY)


@pytest.mark.parametrize("role", list(ACCOUNTS))
@pytest.mark.parametrize(("view", "filter"), [("all", ""), ("all", "approved"), ("mine", "overdue")])
async def test_each_level_reads_its_own_inbox_index(
    db: store.Database, turns: dict[Role, frozenset[str]], role: Role, view: InboxView, filter: InboxFilter
) -> None:
    await _add(db, random_cases(list(PLACES.values()), 20, seed=1))
    if not turns[role] and view == "mine":
        return  # the province has no turn: nothing is queried
    query = InboxQuery(region_code=ACCOUNTS[role], view=view, filter=filter, turns=turns[role], today=TODAY)
    statement = page_statement(db.kind, query, NAMES)
    assert statement is not None
    sql, args = statement
    if db.kind == "sqlite":
        plan = await db.fetch("EXPLAIN QUERY PLAN " + sql, *args)
    else:
        async with db.transaction():  # a few rows: without this PostgreSQL would rightly read the table
            await db.execute("SET LOCAL enable_seqscan = off")
            await db.execute("SET LOCAL enable_bitmapscan = off")
            plan = await db.fetch("EXPLAIN " + sql, *args)
    text = " ".join(str(row) for row in plan)
    if view == "all":
        assert f"application_inbox_{role}" in text, text
    else:  # the open cases by turn, or the few of a small region by code: both skip the finished ones' bulk
        assert "application_inbox_turn" in text or "application_region_code" in text, text
    if db.kind == "postgres" and view == "all":  # the index gives the order: no sort step
        assert "Sort" not in text, text


@pytest.mark.parametrize(
    "token",
    [
        "",
        "x",
        "1.2026-06-01",
        "3.2026-06-01.5",
        "1.2026-13-01.5",
        "1.2026-06-01.5x",
        "1.2026-06-01.99999999999",
    ],
)
def test_a_broken_cursor_means_the_first_page(token: str) -> None:
    assert InboxKey.parse(token) is None


def test_a_cursor_travels_as_text_and_back() -> None:
    for key in (InboxKey(rank=0, due=TODAY, tie=7), InboxKey(rank=2, due=dt.date(9999, 1, 1), tie=-123)):
        assert InboxKey.parse(key.token()) == key
