"""Managing accounts in the database (SQLite and PostgreSQL): the scope holds in every query and every change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shenbao import store
from shenbao.staff.accounts import StaffAccounts, hash_password
from shenbao.store.limits import take_try
from shenbao.store.staff import add_staff, login_limit_key, staff_by_username
from shenbao.store.staff_admin import (
    StaffQuery,
    StaffScope,
    count_managed_staff,
    managed_account,
    managed_staff,
    set_staff_active,
    set_staff_password_hash,
    set_staff_phone,
)
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.anyio

COUNTY = StaffScope(region_code="620102", roles=("township", "village"))
PROVINCE = StaffScope(region_code="62", roles=("county", "township", "village"))
HASH = hash_password(PASSWORD)  # once: argon2 is slow on purpose
ACCOUNTS = (  # username, role, region, name
    ("province", "province", "62", ""),
    ("county", "county", "620102", ""),
    ("township", "township", "620102001", ""),
    ("village", "village", "620102001001", ""),
    ("li_si", "village", "620102001002", "李四"),
    ("wang50%", "village", "620102001003", "王五"),
    ("zhao", "township", "620102002", "赵六"),
    ("qilihe", "village", "620103001001", "七里河村干部"),
    ("qilihe-county", "county", "620103", "七里河区管理员"),
    ("ningxia", "village", "640104001001", "宁夏村干部"),
)


async def _seed(db: store.Database) -> dict[str, int]:
    for username, role, region, name in ACCOUNTS:
        await add_staff(
            db, username=username, role=role, region_code=region, password_hash=HASH, display_name=name
        )  # type: ignore[arg-type]
    return {row["username"]: int(row["id"]) for row in await db.fetch("SELECT id, username FROM staff")}


async def _names(db: store.Database, scope: StaffScope, query: StaffQuery | None = None) -> list[str]:
    return [each.username for each in await managed_staff(db, scope, query)]


async def test_a_county_admin_sees_the_townships_and_villages_of_the_county_only(db: store.Database) -> None:
    await _seed(db)
    assert await _names(db, COUNTY) == ["township", "village", "li_si", "wang50%", "zhao"]
    assert await count_managed_staff(db, COUNTY) == 5


async def test_the_province_admin_sees_every_account_below_the_province(db: store.Database) -> None:
    await _seed(db)
    found = await _names(db, PROVINCE)
    assert set(found) == {
        "county",
        "township",
        "village",
        "li_si",
        "wang50%",
        "zhao",
        "qilihe",
        "qilihe-county",
    }
    assert "province" not in found and "ningxia" not in found


async def test_an_empty_scope_holds_nothing(db: store.Database) -> None:
    ids = await _seed(db)
    nobody = StaffScope(region_code="620102001", roles=())
    assert await managed_staff(db, nobody) == [] and await count_managed_staff(db, nobody) == 0
    assert await managed_account(db, nobody, ids["village"]) is None
    assert await set_staff_active(db, nobody, ids["village"], False) is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (StaffQuery(roles=("township",)), ["township", "zhao"]),
        (StaffQuery(roles=("county",)), []),  # outside the scope's roles: nothing, not everything
        (StaffQuery(within=("620102001",)), ["township", "village", "li_si", "wang50%"]),
        (StaffQuery(within=("620102001002", "620102002")), ["li_si", "zhao"]),
        (StaffQuery(within=("620103",)), []),  # the neighbour county stays outside
        (StaffQuery(text="李"), ["li_si"]),
        (StaffQuery(text="LI_"), ["li_si"]),  # case-insensitive, and "_" is a letter, not a wildcard
        (StaffQuery(text="%"), ["wang50%"]),
        (StaffQuery(text="50%"), ["wang50%"]),
        (StaffQuery(text="七里河"), []),
        (StaffQuery(active=False), []),
    ],
    ids=lambda value: str(value),
)
async def test_the_list_narrows_inside_the_scope(
    db: store.Database, query: StaffQuery, expected: list[str]
) -> None:
    await _seed(db)
    assert await _names(db, COUNTY, query) == expected
    assert await count_managed_staff(db, COUNTY, query) == len(expected)


async def test_the_list_pages(db: store.Database) -> None:
    await _seed(db)
    first = await managed_staff(db, PROVINCE, limit=3)
    second = await managed_staff(db, PROVINCE, limit=3, offset=3)
    assert len(first) == len(second) == 3 and not {a.id for a in first} & {a.id for a in second}


async def test_an_account_outside_the_scope_is_as_if_absent(db: store.Database) -> None:
    ids = await _seed(db)
    assert (await managed_account(db, COUNTY, ids["li_si"])) is not None
    for outside in ("county", "province", "qilihe", "qilihe-county", "ningxia"):
        assert await managed_account(db, COUNTY, ids[outside]) is None, outside


async def _snapshot(db: store.Database) -> list[dict[str, object]]:
    return await db.fetch("SELECT * FROM staff ORDER BY id")


async def test_no_change_reaches_outside_the_scope(db: store.Database) -> None:
    ids = await _seed(db)
    before = await _snapshot(db)
    for outside in ("county", "province", "qilihe", "ningxia"):
        assert await set_staff_active(db, COUNTY, ids[outside], False) is None
        assert await set_staff_password_hash(db, COUNTY, ids[outside], hash_password("x" * 10)) is None
        assert await set_staff_phone(db, COUNTY, ids[outside], "13900000000") is None
    assert await _snapshot(db) == before


async def test_deactivation_ends_every_session_at_once(db: store.Database) -> None:
    ids = await _seed(db)
    accounts = StaffAccounts(db)
    tokens = [(await accounts.login("village", PASSWORD, client="x"))[0] for _ in range(2)]
    other, _ = await accounts.login("township", PASSWORD, client="x")
    changed = await set_staff_active(db, COUNTY, ids["village"], False)
    assert changed is not None and changed.active is False
    assert [await accounts.session(token) for token in tokens] == [None, None]
    assert await db.fetch("SELECT id FROM staff_session WHERE staff_id = {}", ids["village"]) == []
    assert await accounts.session(other) is not None  # someone else's session stays
    reactivated = await set_staff_active(db, COUNTY, ids["village"], True)
    assert reactivated is not None and reactivated.active
    assert await accounts.session(tokens[0]) is None  # an ended session does not come back


async def test_a_new_password_ends_sessions_and_forgets_failed_sign_ins(db: store.Database) -> None:
    ids = await _seed(db)
    accounts = StaffAccounts(db)
    token, _ = await accounts.login("village", PASSWORD, client="x")
    now = datetime.now(UTC)
    for username in ("village", "township"):
        await take_try(db, login_limit_key(username), limit=5, window=timedelta(minutes=15), now=now)
    new_hash = hash_password("brand-new-pass")
    assert await set_staff_password_hash(db, COUNTY, ids["village"], new_hash) is not None
    assert await accounts.session(token) is None
    tries = {row["key"]: row["hits"] for row in await db.fetch("SELECT key, hits FROM rate_limit")}
    assert tries == {"login:township": 1}
    found = await staff_by_username(db, "village")
    assert found is not None and found[1] == new_hash


async def test_a_password_must_arrive_hashed(db: store.Database) -> None:
    ids = await _seed(db)
    with pytest.raises(ValueError, match="argon2"):
        await set_staff_password_hash(db, COUNTY, ids["village"], "brand-new-pass")


async def test_a_phone_change_touches_that_account_only(db: store.Database) -> None:
    ids = await _seed(db)
    changed = await set_staff_phone(db, COUNTY, ids["li_si"], "13911112222")
    assert changed is not None and changed.phone == "13911112222"
    phones = {row["username"]: row["phone"] for row in await db.fetch("SELECT username, phone FROM staff")}
    assert [name for name, phone in phones.items() if phone] == ["li_si"]
