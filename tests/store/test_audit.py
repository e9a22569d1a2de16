"""The audit log: rows as recorded, joined to the caller's transaction, refused changes, filters and pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from shenbao.store import Database
from shenbao.store.audit import AuditFilter, audit_page, record_audit
from shenbao.store.staff import StaffRecord

pytestmark = pytest.mark.anyio

VILLAGE = StaffRecord(
    id=7,
    username="village",
    display_name="村干部",
    phone="",
    role="village",
    region_code="620102001001",
    active=True,
    form_admin=False,
    created_at=datetime(2026, 1, 1, tzinfo=UTC),
)
START = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)


async def _count(db: Database) -> int:
    return int((await db.fetch("SELECT count(*) AS n FROM audit_log"))[0]["n"])


async def test_a_row_keeps_who_what_when_and_where(db: Database) -> None:
    entry = await record_audit(
        db,
        action="decision.pass_up",
        staff=VILLAGE,
        target="260601000017",
        detail="入户核查属实",
        address="10.0.0.8",
        at=START,
    )
    (row,) = (await audit_page(db)).entries
    assert row == entry
    assert (row.staff_id, row.username, row.role, row.region) == (7, "village", "village", "620102001001")
    assert (row.action, row.target, row.detail, row.address) == (
        "decision.pass_up",
        "260601000017",
        "入户核查属实",
        "10.0.0.8",
    )
    assert row.at == START


async def test_the_system_and_a_failed_sign_in_have_no_staff(db: Database) -> None:
    await record_audit(db, action="staff.add", target="village")
    await record_audit(db, action="login.failed", username=" Nobody ", address="1.2.3.4")
    failed, added = (await audit_page(db)).entries
    assert (added.staff_id, added.username, added.role, added.region) == (None, None, None, None)
    assert (failed.staff_id, failed.username, failed.role) == (None, "nobody", None)


@pytest.mark.parametrize("action", ["", "Login", "decision.", "view unmasked", "decision.*"])
async def test_an_action_code_of_another_shape_is_refused(db: Database, action: str) -> None:
    with pytest.raises(ValueError, match="lower-case words joined by dots"):
        await record_audit(db, action=action)
    assert await _count(db) == 0


async def test_a_row_joins_the_callers_transaction_and_rolls_back_with_it(db: Database) -> None:
    async def failing_decision() -> None:
        async with db.transaction():
            await record_audit(db, action="decision.accept", staff=VILLAGE, target="260601000017")
            raise RuntimeError("the decision failed")

    with pytest.raises(RuntimeError, match="the decision failed"):
        await failing_decision()
    assert await _count(db) == 0
    async with db.transaction():
        await record_audit(db, action="decision.accept", staff=VILLAGE, target="260601000017")
    assert await _count(db) == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET detail = 'changed'",
        "UPDATE audit_log SET username = NULL WHERE action = 'login'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'login'",
    ],
)
async def test_the_database_refuses_to_change_or_delete_a_row(db: Database, statement: str) -> None:
    await record_audit(db, action="login", staff=VILLAGE, detail="kept")
    with pytest.raises(Exception, match="append-only"):
        await db.execute(statement)
    assert [(row.action, row.username, row.detail) for row in (await audit_page(db)).entries] == [
        ("login", "village", "kept")
    ]


@pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", id="postgres", marks=pytest.mark.postgres)], indirect=True
)  # SQLite has no TRUNCATE (its DELETE without WHERE is refused above)
async def test_postgres_refuses_truncate_as_well(db: Database) -> None:
    assert db.kind == "postgres"
    await record_audit(db, action="login", staff=VILLAGE)
    with pytest.raises(Exception, match="append-only"):
        await db.execute("TRUNCATE audit_log")
    assert await _count(db) == 1


async def _seed(db: Database) -> None:
    """Ten rows an hour apart: logins, decisions and a view, by two staff members."""
    township = msgspec.structs.replace(VILLAGE, id=8, username="township")
    actions = ["login", "decision.accept", "decision.record_check", "view.unmasked", "logout"]
    for hour in range(10):
        who = VILLAGE if hour % 2 == 0 else township
        await record_audit(
            db,
            action=actions[hour % 5],
            staff=who,
            target=f"receipt-{hour % 3}",
            at=START + timedelta(hours=hour),
        )


async def test_pages_are_newest_first_with_keys_both_ways(db: Database) -> None:
    await _seed(db)
    first = await audit_page(db, limit=4)
    hours = [int((row.at - START).total_seconds() // 3600) for row in first.entries]
    assert hours == [9, 8, 7, 6] and first.newer is None and first.older is not None
    second = await audit_page(db, before=first.older, limit=4)
    assert [row.id for row in second.entries] == [first.entries[-1].id - n for n in range(1, 5)]
    assert second.newer == second.entries[0].id and second.older is not None
    last = await audit_page(db, before=second.older, limit=4)
    assert len(last.entries) == 2 and last.older is None and last.newer is not None
    back = await audit_page(db, after=last.newer, limit=4)
    assert back.entries == second.entries and back.older == second.older and back.newer == second.newer
    top = await audit_page(db, after=back.newer, limit=4)
    assert top.entries == first.entries and top.newer is None


@pytest.mark.parametrize(
    ("where", "expected_hours"),
    [
        (AuditFilter(username="Township"), [9, 7, 5, 3, 1]),
        (AuditFilter(action="decision.accept"), [6, 1]),
        (AuditFilter(action="decision.*"), [7, 6, 2, 1]),
        (AuditFilter(action="login"), [5, 0]),
        (AuditFilter(target="receipt-0"), [9, 6, 3, 0]),
        (AuditFilter(since=START + timedelta(hours=3), until=START + timedelta(hours=5)), [4, 3]),
        (AuditFilter(username="village", action="decision.*"), [6, 2]),
        (AuditFilter(username="nobody"), []),
    ],
    ids=["username", "action", "family", "exact-not-prefix", "target", "dates", "combined", "none"],
)
async def test_filters(db: Database, where: AuditFilter, expected_hours: list[int]) -> None:
    await _seed(db)
    page = await audit_page(db, where)
    assert [int((row.at - START).total_seconds() // 3600) for row in page.entries] == expected_hours


async def test_a_filtered_page_pages_within_the_filter(db: Database) -> None:
    await _seed(db)
    where = AuditFilter(username="township")
    first = await audit_page(db, where, limit=2)
    second = await audit_page(db, where, before=first.older, limit=2)
    third = await audit_page(db, where, before=second.older, limit=2)
    assert [row.username for row in [*first.entries, *second.entries, *third.entries]] == ["township"] * 5
    assert third.older is None and len(third.entries) == 1


async def test_a_filter_with_a_malformed_action_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match=r"decision\.\*"):
        await audit_page(db, AuditFilter(action="decision%"))
