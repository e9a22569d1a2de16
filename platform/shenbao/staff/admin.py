"""A manager's work on staff accounts: list, add, deactivate or reactivate, reset a password, change a phone,
grant or withdraw 表单管理权限 (the province admin, to a county account).

:class:`StaffAdmin` is bound to the signed-in manager; every read and change goes through their
:class:`~shenbao.store.staff_admin.StaffScope` (see :mod:`shenbao.staff.rules` for who manages whom), so an
account outside it raises :class:`NotManaged` and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio.to_thread

from shenbao.regions import Divisions
from shenbao.roles import role_level
from shenbao.staff.accounts import hash_password
from shenbao.staff.rules import (
    FORM_ADMIN_GRANTORS,
    FORM_ADMIN_ROLES,
    AccountForm,
    CheckedAccount,
    check_account_form,
    check_new_password,
    check_phone,
    generate_password,
    managed_levels,
    may_manage,
)
from shenbao.store import Database
from shenbao.store.audit import record_audit
from shenbao.store.staff import StaffRecord, add_staff, staff_by_username
from shenbao.store.staff_admin import (
    StaffQuery,
    StaffScope,
    count_managed_staff,
    is_unique_violation,
    managed_account,
    managed_staff,
    set_staff_active,
    set_staff_form_admin,
    set_staff_password_hash,
    set_staff_phone,
)

__all__ = ["FormProblems", "NewPassword", "NotManaged", "StaffAdmin", "StaffPage"]


class NotManaged(Exception):
    """The manager may not see or change this account (or may not manage accounts at all)."""


def _managed(changed: StaffRecord | None) -> StaffRecord:
    """The account a scoped change returned; ``None`` means it was outside the manager's scope."""
    if changed is None:
        raise NotManaged("这个账号不在您的管理范围内")
    return changed


class FormProblems(ValueError):
    """What the manager typed is not acceptable: ``problems`` maps each field to a message in Chinese."""

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in problems.items()))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class NewPassword:
    """An account whose password was just set; ``shown`` is the generated password to show once, or ``""``."""

    account: StaffRecord
    shown: str


@dataclass(frozen=True, slots=True)
class StaffPage:
    """One page of the account list and how many accounts match in all."""

    accounts: list[StaffRecord]
    total: int
    more: bool


