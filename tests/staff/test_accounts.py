"""Sign-in: one message for a wrong username or password, a lockout after five failures, sessions that expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shenbao import store
from shenbao.staff.accounts import LoginRefused, StaffAccounts
from tests.support.staff import PASSWORD, add_accounts

pytestmark = pytest.mark.anyio


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_sign_in_opens_a_session_that_expires_after_12_hours(db: store.Database) -> None:
    await add_accounts(db)
    clock = Clock()
    accounts = StaffAccounts(db, clock=clock)
    token, signed_in = await accounts.login("Village", PASSWORD, client="1.2.3.4")
    assert signed_in.staff.username == "village"
    stored = await db.fetch("SELECT token_digest FROM staff_session")
    assert token not in str(stored)
    clock.now += timedelta(hours=11, minutes=59)
    assert await accounts.session(token) is not None
    clock.now += timedelta(minutes=2)
    assert await accounts.session(token) is None


async def test_wrong_username_and_wrong_password_get_the_same_answer(db: store.Database) -> None:
    await add_accounts(db)
    accounts = StaffAccounts(db)
    with pytest.raises(LoginRefused) as wrong_password:
        await accounts.login("village", "wrong-password", client="x")
    with pytest.raises(LoginRefused) as no_such_user:
        await accounts.login("villager", "wrong-password", client="x")
    assert str(wrong_password.value) == str(no_such_user.value) == "用户名或密码不正确"


@pytest.mark.parametrize("username", ["village", "nobody"])
async def test_five_failures_lock_the_username_for_15_minutes(db: store.Database, username: str) -> None:
    await add_accounts(db)
    clock = Clock()
    accounts = StaffAccounts(db, clock=clock)
    for _ in range(5):
        clock.now += timedelta(minutes=1)
        with pytest.raises(LoginRefused):
            await accounts.login(username, "wrong-password", client="x")
    clock.now += timedelta(minutes=14)
    with pytest.raises(LoginRefused, match="已锁定"):
        await accounts.login(username, PASSWORD, client="x")  # even the right password
    with pytest.raises(LoginRefused, match="已锁定"):
        await accounts.login("village" if username == "village" else "nobody", "x", client="y")
    clock.now += timedelta(minutes=1, seconds=1)
    if username == "village":
        token, _ = await accounts.login(username, PASSWORD, client="x")
        assert await accounts.session(token) is not None
    else:
        with pytest.raises(LoginRefused, match="不正确"):
            await accounts.login(username, PASSWORD, client="x")


async def test_a_success_forgets_earlier_failures(db: store.Database) -> None:
    await add_accounts(db)
    accounts = StaffAccounts(db)
    for _ in range(4):
        with pytest.raises(LoginRefused):
            await accounts.login("county", "wrong-password", client="x")
    await accounts.login("county", PASSWORD, client="x")
    with pytest.raises(LoginRefused, match="不正确"):
        await accounts.login("county", "wrong-password", client="x")
    await accounts.login("county", PASSWORD, client="x")


async def test_logout_ends_the_session(db: store.Database) -> None:
    await add_accounts(db)
    accounts = StaffAccounts(db)
    token, _ = await accounts.login("province", PASSWORD, client="x")
    await accounts.logout(token, client="x")
    assert await accounts.session(token) is None
