"""Staff storage on SQLite and PostgreSQL: accounts, sessions, sign-in tries, the region-scoped inbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shenbao import store
from shenbao.staff.accounts import hash_password, token_digest
from shenbao.store.inbox import InboxQuery, inbox_page
from shenbao.store.staff import (
    add_staff,
    application_in_region,
    create_session,
    end_session,
    login_limit_key,
    region_bounds,
    session_staff,
    staff_by_username,
)
from tests.support.staff import ACCOUNTS, INSIDE, PASSWORD, PLACES, add_accounts, add_applications

pytestmark = pytest.mark.anyio


async def test_an_account_keeps_an_argon2_hash_never_the_password(db: store.Database) -> None:
    await add_accounts(db)
    rows = await db.fetch("SELECT * FROM staff")
    assert len(rows) == len(ACCOUNTS)
    for row in rows:
        assert PASSWORD not in " ".join(str(value) for value in row.values())
        assert row["password_hash"].startswith("$argon2id$")
    found = await staff_by_username(db, " County ")
    assert found is not None
    assert (found[0].role, found[0].region_code, found[0].active) == ("county", "620102", True)


async def test_a_clear_password_is_refused_as_a_hash(db: store.Database) -> None:
    with pytest.raises(ValueError, match="argon2"):
        await add_staff(
            db, username="x1x", role="village", region_code="620102001001", password_hash="secret"
        )


@pytest.mark.parametrize(
    ("role", "region"), [("village", "620102001"), ("county", "62"), ("province", "620102")], ids=str
)
async def test_the_region_must_be_of_the_roles_level(db: store.Database, role: str, region: str) -> None:
    with pytest.raises(ValueError, match="digit region code"):
        await add_staff(
            db, username="x1x", role=role, region_code=region, password_hash=hash_password("p" * 8)
        )  # type: ignore[arg-type]


async def test_usernames_are_unique(db: store.Database) -> None:
    await add_accounts(db)
    with pytest.raises(Exception, match=r"(?i)unique"):  # the driver's own integrity error
        await add_staff(
            db, username="county", role="county", region_code="620102", password_hash=hash_password("x" * 8)
        )


async def test_a_session_lives_until_it_expires_or_ends(db: store.Database) -> None:
    await add_accounts(db)
    found = await staff_by_username(db, "village")
    assert found is not None
    now = datetime.now(UTC)
    digest = token_digest("the-token")
    await create_session(
        db,
        staff_id=found[0].id,
        token_digest=digest,
        csrf_token="csrf",
        client="1.2.3.4",
        now=now,
        expires_at=now + timedelta(hours=12),
    )
    assert (await db.fetch("SELECT token_digest FROM staff_session"))[0]["token_digest"] == digest
    live = await session_staff(db, digest, now + timedelta(hours=11))
    assert live is not None and live.staff.username == "village" and live.csrf_token == "csrf"
    assert await session_staff(db, digest, now + timedelta(hours=12, seconds=1)) is None
    assert await session_staff(db, token_digest("another"), now) is None
    assert await end_session(db, digest) is True
    assert await session_staff(db, digest, now) is None


async def test_a_deactivated_account_has_no_session(db: store.Database) -> None:
    await add_accounts(db)
    found = await staff_by_username(db, "village")
    assert found is not None
    now = datetime.now(UTC)
    await create_session(
        db,
        staff_id=found[0].id,
        token_digest="d" * 64,
        csrf_token="c",
        client="x",
        now=now,
        expires_at=now + timedelta(hours=1),
    )
    await db.fetch("UPDATE staff SET active = {} WHERE id = {}", False, found[0].id)
    assert await session_staff(db, "d" * 64, now) is None


async def test_sign_in_tries_are_counted_per_username_as_typed() -> None:
    assert login_limit_key(" Nobody ") == login_limit_key("nobody") == "login:nobody"
    assert login_limit_key("x" * 100) == "login:" + "x" * 64


@pytest.mark.parametrize(
    ("code", "bounds"),
    [("62", ("62", "63")), ("620102", ("620102", "620103")), ("6209", ("6209", "621")), ("99", ("99", None))],
    ids=str,
)
def test_region_bounds_are_the_decimal_successor(code: str, bounds: tuple[str, str | None]) -> None:
    assert region_bounds(code) == bounds


@pytest.mark.parametrize("role", list(ACCOUNTS))
async def test_the_inbox_holds_exactly_the_regions_subtree(db: store.Database, role: str) -> None:
    receipts = await add_applications(db)
    page = await inbox_page(db, InboxQuery(region_code=ACCOUNTS[role], today=date(2026, 6, 1)))
    assert {entry.receipt_number for entry in page.entries} == {receipts[place] for place in INSIDE[role]}


@pytest.mark.parametrize("role", list(ACCOUNTS))
async def test_one_application_is_found_only_inside_the_region(db: store.Database, role: str) -> None:
    await add_applications(db)
    rows = await db.fetch("SELECT id, region_code FROM application")
    for row in rows:
        found = await application_in_region(db, row["id"], ACCOUNTS[role])
        inside = row["region_code"] in {PLACES[place] for place in INSIDE[role]}
        assert (found is not None) == inside, (role, row["region_code"])
