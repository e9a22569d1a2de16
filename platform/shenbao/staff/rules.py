"""The rules of staff accounts, without I/O: who manages whom, what a new account needs, generated passwords.

Who manages whom:

- the province admin manages every city (市州), county, township and village account of the province;
- city staff manage the county, township and village accounts of their city;
- county staff manage the township and village accounts of their county;
- township and village staff manage no one.

Who manages whom goes by level: an office within a level (``county:民政``, :mod:`shenbao.roles`) manages as
its level does, and an account of any office of a managed level is managed (a new account's office is typed
by its manager).

Nobody manages an account at or above their own level (so nobody manages themselves or a colleague of the
same level), and nobody reaches outside their region's subtree. Province accounts are made on the command
line (``shenbao staff add``) by whoever runs the platform.

表单管理权限 (the ``form_admin`` flag): only the province admin grants or withdraws it, and only to the county
accounts of its province (:func:`may_grant_form_admin`); a county account holding it authors its own county's
forms in the admin area (see :func:`shenbao.cases.authoring.may_author`).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field

from shenbao.forms.values import is_mobile, normalise_phone
from shenbao.regions import LEVEL_LABELS, Divisions, Level, level_of
from shenbao.roles import (
    ROLE_CODE_LENGTHS,
    Role,
    make_role,
    office_problem,
    role_label,
    role_level,
    role_office,
)

__all__ = [
    "FORM_ADMIN_GRANTORS",
    "FORM_ADMIN_ROLES",
    "MANAGED_ROLES",
    "MAX_NAME_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "USERNAME_PATTERN",
    "AccountForm",
    "CheckedAccount",
    "RegionFilter",
    "check_account_form",
    "check_new_password",
    "check_phone",
    "generate_password",
    "managed_levels",
    "may_grant_form_admin",
    "may_manage",
    "region_filter",
]

MIN_PASSWORD_LENGTH = 8
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,63}$")
MAX_NAME_LENGTH = 100
MANAGED_ROLES: dict[Level, tuple[Level, ...]] = {
    "province": ("city", "county", "township", "village"),
    "city": ("county", "township", "village"),
    "county": ("township", "village"),
    "township": (),
    "village": (),
}
"""The levels whose accounts each level manages, inside its own region's subtree."""
FORM_ADMIN_ROLES: tuple[Level, ...] = ("county",)
"""The levels whose accounts may be granted 表单管理权限 (province accounts author forms without it)."""
FORM_ADMIN_GRANTORS: tuple[Level, ...] = ("province",)
"""The roles that grant and withdraw 表单管理权限, to the accounts of :data:`FORM_ADMIN_ROLES` they manage."""
_MAX_REGION_MATCHES = 50
# No 0/o, 1/l/i: a generated password is read out over the phone or copied from a screen.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def managed_levels(manager_role: str) -> tuple[Level, ...]:
    """The levels whose accounts an account of ``manager_role`` manages (any office of theirs; none for a
    role of no known level)."""
    level = role_level(manager_role)
    return MANAGED_ROLES[level] if level is not None else ()


def may_manage(manager_role: Role, manager_region: str, role: str, region_code: str) -> bool:
    """Whether an account of ``manager_role`` at ``manager_region`` manages one of ``role`` at ``region_code``.

    Args:
        manager_role: the signed-in staff member's role.
        manager_region: their region code.
        role: the other account's role (as stored or as asked for).
        region_code: the other account's region code.
    """
    return (
        role_level(role) in managed_levels(manager_role)
        and region_code.startswith(manager_region)
        and len(region_code) > len(manager_region)
    )


def may_grant_form_admin(manager_role: Role, manager_region: str, role: str, region_code: str) -> bool:
    """Whether an account of ``manager_role`` at ``manager_region`` grants or withdraws 表单管理权限 of one of
    ``role`` at ``region_code``: the province admin, for the county accounts of its province.

    Args:
        manager_role: the signed-in staff member's role.
        manager_region: their region code.
        role: the other account's role.
        region_code: the other account's region code.
    """
    return (
        role_level(manager_role) in FORM_ADMIN_GRANTORS
        and role_level(role) in FORM_ADMIN_ROLES
        and may_manage(manager_role, manager_region, role, region_code)
    )


