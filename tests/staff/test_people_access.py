"""Who may use the staff-account pages: every role × accounts inside and outside their subtree × every endpoint.

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


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    yield from people_client(tmp_path_factory.mktemp("people-access"))


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
    [(manager, target) for manager in ("province", "county") for target in PEOPLE],
    ids=lambda value: str(value),
)
def test_a_manager_reaches_the_accounts_below_them_and_no_other(
    world: World, manager: str, target: str
) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, manager)
    staff_id = ids[target]
    before = snapshot(settings)
    if target not in MANAGES[manager]:
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
    ("username", "linked"), [("province", True), ("county", True), ("township", False), ("village", False)]
)
def test_the_inbox_links_the_page_for_those_who_may_use_it(world: World, username: str, linked: bool) -> None:
    client, _, _ = world
    signed_in_as(client, username)
    assert ('id="people-link"' in client.get("/staff/").text) is linked
