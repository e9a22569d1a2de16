"""Who may use the staff-account pages: every role × accounts inside and outside their subtree × every endpoint.

Beside the four roles of 城关区 (:data:`~tests.staff.people.PEOPLE`), a city (兰州市) with an account of another
city beside it, and two offices of 城关区's county level (民政, 乡村振兴): a city manages the counties, townships
and villages of its own city only, an office manages as its level does, and no one manages an account at or
above their own level, whatever its office.

A refused request answers 403 and changes nothing (no account, no session). One database serves the module:
the allowed requests put back what they change (the password is reset to the same one, the account is
reactivated after being deactivated).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shenbao.settings import Settings
from tests.staff.people import MANAGES, PEOPLE, Client, people_client, rows, signed_in_as, snapshot
from tests.support.staff import PASSWORD

World = tuple[Client, Settings, dict[str, int]]
VALID_VILLAGE = {
    "display_name": "新来的",
    "username": "newcomer",
    "phone": "13912345678",
    "role": "village",
    "region_code": "620102001003",
}


OFFICES = {  # username: role, region
    "city": ("city", "6201"),  # 兰州市: 城关区 and 七里河区
    "other_city": ("city", "6202"),  # 嘉峪关市
    "other_city_county": ("county", "620201"),
    "minzheng": ("county:民政", "620102"),
    "xczx": ("county:乡村振兴", "620102"),
}
BELOW_CHENGGUAN = {"township", "village", "sibling_village"}
ALL_MANAGES = {
    "province": MANAGES["province"] | {"city", "other_city", "other_city_county", "minzheng", "xczx"},
    "city": {"county", "other_county", "other_county_village", "minzheng", "xczx"} | BELOW_CHENGGUAN,
    "other_city": {"other_city_county"},
    "county": BELOW_CHENGGUAN,  # not the offices of its own level
    "minzheng": BELOW_CHENGGUAN,  # not the other office, nor the plain county account
}
"""Whom each manager manages among :data:`PEOPLE` and :data:`OFFICES` (written out, not computed)."""
EVERYONE = [*PEOPLE, *OFFICES]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from people_client(tmp_path_factory.mktemp("people-access"), OFFICES)


def _account_posts(staff_id: int) -> list[tuple[str, dict[str, str]]]:
    return [
        (f"/staff/people/{staff_id}/phone", {"phone": "13900001111"}),
        (f"/staff/people/{staff_id}/password", {"password": PASSWORD, "password_again": PASSWORD}),
        (f"/staff/people/{staff_id}/active", {"active": "0"}),
        (f"/staff/people/{staff_id}/active", {"active": "1"}),
    ]


@pytest.mark.parametrize("manager", ["township", "village"])
def test_township_and_village_staff_get_403_on_every_endpoint(world: World, manager: str) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, manager)
    before = snapshot(settings)
    inside = ids["village"] if manager == "township" else ids["sibling_village"]
    for path in (
        "/staff/people",
        "/staff/people/new",
        "/staff/people/picker?role=village",
        "/staff/people/region-name?region_code=620102001001",
        f"/staff/people/{inside}",
        f"/staff/people/{ids[manager]}",
    ):
        assert client.get(path).status_code == 403, path
    for path, data in [
        ("/staff/people/new", VALID_VILLAGE),
        *_account_posts(inside),
        *_account_posts(ids[manager]),
    ]:
        assert client.post(path, data={"_csrf": csrf, **data}).status_code == 403, path
    assert snapshot(settings) == before


@pytest.mark.parametrize(
    ("manager", "target"),
    [(manager, target) for manager in ALL_MANAGES for target in EVERYONE],
    ids=lambda value: str(value),
)
def test_a_manager_reaches_the_accounts_below_them_and_no_other(
    world: World, manager: str, target: str
) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, manager)
    staff_id = ids[target]
    before = snapshot(settings)
    if target not in ALL_MANAGES[manager]:
        assert client.get(f"/staff/people/{staff_id}").status_code == 403
        for path, data in _account_posts(staff_id):
            assert client.post(path, data={"_csrf": csrf, **data}).status_code == 403, path
        assert snapshot(settings) == before
        assert f'id="person-{staff_id}"' not in client.get("/staff/people").text
        return
    page = client.get(f"/staff/people/{staff_id}")
    assert page.status_code == 200 and f"{target}的名字" in page.text
    assert f'id="person-{staff_id}"' in client.get(f"/staff/people?q={target}的名字").text
    for path, data in _account_posts(staff_id):
        response = client.post(path, data={"_csrf": csrf, **data}, follow_redirects=False)
        assert response.status_code in (200, 303), (path, response.text)
    assert rows(settings, "SELECT phone, active FROM staff WHERE id = ?", staff_id) == [("13900001111", 1)]


@pytest.mark.parametrize("manager", ["province", "county"])
def test_a_manager_cannot_add_an_account_at_their_level_or_outside(world: World, manager: str) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, manager)
    before = snapshot(settings)
    attempts = [
        {**VALID_VILLAGE, "role": "province", "region_code": "62"},
        {**VALID_VILLAGE, "role": "county", "region_code": "620102" if manager == "province" else "620103"},
        {**VALID_VILLAGE, "region_code": "620103001001" if manager == "county" else "640104001001"},
    ]
    if manager == "province":
        attempts.pop(1)  # a county account is the province admin's to add
    for data in attempts:
        response = client.post("/staff/people/new", data={"_csrf": csrf, **data})
        assert response.status_code == 422, (data, response.text)
        assert 'id="error-role"' in response.text or 'id="error-region"' in response.text
    assert snapshot(settings) == before


def test_signed_out_visitors_are_sent_to_sign_in_and_their_posts_refused(world: World) -> None:
    client, settings, ids = world
    client.cookies.clear()
    before = snapshot(settings)
    for path in ("/staff/people", "/staff/people/new", f"/staff/people/{ids['village']}"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/staff/login", path
    for path in ("/staff/people/picker?role=village", "/staff/people/region-name?region_code=62"):
        assert client.get(path).status_code == 403, path
    for path, data in [("/staff/people/new", VALID_VILLAGE), *_account_posts(ids["village"])]:
        assert client.post(path, data=data).status_code == 403, path
    assert snapshot(settings) == before


def test_a_forged_or_missing_csrf_token_changes_nothing(world: World) -> None:
    client, settings, ids = world
    signed_in_as(client, "province")
    before = snapshot(settings)
    for token in ({}, {"_csrf": "forged"}):
        for path, data in [("/staff/people/new", VALID_VILLAGE), *_account_posts(ids["village"])]:
            assert client.post(path, data={**token, **data}).status_code == 403, path
    assert snapshot(settings) == before


@pytest.mark.parametrize(
    ("username", "linked"),
    [
        ("province", True),
        ("city", True),
        ("county", True),
        ("minzheng", True),
        ("township", False),
        ("village", False),
    ],
)
def test_the_inbox_links_the_page_for_those_who_may_use_it(world: World, username: str, linked: bool) -> None:
    client, _, _ = world
    signed_in_as(client, username)
    assert ('id="people-link"' in client.get("/staff/").text) is linked


@pytest.mark.parametrize(
    ("manager", "role", "office", "region", "added"),
    [
        ("city", "county", "民政", "620103", True),  # 七里河区, in the city
        ("city", "township", "", "620103001", True),
        ("city", "county", "民政", "620201", False),  # 嘉峪关市: another city
        ("city", "city", "", "6201", False),  # its own level
        ("minzheng", "village", "", "620102001003", True),
        ("minzheng", "county", "财政", "620102", False),  # its own level, whatever the office
        ("province", "city", "", "6202", True),
    ],
    ids=lambda value: str(value),
)
def test_a_city_or_an_office_adds_accounts_below_it_in_its_region_only(
    world: World, manager: str, role: str, office: str, region: str, added: bool
) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, manager)
    username = f"new-{manager}-{role}-{region}"
    data = {**VALID_VILLAGE, "username": username, "role": role, "office": office, "region_code": region}
    response = client.post("/staff/people/new", data={"_csrf": csrf, **data})
    stored = rows(settings, "SELECT role, region_code FROM staff WHERE username = ?", username)
    if not added:
        assert response.status_code == 422 and (
            'id="error-role"' in response.text or 'id="error-region"' in response.text
        )
        assert stored == []
        return
    assert response.status_code == 200, response.text
    role_stored = f"{role}:{office}" if office else role
    assert stored == [(role_stored, region)]
    label = {"county": "县级", "township": "乡镇", "village": "村级", "city": "市州级"}[role]
    assert (f"{label}（{office}）账号" if office else f"{label}账号") in response.text


def test_a_bad_office_is_refused_at_its_field(world: World) -> None:
    client, settings, _ = world
    csrf = signed_in_as(client, "city")
    before = snapshot(settings)
    data = {**VALID_VILLAGE, "role": "county", "office": "民 政", "region_code": "620103"}
    response = client.post("/staff/people/new", data={"_csrf": csrf, **data})
    assert (
        response.status_code == 422 and 'id="error-office"' in response.text and "科室名称" in response.text
    )
    assert snapshot(settings) == before


def test_the_list_names_each_office(world: World) -> None:
    client, _, ids = world
    signed_in_as(client, "city")
    page = client.get("/staff/people?role=county").text
    assert "县级（民政）账号" in page and "县级（乡村振兴）账号" in page
    assert f'id="person-{ids["other_city_county"]}"' not in page
    levels = client.get("/staff/people/new").text
    assert 'value="county"' in levels and 'value="city"' not in levels and 'value="province"' not in levels
    assert 'name="office"' in levels