def generate_password() -> str:
    """A random password to read out once: three groups of four, e.g. ``k7mq-x9p2-r3tw`` (about 59 bits)."""
    groups = ("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(4)) for _ in range(3))
    return "-".join(groups)


def check_new_password(password: str, again: str) -> str:
    """What is wrong with a password a manager typed twice (``""`` when nothing is); the CLI's length rule."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少要{MIN_PASSWORD_LENGTH}个字符，请重新输入；或者两栏都不填，由系统生成"
    if password != again:
        return "两次输入的密码不一样，请重新输入"
    return ""


def check_phone(raw: str) -> tuple[str, str]:
    """The phone as stored (digits only), and what is wrong with it (``""`` when nothing is)."""
    phone = normalise_phone(raw.strip())
    if not phone:
        return "", "请填写手机号码：有新申请时，短信发到这个号码"
    if not is_mobile(phone):
        return phone, "请填写11位手机号码，以1开头，只写数字"
    return phone, ""


@dataclass(frozen=True, slots=True)
class AccountForm:
    """A new account as typed into the page (or re-shown after an error)."""

    username: str = ""
    display_name: str = ""
    phone: str = ""
    role: str = "village"
    """The level chosen (or a whole role, ``county:民政``, whose office is used when ``office`` is empty)."""
    office: str = ""
    """The office within the level, typed (empty: the level alone)."""
    region_code: str = ""
    """The code the account is bound to: typed whole, or walked down the drop-downs."""
    password: str = ""
    password_again: str = ""


@dataclass(frozen=True, slots=True)
class CheckedAccount:
    """A new account that passed every check but the unique username (the database has the last word)."""

    username: str
    display_name: str
    phone: str
    role: Role
    region_code: str


def check_account_form(
    typed: AccountForm, *, manager_role: Role, manager_region: str, divisions: Divisions
) -> tuple[CheckedAccount | None, dict[str, str]]:
    """Check a new account a manager typed; each problem is keyed by its field, in Chinese.

    Args:
        typed: what was posted (``username`` is taken lower case, as sign-in does).
        manager_role: the signed-in manager's role.
        manager_region: their region code.
        divisions: the division data (names and existence of codes).

    Returns:
        The account when nothing is wrong (else ``None``), and the problems by field name.
    """
    problems: dict[str, str] = {}
    username = typed.username.strip().lower()
    if not username:
        problems["username"] = "请填写用户名：此人登录时输入它"
    elif not USERNAME_PATTERN.fullmatch(username):
        problems["username"] = (
            "用户名只能用3到64个小写英文字母、数字或“_ . -”，并以字母或数字开头，例如 zhangsan01"
        )
    display_name = " ".join(typed.display_name.split())
    if not display_name:
        problems["display_name"] = "请填写此人的姓名"
    elif len(display_name) > MAX_NAME_LENGTH:
        problems["display_name"] = f"姓名最多{MAX_NAME_LENGTH}个字，请删短一些"
    phone, problems["phone"] = check_phone(typed.phone)
    level = role_level(typed.role)
    office = typed.office.strip() or role_office(typed.role)
    role: Role | None = None
    if level is None or level not in managed_levels(manager_role):
        names = "、".join(role_label(each) for each in managed_levels(manager_role))
        problems["role"] = f"请选择账号的级别：您可以添加{names}账号"
    elif office_problem(office):
        problems["office"] = office_problem(office)
    else:
        role = make_role(level, office)
        problems["region"] = _region_problem(typed.region_code, role, manager_region, divisions)
    if typed.password or typed.password_again:
        problems["password"] = check_new_password(typed.password, typed.password_again)
    problems = {name: message for name, message in problems.items() if message}
    if problems or role is None:
        return None, problems
    account = CheckedAccount(
        username=username, display_name=display_name, phone=phone, role=role, region_code=typed.region_code
    )
    return account, {}


def _region_problem(code: str, role: Role, manager_region: str, divisions: Divisions) -> str:
    level = role_level(role) or "village"
    length = ROLE_CODE_LENGTHS[level]
    wanted = LEVEL_LABELS[level]
    if not code:
        return f"请选择此人负责的{wanted}，或直接输入{length}位地区代码"
    if not code.isascii() or not code.isdigit() or level_of(code) is None:
        return f"“{code}”不是地区代码：请输入{length}位数字，或用上面的下拉框选择"
    if code not in divisions:
        return f"地区代码{code}不存在，请核对后重新输入，或用上面的下拉框选择"
    name = "".join(division.name for division in divisions.path(code))
    if not code.startswith(manager_region) or code == manager_region:
        home = divisions.get(manager_region)
        return f"{name}（{code}）不在您管理的{home.name if home else manager_region}以内，请重新选择"
    if len(code) != length:
        chosen = LEVEL_LABELS[level_of(code) or "village"]
        then = f"请接着选择{wanted}" if len(code) < length else f"请只选到{wanted}为止"
        return (
            f"{role_label(role)}账号要选到{wanted}（{length}位代码），现在选的{name}是{chosen}：{then}，"
            "或改选账号级别"
        )
    return ""


@dataclass(frozen=True, slots=True)
class RegionFilter:
    """What the list's region box narrows to: subtrees by code prefix, and the problem when it cannot.

    Attributes:
        prefixes: the codes whose subtrees are kept (none: no narrowing).
        problem: why the text matched nothing usable, in Chinese (the list is then empty).
        names: the divisions matched, to say on the page what was searched.
    """

    prefixes: tuple[str, ...] = ()
    problem: str = ""
    names: tuple[str, ...] = field(default_factory=tuple)


def region_filter(text: str, manager_region: str, divisions: Divisions) -> RegionFilter:
    """The subtrees a region box typed on the list names: a code (or its start), or part of a name.

    Args:
        text: as typed: digits are a code prefix, anything else part of a division's name.
        manager_region: the manager's region; nothing outside it is ever kept.
        divisions: the division data.
    """
    text = text.strip()
    if not text:
        return RegionFilter()
    if text.isascii() and text.isdigit():
        if manager_region.startswith(text):  # a code above the manager's own region: their whole subtree
            return RegionFilter(prefixes=(manager_region,))
        if not text.startswith(manager_region):
            home = divisions.get(manager_region)
            where = home.name if home else manager_region
            return RegionFilter(problem=f"代码{text}不在{where}以内：请输入以{manager_region}开头的代码")
        known = divisions.get(text)
        return RegionFilter(prefixes=(text,), names=(known.name,) if known else ())
    home = divisions.get(manager_region)
    if home is not None and text in home.name:
        return RegionFilter(prefixes=(manager_region,), names=(home.name,))
    matches = _named(text, manager_region, divisions)
    if not matches:
        return RegionFilter(problem=f"您管理的地区里没有名称含“{text}”的地区，请检查后重新输入")
    if len(matches) > _MAX_REGION_MATCHES:
        return RegionFilter(
            problem=f"名称含“{text}”的地区有{len(matches)}个，太多了：请写得更完整，或输入地区代码"
        )
    return RegionFilter(prefixes=tuple(matches), names=tuple(matches.values()))


def _named(text: str, root: str, divisions: Divisions) -> Mapping[str, str]:
    """The divisions under ``root`` whose name contains ``text``, leaving out those under another match."""
    found: dict[str, str] = {}
    stack = [root]
    while stack:
        code = stack.pop()
        for child in divisions.children(code):
            if text in child.name:
                found[child.code] = child.name  # its subtree is in already
            else:
                stack.append(child.code)
    return dict(sorted(found.items()))
