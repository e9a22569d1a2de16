"""Granting and withdrawing 表单管理权限 (SQLite and PostgreSQL): the province admin, to its county accounts only.

Each change is one transaction with its audit row; a refused one changes nothing and logs nothing; a signed-in
county account's next request reads the flag as it now is.
"""

from __future__ import annotations

import pytest

from shenbao import store
from shenbao.cases.authoring import may_author
from shenbao.staff.accounts import StaffAccounts
from shenbao.staff.admin import FormProblems, NotManaged, StaffAdmin
from shenbao.store.staff import StaffRecord, staff_by_username
from shenbao.store.staff_admin import StaffScope, set_staff_form_admin
from tests.support.packs import gansu_divisions
from tests.support.staff import PASSWORD, add_account

pytestmark = pytest.mark.anyio

PEOPLE = {  # username: role, region
    "province": ("province", "62"),
    "county": ("county", "620102"),
    "other_county": ("county", "620103"),
    "township": ("township", "620102001"),
    "village": ("village", "620102001001"),
    "ningxia": ("province", "64"),
    "ningxia_county": ("county", "640104"),
}


async def _seed(db: store.Database) -> dict[str, StaffRecord]:
    return {
        username: await add_account(db, role, region, username=username)  # type: ignore[arg-type]
        for username, (role, region) in PEOPLE.items()
    }


def _admin(db: store.Database, manager: StaffRecord) -> StaffAdmin:
    return StaffAdmin(db, manager, gansu_divisions(), address="127.0.0.1")


async def _flags(db: store.Database) -> dict[str, bool]:
    rows = await db.fetch("SELECT username, form_admin FROM staff ORDER BY id")
    return {row["username"]: bool(row["form_admin"]) for row in rows}


async def _logged(db: store.Database) -> list[tuple[str, str, str]]:
    rows = await db.fetch(
        "SELECT username, action, target FROM audit_log WHERE action LIKE 'staff.form_admin.%' ORDER BY id"
    )
    return [(row["username"], row["action"], row["target"]) for row in rows]


async def test_a_new_account_holds_no_grant(db: store.Database) -> None:
    people = await _seed(db)
    assert not any(each.form_admin for each in people.values())
    assert set((await _flags(db)).values()) == {False}


async def test_the_province_admin_grants_and_withdraws_it_each_with_its_audit_row(db: store.Database) -> None:
    people = await _seed(db)
    admin = _admin(db, people["province"])

    granted = await admin.set_form_admin(people["county"].id, True)

    assert granted.form_admin and granted.username == "county"
    assert await _flags(db) == {**dict.fromkeys(PEOPLE, False), "county": True}
    found = await staff_by_username(db, "county")
    assert found is not None and found[0].form_admin
    assert (await admin.account(people["county"].id)).form_admin

    again = await admin.set_form_admin(people["county"].id, True)  # a second tap
    assert again.form_admin

    withdrawn = await admin.set_form_admin(people["county"].id, False)
    assert not withdrawn.form_admin
    assert set((await _flags(db)).values()) == {False}
    assert await _logged(db) == [
        ("province", "staff.form_admin.grant", "county"),
        ("province", "staff.form_admin.revoke", "county"),
    ]


async def test_a_signed_in_county_account_reads_the_flag_on_its_next_request(db: store.Database) -> None:
    people = await _seed(db)
    accounts = StaffAccounts(db)
    token, signed_in = await accounts.login("county", PASSWORD, client="x")
    assert not may_author(signed_in.staff)
    admin = _admin(db, people["province"])

    await admin.set_form_admin(people["county"].id, True)
    session = await accounts.session(token)
    assert session is not None and session.staff.form_admin and may_author(session.staff)

    await admin.set_form_admin(people["county"].id, False)
    session = await accounts.session(token)
    assert session is not None and not may_author(session.staff)  # still signed in, no longer an author


@pytest.mark.parametrize(
    ("manager", "target"),
    [
        ("county", "county"),  # a county admin grants itself nothing
        ("county", "township"),
        ("county", "other_county"),
        ("township", "village"),
        ("ningxia", "county"),  # another province's admin
        ("province", "ningxia_county"),  # a county of another province
        ("province", "province"),  # itself
        ("province", "ningxia"),
    ],
)
async def test_no_one_else_grants_it_and_nothing_changes(
    db: store.Database, manager: str, target: str
) -> None:
    people = await _seed(db)
    before = await db.fetch("SELECT * FROM staff ORDER BY id")
    with pytest.raises(NotManaged):
        await _admin(db, people[manager]).set_form_admin(people[target].id, True)
    assert await db.fetch("SELECT * FROM staff ORDER BY id") == before
    assert await _logged(db) == []


@pytest.mark.parametrize("target", ["township", "village"])
async def test_only_county_accounts_hold_it(db: store.Database, target: str) -> None:
    people = await _seed(db)
    with pytest.raises(FormProblems) as refused:
        await _admin(db, people["province"]).set_form_admin(people[target].id, True)
    assert "只能授予县级账号" in refused.value.problems["form_admin"]
    assert set((await _flags(db)).values()) == {False}
    assert await _logged(db) == []


async def test_the_update_carries_its_scope(db: store.Database) -> None:
    people = await _seed(db)
    counties = StaffScope(region_code="62", roles=("county",))
    for outside in ("township", "village", "province", "ningxia_county"):
        assert await set_staff_form_admin(db, counties, people[outside].id, True) is None, outside
    assert set((await _flags(db)).values()) == {False}
    changed = await set_staff_form_admin(db, counties, people["other_county"].id, True)
    assert changed is not None and changed.form_admin
    assert await set_staff_form_admin(db, counties, people["other_county"].id, True) is None  # already so
