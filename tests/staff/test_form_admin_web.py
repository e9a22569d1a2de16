"""表单管理权限 on the account pages: the province admin grants and withdraws it on a county account's page (a
plain POST with the session's CSRF token); no one else can, and a refused post changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shenbao.settings import Settings
from tests.staff.people import Client, browser, people_client, rows, signed_in_as, snapshot
from tests.support.web import sign_in

World = tuple[Client, Settings, dict[str, int]]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from people_client(tmp_path)


def _flag(settings: Settings, staff_id: int) -> bool:
    return bool(rows(settings, "SELECT form_admin FROM staff WHERE id = ?", staff_id)[0][0])


def test_the_province_admin_grants_and_withdraws_it_on_the_county_accounts_page(world: World) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "province")
    page = client.get(f"/staff/people/{ids['county']}")
    assert 'id="grant-form-admin"' in page.text and 'id="person-form-admin">没有<' in page.text
    assert 'id="form-admin-tag"' not in page.text

    granted = client.post(
        f"/staff/people/{ids['county']}/form-admin", data={"_csrf": csrf, "form_admin": "1"}
    )

    assert granted.status_code == 200 and "已授予表单管理权限" in granted.text
    assert 'id="form-admin-tag"' in granted.text and 'id="revoke-form-admin"' in granted.text
    assert _flag(settings, ids["county"])
    listed = client.get("/staff/people?role=county").text
    assert (
        f'id="form-admin-{ids["county"]}"' in listed
        and f'id="form-admin-{ids["other_county"]}"' not in listed
    )

    withdrawn = client.post(
        f"/staff/people/{ids['county']}/form-admin", data={"_csrf": csrf, "form_admin": "0"}
    )
    assert withdrawn.status_code == 200 and "已收回表单管理权限" in withdrawn.text
    assert not _flag(settings, ids["county"]) and 'id="form-admin-tag"' not in withdrawn.text
    logged = rows(
        settings,
        "SELECT username, action, target FROM audit_log WHERE action LIKE 'staff.form_admin.%' ORDER BY id",
    )
    assert logged == [
        ("province", "staff.form_admin.grant", "county"),
        ("province", "staff.form_admin.revoke", "county"),
    ]
    audit = client.get("/staff/audit").text
    assert "授予表单管理权限" in audit and "收回表单管理权限" in audit


def test_the_control_is_drawn_for_the_province_admin_on_county_accounts_only(world: World) -> None:
    client, _, ids = world
    signed_in_as(client, "province")
    for other in ("township", "village"):
        page = client.get(f"/staff/people/{ids[other]}").text
        assert 'id="form-admin-form"' not in page and 'id="person-form-admin"' not in page, other
    signed_in_as(client, "county")
    assert 'id="form-admin-form"' not in client.get(f"/staff/people/{ids['township']}").text


def test_a_township_or_village_account_is_refused_with_what_to_do(world: World) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "province")
    before = snapshot(settings)
    refused = client.post(
        f"/staff/people/{ids['township']}/form-admin", data={"_csrf": csrf, "form_admin": "1"}
    )
    assert refused.status_code == 422
    assert "只能授予县级账号" in refused.text and 'id="error-form_admin"' in refused.text
    assert snapshot(settings) == before


@pytest.mark.parametrize(
    ("manager", "target"),
    [
        ("county", "county"),  # itself
        ("county", "township"),
        ("county", "other_county"),
        ("township", "village"),
        ("village", "village"),
        ("province", "other_province"),
        ("province", "province"),
    ],
)
def test_no_one_else_grants_it_403_and_nothing_changes(world: World, manager: str, target: str) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, manager)
    before = snapshot(settings)
    for value in ("1", "0"):
        answer = client.post(
            f"/staff/people/{ids[target]}/form-admin", data={"_csrf": csrf, "form_admin": value}
        )
        assert answer.status_code == 403, value
    assert snapshot(settings) == before
    assert rows(settings, "SELECT count(*) FROM audit_log WHERE action LIKE 'staff.form_admin.%'") == [(0,)]


@pytest.mark.parametrize(
    "data",
    [
        {"form_admin": "1"},  # no token
        {"_csrf": "forged", "form_admin": "1"},
        {"_csrf": "SESSION", "form_admin": "yes"},
        {"_csrf": "SESSION"},
    ],
)
def test_a_forged_token_or_odd_value_changes_nothing(world: World, data: dict[str, str]) -> None:
    client, settings, ids = world
    csrf = signed_in_as(client, "province")
    before = snapshot(settings)
    posted = {key: csrf if value == "SESSION" else value for key, value in data.items()}
    assert client.post(f"/staff/people/{ids['county']}/form-admin", data=posted).status_code == 403
    missing = client.post("/staff/people/999999/form-admin", data={"_csrf": csrf, "form_admin": "1"})
    assert missing.status_code == 403
    assert snapshot(settings) == before


def test_the_inbox_links_the_admin_area_for_authors_only(world: World) -> None:
    client, _, ids = world
    for username, linked in (("province", True), ("county", False), ("township", False), ("village", False)):
        signed_in_as(client, username)
        assert ('id="admin-link"' in client.get("/staff/").text) is linked, username
    csrf = signed_in_as(client, "province")
    client.post(f"/staff/people/{ids['county']}/form-admin", data={"_csrf": csrf, "form_admin": "1"})
    county = httpx.Cookies()
    with browser(client, county) as phone:
        assert sign_in(phone, "county").status_code == 303  # type: ignore[attr-defined]
        inbox = phone.get("/staff/").text
        assert 'id="admin-link"' in inbox and 'href="/admin/"' in inbox and "表单管理" in inbox
    client.post(f"/staff/people/{ids['county']}/form-admin", data={"_csrf": csrf, "form_admin": "0"})
    with browser(client, county) as phone:
        assert 'id="admin-link"' not in phone.get("/staff/").text  # the same session, its next request
