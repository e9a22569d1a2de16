"""The role vocabulary: five levels of the division tree, an optional office within a level, and how each reads."""

from __future__ import annotations

import msgspec
import pytest

from shenbao.roles import (
    ROLES,
    RoleText,
    code_length,
    is_role,
    level_above,
    make_role,
    office_problem,
    region_at,
    role_label,
    role_level,
    role_office,
)

VILLAGE = "620102001001"

ROLE_TABLE = [
    # role, level, office, code length, the region of VILLAGE at that level, label
    ("village", "village", "", 12, "620102001001", "村级"),
    ("township", "township", "", 9, "620102001", "乡镇"),
    ("county", "county", "", 6, "620102", "县级"),
    ("city", "city", "", 4, "6201", "市州级"),
    ("province", "province", "", 2, "62", "省级"),
    ("county:民政", "county", "民政", 6, "620102", "县级（民政）"),
    ("county:乡村振兴", "county", "乡村振兴", 6, "620102", "县级（乡村振兴）"),
    ("city:Office2", "city", "Office2", 4, "6201", "市州级（Office2）"),
    ("province:民政厅", "province", "民政厅", 2, "62", "省级（民政厅）"),
]


@pytest.mark.parametrize(("role", "level", "office", "length", "region", "label"), ROLE_TABLE)
def test_a_role_is_a_level_and_an_optional_office(
    role: str, level: str, office: str, length: int, region: str, label: str
) -> None:
    assert is_role(role)
    assert (role_level(role), role_office(role), code_length(role)) == (level, office, length)
    assert region_at(VILLAGE, role) == region
    assert role_label(role) == label
    assert make_role(role_level(role) or "village", office) == role


NOT_ROLES = ["", "hamlet", "County", "county:", ":民政", "county:民 政", "county:民政:科", "county:一二三四五六七八九十一",
             "county：民政", "county:民-政", "prefecture"]  # fmt: skip


@pytest.mark.parametrize("value", NOT_ROLES)
def test_anything_else_is_not_a_role(value: str) -> None:
    assert not is_role(value) and role_level(value) is None
    assert role_label(value) == value  # shown as stored, never an error
    with pytest.raises(KeyError):
        code_length(value)


def test_a_chain_file_with_a_bad_role_is_a_decode_error_naming_its_path() -> None:
    class Step(msgspec.Struct):
        role: RoleText

    assert (
        msgspec.json.decode(b'{"role": "county:\xe6\xb0\x91\xe6\x94\xbf"}', type=Step).role == "county:民政"
    )
    with pytest.raises(msgspec.ValidationError, match=r"\$\.role"):
        msgspec.json.decode(b'{"role": "county:"}', type=Step)


def test_an_office_is_checked_in_chinese() -> None:
    assert office_problem("") == "" and office_problem(" 民政 ") == ""
    assert "1到10个汉字" in office_problem("民 政") and "冒号" in office_problem("a:b")
    assert make_role("county", " 民政 ") == "county:民政" and make_role("county", "") == "county"
    with pytest.raises(ValueError, match="科室名称"):
        make_role("county", "民政:科")


def test_the_levels_from_the_bottom_up() -> None:
    assert ROLES == ("village", "township", "county", "city", "province")
    assert [level_above(level) for level in ROLES] == ["township", "county", "city", "province", None]
