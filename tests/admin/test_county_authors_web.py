"""A county account granted 表单管理权限 in the admin area: it builds its own county's forms and opens no other;
the province admin sees and edits them; once withdrawn, the county account's next request is refused."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator

import httpx
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.beside import fetch
from tests.support.staff import add_account
from tests.support.web import csrf_of, sign_in

Client = TestClient[Litestar]


@pytest.fixture
def client(admin_settings: Settings) -> Iterator[Client]:
    """The admin tests' accounts and a second county (七里河区, ``other_county``); a client signed in as no one."""

    async def seed() -> None:
        database = await store.open_database(admin_settings.database_url, keys=admin_settings.keys)
        try:
            await add_account(database, "county", "620103", username="other_county")
        finally:
            await database.close()

    asyncio.run(seed())
    with TestClient(create_app(admin_settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _as(client: Client, username: str) -> None:
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303  # type: ignore[attr-defined]


def _id(settings: Settings, username: str) -> int:
    return int(fetch(settings.database_url, "SELECT id FROM staff WHERE username = $1", username)[0][0])


def _set_grant(client: Client, settings: Settings, username: str, granted: bool) -> None:
    """The province admin grants or withdraws ``username``'s 表单管理权限 on its page."""
    _as(client, "province")
    url = f"/staff/people/{_id(settings, username)}"
    page = client.get(url)
    done = client.post(
        f"{url}/form-admin", data={"_csrf": csrf_of(page.text), "form_admin": "1" if granted else "0"}
    )
    assert done.status_code == 200, done.text


def _new_form(client: Client, form_id: str) -> str:
    page = client.get("/admin/forms/new")
    assert page.status_code == 200, page.text
    made = client.post(
        "/admin/forms",
        data={"_csrf": csrf_of(page.text), "title": "临时救助申请", "form_id": form_id},
        follow_redirects=False,
    )
    assert made.status_code == 303, made.text
    return str(made.headers["location"]).rstrip("/")


def _owner(settings: Settings, form_id: str) -> str:
    return str(
        fetch(settings.database_url, "SELECT owner_region FROM authored_form WHERE form_id = $1", form_id)[0][
            0
        ]
    )


def _relabel(client: Client, url: str, label: str) -> int:
    page = client.get(f"{url}/?q=q1")
    rev = re.search(r'name="rev" value="(\d+)"', page.text)
    assert rev, page.text
    saved = client.post(
        f"{url}/question/q1",
        data={"_csrf": csrf_of(page.text), "rev": rev.group(1), "label": label},
        follow_redirects=False,
    )
    return saved.status_code


def test_a_county_without_the_grant_is_refused_with_what_to_do(client: Client) -> None:
    _as(client, "county")
    refused = client.get("/admin/")
    assert refused.status_code == 403 and "表单管理权限" in refused.text and "联系省级管理员" in refused.text


def test_a_granted_county_builds_its_own_forms_and_opens_no_other(
    client: Client, admin_settings: Settings
) -> None:
    settings = admin_settings
    _as(client, "province")
    province_form = _new_form(client, "province-form")
    for county in ("county", "other_county"):
        _set_grant(client, settings, county, True)
    _as(client, "other_county")
    other_form = _new_form(client, "qilihe-form")
    assert _owner(settings, "qilihe-form") == "620103"

    _as(client, "county")
    assert client.get("/admin/").status_code == 200
    own_form = _new_form(client, "chengguan-form")
    assert _owner(settings, "chengguan-form") == "620102"
    assert _relabel(client, own_form, "户主姓名") == 303
    assert "户主姓名" in client.get(f"{own_form}/?q=q1").text
    for elsewhere in (province_form, other_form):
        assert client.get(f"{elsewhere}/").status_code == 403, elsewhere
        assert _relabel_refused(client, elsewhere, own_form)
    listed = client.get("/admin/").text
    assert "chengguan-form" in listed and "qilihe-form" not in listed and "province-form" not in listed
    copied = client.post(
        "/admin/forms/copy",
        data={"_csrf": csrf_of(listed), "form_id": "gansu-zizhu-2021"},
        follow_redirects=False,
    )
    assert copied.status_code == 303 and _owner(settings, "gansu-zizhu-2021-copy") == "620102"

    _as(client, "province")
    listed = client.get("/admin/").text
    assert all(form in listed for form in ("chengguan-form", "qilihe-form", "province-form"))
    assert _relabel(client, own_form, "申请人姓名") == 303
    assert "申请人姓名" in client.get(f"{own_form}/?q=q1").text


def _relabel_refused(client: Client, elsewhere: str, own_form: str) -> bool:
    """A save posted to another region's form, with a token and revision from one's own, is refused (403)."""
    page = client.get(f"{own_form}/?q=q1")
    rev = re.search(r'name="rev" value="(\d+)"', page.text)
    assert rev
    answer = client.post(
        f"{elsewhere}/question/q1",
        data={"_csrf": csrf_of(page.text), "rev": rev.group(1), "label": "改别人的表单"},
        follow_redirects=False,
    )
    return answer.status_code == 403


def test_after_withdrawal_the_county_accounts_next_request_is_refused(
    client: Client, admin_settings: Settings
) -> None:
    _set_grant(client, admin_settings, "county", True)
    _as(client, "county")
    form = _new_form(client, "chengguan-form")
    county = httpx.Cookies(client.cookies)  # its session, kept while the province admin works

    _set_grant(client, admin_settings, "county", False)

    client.cookies = county  # the county account's own session, still signed in
    assert client.get("/admin/").status_code == 403
    assert client.get(f"{form}/").status_code == 403
    assert client.get("/staff/").status_code == 200  # the rest of its work goes on
    _as(client, "province")
    assert client.get(f"{form}/").status_code == 200  # the form stays, the province admin keeps it