class StaffAdmin:
    """The account work of one signed-in manager.

    Args:
        database: the open database.
        manager: the signed-in staff member.
        divisions: the division data new accounts' regions are checked against.
        address: where the manager's request came from, for the audit log.

    Every change is written to the audit log in the same transaction (``staff.add``, ``staff.deactivate``,
    ``staff.reactivate``, ``staff.reset_password``, ``staff.change_phone``, ``staff.form_admin.grant``,
    ``staff.form_admin.revoke``), naming the account changed.

    Raises:
        NotManaged: the manager's role manages no accounts (township and village staff).
    """

    def __init__(
        self, database: Database, manager: StaffRecord, divisions: Divisions, *, address: str = ""
    ) -> None:
        if not managed_levels(manager.role):
            raise NotManaged("只有省级、市州级和县级管理员可以管理工作人员账号")
        self.database = database
        self.manager = manager
        self.divisions = divisions
        self.address = address
        self.scope = StaffScope(region_code=manager.region_code, roles=managed_levels(manager.role))

    async def page(self, query: StaffQuery, *, page: int, size: int) -> StaffPage:
        """Page ``page`` (from 1) of the accounts matching ``query``, ``size`` a page."""
        found = await managed_staff(
            self.database, self.scope, query, limit=size + 1, offset=(page - 1) * size
        )
        total = await count_managed_staff(self.database, self.scope, query)
        return StaffPage(accounts=found[:size], total=total, more=len(found) > size)

    async def account(self, staff_id: int) -> StaffRecord:
        """One account the manager manages.

        Raises:
            NotManaged: there is no such account in the manager's scope.
        """
        found = await managed_account(self.database, self.scope, staff_id)
        if found is None:
            raise NotManaged("这个账号不在您的管理范围内")
        return found

    async def add(self, typed: AccountForm) -> NewPassword:
        """Check and store a new account; without a typed password, one is generated to show once.

        Raises:
            FormProblems: what to put right, by field (the username may be taken).
        """
        checked, problems = check_account_form(
            typed,
            manager_role=self.manager.role,
            manager_region=self.manager.region_code,
            divisions=self.divisions,
        )
        username = typed.username.strip().lower()
        existing = await staff_by_username(self.database, username) if "username" not in problems else None
        if existing is not None:
            problems = {**problems, "username": self._taken(existing[0], checked)}
        if checked is None or problems:
            raise FormProblems(problems)
        password = typed.password or generate_password()
        password_hash = await anyio.to_thread.run_sync(hash_password, password)  # before the writer's turn
        try:
            async with self.database.transaction():
                account = await add_staff(
                    self.database,
                    username=checked.username,
                    role=checked.role,
                    region_code=checked.region_code,
                    password_hash=password_hash,
                    display_name=checked.display_name,
                    phone=checked.phone,
                )
                await self._audit("staff.add", account, f"{account.role} {account.region_code}")
        except Exception as error:
            if is_unique_violation(error):  # the same username added a moment ago
                raise FormProblems({"username": _TAKEN.format(username=checked.username)}) from error
            raise
        return NewPassword(account=account, shown="" if typed.password else password)

    async def set_active(self, staff_id: int, active: bool) -> StaffRecord:
        """Deactivate (its sessions end at once) or reactivate an account.

        Raises:
            NotManaged: the account is not in the manager's scope.
        """
        async with self.database.transaction():
            changed = _managed(await set_staff_active(self.database, self.scope, staff_id, active))
            await self._audit("staff.reactivate" if active else "staff.deactivate", changed)
        return changed

    async def reset_password(self, staff_id: int, password: str = "", again: str = "") -> NewPassword:
        """Give an account a new password: the one typed (twice), or a generated one to show once.

        The account's sessions end and its failed sign-ins are forgotten (a reset is how a locked-out
        person gets back in).

        Raises:
            NotManaged: the account is not in the manager's scope.
            FormProblems: the typed password is too short, or the two differ.
        """
        await self.account(staff_id)
        if password or again:
            problem = check_new_password(password, again)
            if problem:
                raise FormProblems({"password": problem})
        chosen = password or generate_password()
        chosen_hash = await anyio.to_thread.run_sync(hash_password, chosen)  # before the writer's turn
        async with self.database.transaction():
            changed = _managed(
                await set_staff_password_hash(self.database, self.scope, staff_id, chosen_hash)
            )
            await self._audit("staff.reset_password", changed)
        return NewPassword(account=changed, shown="" if password else chosen)

    async def change_phone(self, staff_id: int, raw: str) -> StaffRecord:
        """Change the phone an account's SMS go to.

        Raises:
            NotManaged: the account is not in the manager's scope.
            FormProblems: the number is not a mainland mobile number.
        """
        await self.account(staff_id)
        phone, problem = check_phone(raw)
        if problem:
            raise FormProblems({"phone": problem})
        async with self.database.transaction():
            changed = _managed(await set_staff_phone(self.database, self.scope, staff_id, phone))
            await self._audit("staff.change_phone", changed)
        return changed

    async def set_form_admin(self, staff_id: int, granted: bool) -> StaffRecord:
        """Grant (``granted``) or withdraw a county account's 表单管理权限: it authors its own county's forms.

        The account's next request sees the change (the admin pages read the account on every request). Granting
        what is already granted (a second tap) changes nothing and writes no audit row.

        Raises:
            NotManaged: the manager is not the province admin, or the account is not in their scope.
            FormProblems: the account is not a county account (``form_admin``: what to do instead).
        """
        if role_level(self.manager.role) not in FORM_ADMIN_GRANTORS:
            raise NotManaged("只有省级管理员可以授予或收回表单管理权限；如需要，请联系省级管理员")
        account = await self.account(staff_id)
        if role_level(account.role) not in FORM_ADMIN_ROLES:
            raise FormProblems({"form_admin": _NOT_A_COUNTY})
        scope = StaffScope(region_code=self.manager.region_code, roles=FORM_ADMIN_ROLES)
        async with self.database.transaction():
            changed = await set_staff_form_admin(self.database, scope, staff_id, granted)
            if changed is not None:
                await self._audit("staff.form_admin.grant" if granted else "staff.form_admin.revoke", changed)
        if changed is None:  # already so (a second tap): nothing changed, nothing logged
            return _managed(await managed_account(self.database, scope, staff_id))
        return changed

    async def _audit(self, action: str, account: StaffRecord, detail: str = "") -> None:
        """The change's audit row, inside the change's transaction: who changed which account."""
        await record_audit(
            self.database,
            action=action,
            staff=self.manager,
            target=account.username,
            detail=detail,
            address=self.address,
        )

    def _taken(self, existing: StaffRecord, checked: CheckedAccount | None) -> str:
        """Why the username cannot be had; a double-clicked "添加" finds its own account and says so."""
        same = checked is not None and (existing.display_name, existing.role, existing.region_code) == (
            checked.display_name,
            checked.role,
            checked.region_code,
        )
        if same and may_manage(
            self.manager.role, self.manager.region_code, existing.role, existing.region_code
        ):
            return (
                f"{existing.display_name}的账号{existing.username}已经添加好了（可能点了两次）。"
                "如果没有记下密码，请到账号列表打开它，重置密码"
            )
        return _TAKEN.format(username=existing.username)


_NOT_A_COUNTY = "表单管理权限只能授予县级账号；乡镇和村级账号不能制作表单，请把权限授予其所在县的县级账号"
_TAKEN = "用户名{username}已有人使用，请换一个，例如在后面加上数字"
