"""The staff builder: accounts by role and region (兰州市 for the city), and the places of 兰州市城关区 around them."""

from __future__ import annotations

from functools import cache

from shenbao import store
from shenbao.roles import Role
from shenbao.staff.accounts import StaffAccounts, hash_password
from shenbao.store.staff import StaffRecord, add_staff
from tests.support.applications import add_application
from tests.support.packs import gansu_divisions

__all__ = [
    "ACCOUNTS",
    "INSIDE",
    "PASSWORD",
    "PLACES",
    "add_account",
    "add_accounts",
    "add_applications",
    "insert_accounts",
    "password_hash",
]

PASSWORD = "correct-horse-9"
ACCOUNTS: dict[Role, str] = {
    "province": "62",
    "city": "6201",  # 兰州市
    "county": "620102",
    "township": "620102001",
    "village": "620102001001",
}
"""Role to region: one account each, username = the role."""
PLACES = {
    "village": "620102001001",  # in every account's subtree
    "sibling_village": "620102001002",  # same township, another village
    "other_township": "620102002001",  # same county, another township
    "other_county": "620103001001",  # same province, another county
    "other_city": "620201001001",  # 嘉峪关市: same province, another city
    "other_province": "640104001001",  # Ningxia
}
INSIDE = {
    "province": {"village", "sibling_village", "other_township", "other_county", "other_city"},
    "city": {"village", "sibling_village", "other_township", "other_county"},
    "county": {"village", "sibling_village", "other_township"},
    "township": {"village", "sibling_village"},
    "village": {"village"},
}
"""Role to the places of :data:`PLACES` inside its account's region."""


@cache
def password_hash() -> str:
    """The argon2 hash of :data:`PASSWORD`, computed once per run: hashing is slow on purpose."""
    return hash_password(PASSWORD)


async def add_accounts(db: store.Database) -> None:
    """One account per role of :data:`ACCOUNTS` (username = the role), added as the product adds them."""
    accounts = StaffAccounts(db)
    for role, region in ACCOUNTS.items():
        await accounts.add(
            username=role, role=role, region_code=region, password=PASSWORD, divisions=gansu_divisions()
        )


async def insert_accounts(db: store.Database) -> None:
    """The accounts of :func:`add_accounts`, written straight into the table with one hash for all."""
    for role, region in ACCOUNTS.items():
        await add_account(db, role, region)


async def add_account(
    db: store.Database,
    role: Role,
    region: str,
    *,
    username: str | None = None,
    phone: str = "",
    display_name: str = "",
) -> StaffRecord:
    """An account of ``role`` for ``region`` with :data:`PASSWORD` (username: the role, unless given)."""
    return await add_staff(
        db,
        username=username or role,
        role=role,
        region_code=region,
        password_hash=password_hash(),
        display_name=display_name,
        phone=phone,
    )


async def add_applications(db: store.Database) -> dict[str, str]:
    """One 2023 application per place of :data:`PLACES` and one without a region, none of them started on
    its chain; returns place to receipt number."""
    receipts = {}
    for place, region in PLACES.items():
        receipts[place] = (await add_application(db, region=region, answers={}, workflow=False)).receipt
    await add_application(db, region=None, answers={}, workflow=False)
    return receipts
