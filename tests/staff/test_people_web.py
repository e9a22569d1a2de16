"""The staff-account pages: adding an account, bad input at its field, deactivation, password reset, the list."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shenbao.settings import Settings
from tests.staff.people import Client, browser, people_client, rows, signed_in_as
from tests.support.staff import PASSWORD
from tests.support.web import sign_in

World = tuple[Client, Settings, dict[str, int]]
NEW_VILLAGE = {
    "display_name": "王小红",
    "username": "wangxh",
    "phone": "139 1234 5678",
    "role": "village",
    "region.city": "6201",
    "region.county": "620102",
    "region.township": "620102001",
    "region.village": "620102001003",
}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from people_client(tmp_path)


def _one_time_password(page: str) -> str:
    match = re.search(r'id="one-time-password">([^<]+)<', page)
    assert match, page
    return match.group(1)


def _error(page: str, field: str) -> str:
    match = re.search(rf'id="error-{field}" role="alert">([^<]+)<', page)
    assert match, page
    return html.unescape(match.group(1))


def test_a_province_admin_adds_a_village_account_that_signs_in(world: World) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, "province")
    page = client.post("/staff/people/new", data={"_csrf": csrf, **NEW_VILLAGE})
    assert page.status_code == 200 and "王小红" in page.text and "只显示这一次" in page.text
    password = _one_time_password(page.text)
    stored = rows(
        settings,
        "SELECT username, display_name, phone, role, region_code, active, password_hash FROM staff WHERE username = 'wangxh'",
    )
    assert stored and stored[0][:6] == ("wangxh", "王小红", "13912345678", "village", "620102001003", 1)
    assert stored[0][6].startswith("$argon2id$") and password not in stored[0][6]
    with browser(client, httpx.Cookies()) as newcomer:
        assert sign_in(newcomer, "wangxh", password).status_code == 303  # type: ignore[attr-defined]
        assert "中街子社区居委会" in newcomer.get("/staff/").text


def test_a_typed_password_is_used_and_not_shown(world: World) -> None:
    client, _, _ = world
    csrf = signed_in_as(client, "county")
    typed = {**NEW_VILLAGE, "password": "typed-pass-1", "password_again": "typed-pass-1"}
    typed.pop("region.city")  # a county admin's drop-downs start below the county
    typed.pop("region.county")
    page = client.post("/staff/people/new", data={"_csrf": csrf, **typed})
    assert (
        page.status_code == 200 and "one-time-password" not in page.text and "typed-pass-1" not in page.text
    )
    with browser(client, httpx.Cookies()) as newcomer:
        assert sign_in(newcomer, "wangxh", "typed-pass-1").status_code == 303  # type: ignore[attr-defined]


@pytest.mark.parametrize("username", ["sibling_village", "Sibling_Village "])
def test_a_taken_username_is_named_at_its_field(world: World, username: str) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, "province")
    page = client.post("/staff/people/new", data={"_csrf": csrf, **NEW_VILLAGE, "username": username})
    assert page.status_code == 422
    assert "已有人使用" in _error(page.text, "username")
    assert rows(settings, "SELECT count(*) FROM staff WHERE display_name = '王小红'") == [(0,)]


def test_a_second_tap_on_add_finds_the_account_already_made(world: World) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, "province")
    assert client.post("/staff/people/new", data={"_csrf": csrf, **NEW_VILLAGE}).status_code == 200
    again = client.post("/staff/people/new", data={"_csrf": csrf, **NEW_VILLAGE})
    assert again.status_code == 422 and "已经添加好了（可能点了两次）" in _error(again.text, "username")
    assert rows(settings, "SELECT count(*) FROM staff WHERE username = 'wangxh'") == [(1,)]


@pytest.mark.parametrize(
    ("change", "field", "says"),
    [
        ({"role": "township"}, "region", "乡镇账号要选到乡镇（街道）"),
        ({"region.village": ""}, "region", "村级账号要选到村（居）"),
        ({"region_code": "620102001999"}, "region", "地区代码620102001999不存在"),
        ({"region_code": "640104001001"}, "region", "地区代码640104001001不存在"),
        ({"region_code": "620102"}, "region", "村级账号要选到村（居）"),
        ({"password": "short", "password_again": "short"}, "password", "至少要8个字符"),
        (
            {"password": "long-enough-1", "password_again": "long-enough-2"},
            "password",
            "两次输入的密码不一样",
        ),
        ({"phone": "0931-8123456"}, "phone", "11位手机号码"),
        ({"phone": ""}, "phone", "请填写手机号码"),
        ({"username": "王小红"}, "username", "小写英文字母"),
        ({"display_name": ""}, "display_name", "请填写此人的姓名"),
        ({"role": "province"}, "role", "县级、乡镇、村级"),
    ],
    ids=lambda value: str(value),
)
def test_bad_input_is_named_at_its_field_and_the_form_keeps_what_was_typed(
    world: World, change: dict[str, str], field: str, says: str
) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, "province")
    posted = {**NEW_VILLAGE, **change}
    page = client.post("/staff/people/new", data={"_csrf": csrf, **posted})
    assert page.status_code == 422
    assert says in _error(page.text, field)
    assert f'aria-describedby="error-{field}"' in page.text
    for name in ("display_name", "username", "phone", "region_code"):
        if posted.get(name):
            assert f'name="{name}" value="{html.escape(posted[name])}"' in page.text, name
    if posted["region.village"] and posted["role"] == "village" and not posted.get("region_code"):
        assert '<option value="620102001003" selected>' in page.text  # the drop-downs keep their pick
    assert 'name="password" value' not in page.text  # a password is never written back into a page
    assert rows(settings, "SELECT count(*) FROM staff") == [(9,)]


def test_the_no_script_button_draws_the_next_level_and_adds_nothing(world: World) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, "province")
    posted = {
        "_csrf": csrf,
        "nav": "stay",
        "display_name": "王小红",
        "role": "township",
        "region.city": "6201",
    }
    page = client.post("/staff/people/new", data=posted)
    assert page.status_code == 200 and 'value="王小红"' in page.text
    assert '<option value="620102">城关区</option>' in page.text  # the counties of 兰州市 are offered now
    assert 'name="region.village"' not in page.text  # a township account stops at the township
    assert 'class="field-error"' not in page.text
    assert rows(settings, "SELECT count(*) FROM staff") == [(9,)]


def test_the_drop_downs_follow_the_role_chosen(world: World) -> None:
    client, _, _ = world
    signed_in_as(client, "province")
    county = client.get("/staff/people/picker?role=county&region.city=6201&region.county=620102")
    assert 'name="region.county"' in county.text and 'name="region.township"' not in county.text
    assert '<option value="620102" selected>' in county.text
    village = client.get("/staff/people/picker?role=village&region.city=6201")
    assert 'name="region.village"' in village.text and 'name="region.county"' in village.text


def test_a_typed_code_is_named(world: World) -> None:
    client, _, _ = world
    signed_in_as(client, "county")
    assert (
        "甘肃省兰州市城关区酒泉路街道" in client.get("/staff/people/region-name?region_code=620102001").text
    )
    assert "没有代码为620102999的地区" in client.get("/staff/people/region-name?region_code=620102999").text
    csrf = signed_in_as(client, "county")
    page = client.post(
        "/staff/people/new", data={"_csrf": csrf, "nav": "stay", "region_code": "620102001002"}
    )
    assert "张家园社区居委会" in page.text


def test_deactivation_ends_the_sessions_at_once_and_blocks_sign_in(world: World) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "county")
    phone = httpx.Cookies()
    with browser(client, phone) as village:
        assert sign_in(village, "village").status_code == 303  # type: ignore[attr-defined]
        assert village.get("/staff/").status_code == 200
    done = client.post(f"/staff/people/{ids['village']}/active", data={"_csrf": csrf, "active": "0"})
    assert done.status_code == 200 and "账号已停用" in done.text and 'id="inactive"' in done.text
    assert rows(settings, "SELECT count(*) FROM staff_session WHERE staff_id = ?", ids["village"]) == [(0,)]
    with browser(client, phone) as village:
        assert village.get("/staff/", follow_redirects=False).headers["location"] == "/staff/login"
        refused = sign_in(village, "village")
        assert refused.status_code == 401 and "用户名或密码不正确" in refused.text  # type: ignore[attr-defined]
    assert "已停用" in client.get("/staff/people?status=inactive").text
    client.post(f"/staff/people/{ids['village']}/active", data={"_csrf": csrf, "active": "1"})
    with browser(client, phone) as village:
        assert sign_in(village, "village").status_code == 303  # type: ignore[attr-defined]


def test_a_reset_password_signs_in_and_the_old_one_does_not(world: World) -> None:
    client, _, ids = world
    csrf = signed_in_as(client, "province")
    phone = httpx.Cookies()
    with browser(client, phone) as county:
        assert sign_in(county, "county").status_code == 303  # type: ignore[attr-defined]
    page = client.post(f"/staff/people/{ids['county']}/password", data={"_csrf": csrf})
    assert page.status_code == 200 and "密码已重置" in page.text
    new = _one_time_password(page.text)
    with browser(client, phone) as county:
        assert county.get("/staff/", follow_redirects=False).status_code == 303  # signed out at once
        assert sign_in(county, "county", PASSWORD).status_code == 401  # type: ignore[attr-defined]
        assert sign_in(county, "county", new).status_code == 303  # type: ignore[attr-defined]
    assert new not in client.get(f"/staff/people/{ids['county']}").text  # shown once only


def test_a_typed_reset_password_must_be_long_and_typed_twice_alike(world: World) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "county")
    before = rows(settings, "SELECT password_hash FROM staff WHERE id = ?", ids["township"])
    for password, again, says in (
        ("short", "short", "至少要8个字符"),
        ("long-enough", "long-enougH", "不一样"),
    ):
        data = {"_csrf": csrf, "password": password, "password_again": again}
        page = client.post(f"/staff/people/{ids['township']}/password", data=data)
        assert page.status_code == 422 and says in _error(page.text, "password")
    assert rows(settings, "SELECT password_hash FROM staff WHERE id = ?", ids["township"]) == before
    data = {"_csrf": csrf, "password": "chosen-pass", "password_again": "chosen-pass"}
    page = client.post(f"/staff/people/{ids['township']}/password", data=data)
    assert page.status_code == 200 and "one-time-password" not in page.text
    with browser(client, httpx.Cookies()) as township:
        assert sign_in(township, "township", "chosen-pass").status_code == 303  # type: ignore[attr-defined]


def test_a_phone_change(world: World) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "county")
    bad = client.post(f"/staff/people/{ids['village']}/phone", data={"_csrf": csrf, "phone": "1391234"})
    assert (
        bad.status_code == 422
        and "11位手机号码" in _error(bad.text, "phone")
        and 'value="1391234"' in bad.text
    )
    assert rows(settings, "SELECT phone FROM staff WHERE id = ?", ids["village"]) == [("",)]
    good = client.post(
        f"/staff/people/{ids['village']}/phone", data={"_csrf": csrf, "phone": "+86 139-0000-1234"}
    )
    assert good.status_code == 200 and "手机号码已修改" in good.text and "13900001234" in good.text
    assert rows(settings, "SELECT phone FROM staff WHERE id = ?", ids["village"]) == [("13900001234",)]


def test_the_list_filters_by_role_region_and_name(world: World) -> None:
    client, _, ids = world
    signed_in_as(client, "province")

    def listed(query: str) -> set[int]:
        return {
            int(each) for each in re.findall(r'id="person-(\d+)"', client.get(f"/staff/people?{query}").text)
        }

    assert listed("") == {
        ids[name]
        for name in (
            "county",
            "township",
            "village",
            "sibling_village",
            "other_county_village",
            "other_county",
        )
    }
    assert listed("role=village") == {ids["village"], ids["sibling_village"], ids["other_county_village"]}
    assert listed("region=七里河") == {ids["other_county_village"], ids["other_county"]}
    assert listed("region=620102001") == {ids["township"], ids["village"], ids["sibling_village"]}
    assert listed("region=张家园") == {ids["sibling_village"]}
    assert listed("q=sibling") == {ids["sibling_village"]}
    assert listed("q=other_county&role=county") == {ids["other_county"]}
    outside = client.get("/staff/people?region=640104")
    assert "不在甘肃省以内" in _error(outside.text, "region") and 'id="person-' not in outside.text


def test_the_list_pages_thirty_at_a_time(tmp_path: Path) -> None:
    more = {f"v{number:02d}": ("village", f"620102001{number % 5 + 1:03d}") for number in range(25)}
    more |= {f"t{number}": ("township", "620102002") for number in range(3)}
    for client, _, _ in people_client(tmp_path, more):  # with the 3 seeded accounts of 城关区: 31
        signed_in_as(client, "county")
        first = client.get("/staff/people")
        assert "共31个" in first.text and len(re.findall(r'id="person-', first.text)) == 30
        assert 'id="next-page"' in first.text and "page=2" in first.text
        second = client.get("/staff/people?page=2")
        assert len(re.findall(r'id="person-', second.text)) == 1 and 'id="next-page"' not in second.text
        townships = client.get("/staff/people?role=township&page=1")
        assert "共4个" in townships.text and 'id="next-page"' not in townships.text
        narrowed = client.get("/staff/people?role=village&q=v0")
        assert "共10个" in narrowed.text


def test_every_account_change_is_in_the_audit_log(world: World) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "county")
    client.post("/staff/people/new", data={"_csrf": csrf, **NEW_VILLAGE})
    client.post(f"/staff/people/{ids['village']}/active", data={"_csrf": csrf, "active": "0"})
    client.post(f"/staff/people/{ids['village']}/active", data={"_csrf": csrf, "active": "1"})
    client.post(f"/staff/people/{ids['village']}/password", data={"_csrf": csrf})
    client.post(f"/staff/people/{ids['village']}/phone", data={"_csrf": csrf, "phone": "13900001234"})
    client.post(
        f"/staff/people/{ids['village']}/phone", data={"_csrf": csrf, "phone": "139"}
    )  # refused: no row
    logged = rows(
        settings, "SELECT username, action, target FROM audit_log WHERE action LIKE 'staff.%' ORDER BY id"
    )
    assert logged == [
        ("county", "staff.add", "wangxh"),
        ("county", "staff.deactivate", "village"),
        ("county", "staff.reactivate", "village"),
        ("county", "staff.reset_password", "village"),
        ("county", "staff.change_phone", "village"),
    ]
