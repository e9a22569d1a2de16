"""Accounts of a city (市州) and of two offices at one county, on SQLite and PostgreSQL: added, listed, texted,
and each one's inbox holds exactly its own steps in its own region."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from shenbao import store
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.staff.accounts import AccountError, StaffAccounts, check_new_account
from shenbao.store import schema
from shenbao.store.inbox import InboxQuery, inbox_page
from shenbao.store.staff import staff_by_username, staff_phones
from shenbao.store.staff_admin import StaffQuery, StaffScope, managed_staff
from shenbao.web.staff.inbox import turn_keys
from tests.staff.inbox_cases import TODAY, Case, add_case
from tests.support.packs import gansu_divisions
from tests.support.staff import PASSWORD

pytestmark = pytest.mark.anyio

PEOPLE = {  # username: role, region, phone
    "city": ("city", "6201", "13900000001"),  # 兰州市
    "other_city": ("city", "6202", "13900000002"),  # 嘉峪关市
    "county": ("county", "620102", "13900000003"),  # 城关区, no office
    "xczx": ("county:乡村振兴", "620102", "13900000004"),
    "minzheng": ("county:民政", "620102", "13900000005"),
    "minzheng2": ("county:民政", "620102", "13900000006"),  # a colleague of the same office
    "other_minzheng": ("county:民政", "620103", "13900000007"),  # 七里河区
    "township": ("township", "620102001", "13900000008"),
}
CHENGGUAN, QILIHE = "620102001001", "620103001001"


async def _people(db: store.Database) -> None:
    accounts = StaffAccounts(db)
    for username, (role, region, phone) in PEOPLE.items():
        await accounts.add(
            username=username, role=role, region_code=region, password=PASSWORD, phone=phone,
            divisions=gansu_divisions(),
        )  # fmt: skip


async def test_accounts_keep_their_office_and_sms_go_to_the_exact_role(db: store.Database) -> None:
    await _people(db)
    found = await staff_by_username(db, "minzheng")
    assert found is not None and (found[0].role, found[0].region_code) == ("county:民政", "620102")
    assert await staff_phones(db, "county:民政", "620102") == ["13900000005", "13900000006"]
    assert await staff_phones(db, "county:乡村振兴", "620102") == ["13900000004"]
    assert await staff_phones(db, "county", "620102") == ["13900000003"]  # never an office's
    assert await staff_phones(db, "county:民政", "620103") == ["13900000007"]
    assert await staff_phones(db, "city", "6201") == ["13900000001"]
    assert await staff_phones(db, "county:财政", "620102") == []


async def test_a_level_takes_in_every_office_of_it_in_the_managers_region(db: store.Database) -> None:
    await _people(db)

    async def names(scope: StaffScope, query: StaffQuery | None = None) -> set[str]:
        return {account.username for account in await managed_staff(db, scope, query)}

    province = StaffScope(region_code="62", roles=("city", "county", "township", "village"))
    city = StaffScope(region_code="6201", roles=("county", "township", "village"))
    assert await names(province) == set(PEOPLE)
    assert await names(city) == {"county", "xczx", "minzheng", "minzheng2", "other_minzheng", "township"}
    assert await names(StaffScope(region_code="6202", roles=("county", "township", "village"))) == set()
    assert await names(province, StaffQuery(roles=("county",))) == {
        "county", "xczx", "minzheng", "minzheng2", "other_minzheng"
    }  # fmt: skip
    assert await names(province, StaffQuery(roles=("city",))) == {"city", "other_city"}


@pytest.mark.parametrize(
    ("role", "region", "words"),
    [
        ("county:民政", "650102", ["650102", "shenbao regions import", "--province 65", "SHENBAO_PACKS"]),
        ("city", "6299", ["6299", "shenbao regions import", "SHENBAO_PACKS"]),
        ("county:民 政", "620102", ["科室名称"]),
        ("prefecture", "6201", ["没有“prefecture”这个角色", "county:民政"]),
        ("city", "620102", ["市州级账号要绑定4位地区代码"]),
    ],
)
async def test_a_new_account_is_refused_in_chinese_saying_what_to_do(
    db: store.Database, role: str, region: str, words: list[str]
) -> None:
    with pytest.raises(AccountError) as refused:
        await StaffAccounts(db).add(
            username="newcomer", role=role, region_code=region, password=PASSWORD, divisions=gansu_divisions()
        )
    assert all(word in str(refused.value) for word in words), str(refused.value)
    assert await staff_by_username(db, "newcomer") is None


def test_the_region_is_checked_against_the_divisions_passed() -> None:
    from shenbao.regions import Divisions

    only_lanzhou = Divisions([("62", "甘肃省"), ("6201", "兰州市"), ("620102", "城关区")])
    assert check_new_account("okay", "county:民政", "620102", PASSWORD, only_lanzhou) == "county:民政"
    with pytest.raises(AccountError, match="SHENBAO_PACKS"):
        check_new_account("okay", "city", "6202", PASSWORD, only_lanzhou)


@pytest.fixture(scope="module")
def offices() -> tuple[FormRegistry, ChainRegistry]:
    """The Gansu 2023 chain with its county steps split between two offices (审批: 乡村振兴; 录入: 民政)."""
    forms = FormRegistry.from_packs(["gansu"])
    gansu = ChainRegistry.from_packs(["gansu"])
    chains: dict[str, Any] = {}
    for chain_id in ("gansu-yijian-2023", "gansu-zizhu-2021"):
        served = gansu.get(chain_id)
        assert served is not None
        roles = {"county_approval": "county:乡村振兴", "national_entry": "county:民政"}
        steps = [
            msgspec.structs.replace(step, role=roles.get(step.id, step.role)) for step in served.chain.steps
        ]
        chains[chain_id] = (msgspec.structs.replace(served.chain, steps=steps), served.calendar)
    return forms, ChainRegistry(chains, packs=dict.fromkeys(chains, "gansu"))


async def test_each_office_inbox_holds_its_own_steps_in_its_own_region(
    db: store.Database, offices: tuple[FormRegistry, ChainRegistry]
) -> None:
    forms, chains = offices
    ids = {}
    for place in (CHENGGUAN, QILIHE):
        for step in ("township_review", "county_approval", "national_entry"):
            ids[place, step] = await add_case(db, Case(place=place, status="in_progress", step=step))

    async def mine(role: str, region: str) -> set[int]:
        query = InboxQuery(region_code=region, view="mine", turns=turn_keys(forms, chains, role), today=TODAY)
        return {entry.id for entry in (await inbox_page(db, query)).entries}

    async def everything(region: str) -> set[int]:
        return {
            entry.id for entry in (await inbox_page(db, InboxQuery(region_code=region, today=TODAY))).entries
        }

    assert await mine("county:乡村振兴", "620102") == {ids[CHENGGUAN, "county_approval"]}
    assert await mine("county:民政", "620102") == {ids[CHENGGUAN, "national_entry"]}
    assert await mine("county:民政", "620103") == {ids[QILIHE, "national_entry"]}
    assert await mine("county", "620102") == set()  # every county step belongs to an office now
    assert await mine("township", "620102001") == {ids[CHENGGUAN, "township_review"]}
    assert await mine("city", "6201") == set()  # no step is the city's
    assert await everything("6201") == set(ids.values())  # the city sees its whole region
    assert await everything("6202") == set()  # another city sees none of it
    assert await everything("620102") == {
        ids[CHENGGUAN, step] for step in ("township_review", "county_approval", "national_entry")
    }


async def test_upgrading_keeps_accounts_sessions_and_notices_and_then_takes_offices(
    database_url: str, keys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await store.open_database(database_url, keys=keys)
    try:
        monkeypatch.setattr(schema, "STEPS", tuple(step for step in schema.STEPS if step.version < 17))
        await store.migrate(db)
        with pytest.raises(Exception):  # noqa: B017, PT011 - either engine's check violation
            async with db.transaction():
                await db.fetch(_INSERT_STAFF, "early", "county:民政", "620102")
        await db.fetch(_INSERT_STAFF, "kept", "county", "620102")
        [staff] = await db.fetch("SELECT id FROM staff WHERE username = {}", "kept")
        await db.fetch(
            "INSERT INTO staff_session (token_digest, staff_id, created_at, expires_at, csrf_token, client) "
            "VALUES ({}, {}, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, {}, {})",
            "d" * 64,
            staff["id"],
            "c" * 32,
            "127.0.0.1",
        )
        monkeypatch.undo()
        applied = await store.migrate(db)
        assert [step.version for step in applied] == [
            step.version for step in schema.STEPS if step.version >= 17
        ]
        await db.fetch(_INSERT_STAFF, "office", "county:民政", "620102")
        await db.fetch(_INSERT_STAFF, "city", "city", "6201")
        rows = await db.fetch("SELECT username, role FROM staff ORDER BY id")
        assert [(row["username"], row["role"]) for row in rows] == [
            ("kept", "county"), ("office", "county:民政"), ("city", "city")
        ]  # fmt: skip
        assert len(await db.fetch("SELECT id FROM staff_session WHERE staff_id = {}", staff["id"])) == 1
        with pytest.raises(Exception):  # noqa: B017, PT011 - a level the tree does not have
            async with db.transaction():
                await db.fetch(_INSERT_STAFF, "bad", "prefecture:民政", "6201")
    finally:
        await db.close()


_INSERT_STAFF = (
    "INSERT INTO staff (username, display_name, phone, role, region_code, password_hash, active, created_at, "
    "form_admin) VALUES ({}, '', '', {}, {}, 'x', TRUE, CURRENT_TIMESTAMP, FALSE)"
)
