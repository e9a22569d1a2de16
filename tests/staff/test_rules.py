"""The pure rules of staff accounts: who manages whom, what a new account needs, generated passwords, region filter."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from shenbao.roles import Role
from shenbao.staff.rules import (
    AccountForm,
    check_account_form,
    check_new_password,
    check_phone,
    generate_password,
    may_grant_form_admin,
    may_manage,
    region_filter,
)
from tests.support.packs import gansu_divisions

DIVISIONS = gansu_divisions()
GOOD = AccountForm(
    username="Zhang.San-01",
    display_name=" 张  三 ",
    phone="139 1234 5678",
    role="village",
    region_code="620102001002",
)


@pytest.mark.parametrize(
    ("manager", "region", "role", "target", "allowed"),
    [
        ("province", "62", "county", "620102", True),
        ("province", "62", "township", "620102001", True),
        ("province", "62", "village", "620103001001", True),
        ("province", "62", "province", "62", False),  # a colleague, or themselves
        ("province", "62", "village", "640104001001", False),  # another province
        ("county", "620102", "township", "620102002", True),
        ("county", "620102", "village", "620102001001", True),
        ("county", "620102", "county", "620102", False),  # themselves
        ("county", "620102", "county", "620103", False),  # a neighbour county
        ("county", "620102", "village", "620103001001", False),  # a village of the neighbour
        ("county", "620102", "province", "62", False),
        ("township", "620102001", "village", "620102001001", False),
        ("village", "620102001001", "village", "620102001001", False),
        ("province", "62", "city", "6201", True),
        ("province", "62", "county:民政", "620102", True),
        ("city", "6201", "county", "620103", True),  # 七里河区, in 兰州市
        ("city", "6201", "county:民政", "620102", True),
        ("city", "6201", "village", "620102001001", True),
        ("city", "6201", "city", "6201", False),  # themselves
        ("city", "6201", "city", "6202", False),  # another city
        ("city", "6201", "county", "620201", False),  # a county of another city
        ("city", "6201", "province", "62", False),
        ("county:民政", "620102", "township", "620102001", True),  # an office manages as its level does
        ("county:民政", "620102", "county:乡村振兴", "620102", False),  # its own level, another office
        ("county:民政", "620102", "county", "620102", False),
        ("county", "620102", "county:民政", "620102", False),
        ("township:民政", "620102001", "village", "620102001001", False),
    ],
    ids=lambda value: str(value),
)
def test_who_manages_whom(manager: Role, region: str, role: str, target: str, allowed: bool) -> None:
    assert may_manage(manager, region, role, target) is allowed


@pytest.mark.parametrize(
    ("manager", "region", "role", "target", "allowed"),
    [
        ("province", "62", "county", "620102", True),
        ("province", "62", "county", "620103", True),
        ("province", "62", "county", "640104", False),  # a county of another province
        ("province", "64", "county", "620102", False),  # another province's admin
        ("province", "62", "township", "620102001", False),  # only county accounts hold the grant
        ("province", "62", "village", "620102001001", False),
        ("province", "62", "province", "62", False),  # province accounts author without it
        ("county", "620102", "county", "620102", False),  # nor a county admin, to itself
        ("county", "620102", "township", "620102001", False),
        ("township", "620102001", "village", "620102001001", False),
        ("village", "620102001001", "village", "620102001001", False),
    ],
    ids=lambda value: str(value),
)
def test_who_grants_form_admin(manager: Role, region: str, role: str, target: str, allowed: bool) -> None:
    assert may_grant_form_admin(manager, region, role, target) is allowed


def test_a_good_account_is_tidied_up() -> None:
    checked, problems = check_account_form(
        GOOD, manager_role="county", manager_region="620102", divisions=DIVISIONS
    )
    assert problems == {}
    assert checked is not None
    assert (checked.username, checked.display_name, checked.phone) == ("zhang.san-01", "张 三", "13912345678")
    assert (checked.role, checked.region_code) == ("village", "620102001002")


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"username": ""}, "username", "请填写用户名"),
        ({"username": "张三"}, "username", "小写英文字母"),
        ({"username": "ab"}, "username", "3到64个"),
        ({"display_name": "  "}, "display_name", "姓名"),
        ({"display_name": "长" * 101}, "display_name", "最多100个字"),
        ({"phone": ""}, "phone", "请填写手机号码"),
        ({"phone": "0931-1234567"}, "phone", "11位手机号码"),
        ({"phone": "12912345678"}, "phone", "11位手机号码"),
        ({"role": "county"}, "role", "乡镇、村级"),  # a county admin cannot add a county account
        ({"role": "mayor"}, "role", "请选择账号的级别"),
        ({"region_code": ""}, "region", "请选择此人负责的村（居）"),
        ({"region_code": "6201020010"}, "region", "不是地区代码"),
        ({"region_code": "620102001999"}, "region", "不存在"),
        ({"region_code": "620103001001"}, "region", "不在您管理的城关区以内"),
        ({"region_code": "620102001"}, "region", "村级账号要选到村（居）"),
        ({"role": "township", "region_code": "620102001001"}, "region", "乡镇账号要选到乡镇（街道）"),
        ({"password": "short", "password_again": "short"}, "password", "至少要8个字符"),
        (
            {"password": "long-enough-1", "password_again": "long-enough-2"},
            "password",
            "两次输入的密码不一样",
        ),
        ({"password_again": "long-enough-1"}, "password", "至少要8个字符"),
    ],
    ids=lambda value: str(value),
)
def test_each_problem_is_named_at_its_field(change: dict[str, str], field: str, says: str) -> None:
    typed = replace(GOOD, **change)
    checked, problems = check_account_form(
        typed, manager_role="county", manager_region="620102", divisions=DIVISIONS
    )
    assert checked is None
    assert list(problems) == [field]
    assert says in problems[field]


def test_a_province_admin_may_add_a_county_account_but_not_a_province_one() -> None:
    county = replace(GOOD, role="county", region_code="620103")
    assert (
        check_account_form(county, manager_role="province", manager_region="62", divisions=DIVISIONS)[1] == {}
    )
    province = replace(GOOD, role="province", region_code="62")
    problems = check_account_form(
        province, manager_role="province", manager_region="62", divisions=DIVISIONS
    )[1]
    assert "县级、乡镇、村级" in problems["role"]


@pytest.mark.parametrize("manager", ["township", "village"])
def test_township_and_village_staff_may_add_no_one(manager: Role) -> None:
    _, problems = check_account_form(
        GOOD, manager_role=manager, manager_region="620102001", divisions=DIVISIONS
    )
    assert "role" in problems


def test_a_typed_password_follows_the_cli_rule() -> None:
    assert check_new_password("12345678", "12345678") == ""
    assert "至少要8个字符" in check_new_password("1234567", "1234567")
    assert "不一样" in check_new_password("12345678", "12345679")


@pytest.mark.parametrize(
    ("raw", "stored", "wrong"),
    [
        ("13912345678", "13912345678", False),
        ("+86 139-1234-5678", "13912345678", False),
        ("１３９１２３４５６７８", "13912345678", False),  # full-width digits from a Chinese keyboard
        ("1391234567", "1391234567", True),
        ("", "", True),
    ],
    ids=str,
)
def test_phones_are_normalised_and_checked(raw: str, stored: str, wrong: bool) -> None:
    phone, problem = check_phone(raw)
    assert phone == stored and bool(problem) is wrong


def test_generated_passwords_are_readable_long_and_different() -> None:
    passwords = {generate_password() for _ in range(200)}
    assert len(passwords) == 200
    for password in passwords:
        assert re.fullmatch(r"[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}-[a-hj-km-np-z2-9]{4}", password)
        assert check_new_password(password, password) == ""


@pytest.mark.parametrize(
    ("text", "prefixes", "problem"),
    [
        ("", (), ""),
        ("620102001", ("620102001",), ""),
        ("6201020", ("6201020",), ""),  # the start of a code is a prefix too
        ("62", ("620102",), ""),  # above the manager's region: their whole subtree
        ("620103", (), "不在城关区以内"),
        ("酒泉路", ("620102001",), ""),
        ("张家园", ("620102001002",), ""),
        ("城关", ("620102",), ""),  # the manager's own region by name
        ("七里河", (), "没有名称含“七里河”的地区"),
        ("社区", (), "太多了"),
    ],
    ids=lambda value: str(value),
)
def test_the_region_box_takes_a_code_or_part_of_a_name(
    text: str, prefixes: tuple[str, ...], problem: str
) -> None:
    found = region_filter(text, "620102", DIVISIONS)
    assert found.prefixes == prefixes
    assert (problem in found.problem) if problem else found.problem == ""


@pytest.mark.parametrize(
    ("manager", "region", "typed", "role", "problem"),
    [
        ("city", "6201", {"role": "county", "office": "民政", "region_code": "620103"}, "county:民政", ""),
        ("city", "6201", {"role": "county:民政", "region_code": "620103"}, "county:民政", ""),
        ("city", "6201", {"role": "township", "region_code": "620103001"}, "township", ""),
        ("city", "6201", {"role": "county", "office": "民 政", "region_code": "620103"}, None, "office"),
        ("city", "6201", {"role": "city", "region_code": "6201"}, None, "role"),
        ("city", "6201", {"role": "county", "region_code": "620201"}, None, "region"),  # another city's
        ("province", "62", {"role": "city", "region_code": "6202"}, "city", ""),
        (
            "county:民政",
            "620102",
            {"role": "county", "office": "财政", "region_code": "620102"},
            None,
            "role",
        ),
    ],
    ids=lambda value: str(value),
)
def test_a_new_account_of_a_city_or_an_office(
    manager: str, region: str, typed: dict[str, str], role: str | None, problem: str
) -> None:
    checked, problems = check_account_form(
        replace(GOOD, **typed), manager_role=manager, manager_region=region, divisions=DIVISIONS
    )
    if role is not None:
        assert checked is not None and (checked.role, problems) == (role, {})
        return
    assert checked is None and list(problems) == [problem]
    assert re.search("[\u4e00-\u9fff]", problems[problem])  # said in Chinese
