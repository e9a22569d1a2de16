"""The staff pages: sign-in, CSRF on every POST, the session cookie, and the region-scoped inbox."""

from __future__ import annotations

import re
import sqlite3

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.plugin import ShenbaoPlugin
from shenbao.settings import Settings
from shenbao.store.receipts import format_receipt
from tests.support.staff import ACCOUNTS, INSIDE, PLACES
from tests.support.web import csrf_of, sign_in

Client = TestClient[Litestar]


def test_the_login_page_is_in_chinese_with_a_csrf_field(staff_client: Client) -> None:
    page = staff_client.get("/staff/login")
    assert page.status_code == 200 and "工作人员登录" in page.text and csrf_of(page.text)
    assert staff_client.get("/staff/", follow_redirects=False).headers["location"] == "/staff/login"


def test_sign_in_sets_a_strict_http_only_cookie(staff_client: Client) -> None:
    response = sign_in(staff_client, "village")
    assert response.status_code == 303  # type: ignore[attr-defined]
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("sb_staff="))  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower() and "Path=/" in cookie
    assert "Max-Age=43200" in cookie


def test_a_wrong_password_gets_a_clear_message(staff_client: Client) -> None:
    response = sign_in(staff_client, "village", "wrong-password")
    assert response.status_code == 401  # type: ignore[attr-defined]
    assert "用户名或密码不正确" in response.text  # type: ignore[attr-defined]
    unknown = sign_in(staff_client, "ghost", "wrong-password")
    assert "用户名或密码不正确" in unknown.text  # type: ignore[attr-defined]


def test_the_sixth_try_is_locked(staff_client: Client) -> None:
    for _ in range(5):
        sign_in(staff_client, "county", "wrong-password")
    assert "已锁定" in sign_in(staff_client, "county").text  # type: ignore[attr-defined]


def test_sign_in_without_the_csrf_token_is_forbidden(staff_client: Client) -> None:
    staff_client.get("/staff/login")
    response = staff_client.post("/staff/login", data={"username": "village", "password": "x" * 10})
    assert response.status_code == 403


def test_logout_needs_the_sessions_csrf_token(staff_client: Client) -> None:
    sign_in(staff_client, "village")
    inbox = staff_client.get("/staff/")
    assert staff_client.post("/staff/logout", data={}).status_code == 403
    assert staff_client.post("/staff/logout", data={"_csrf": "forged"}).status_code == 403
    assert staff_client.get("/staff/").status_code == 200  # still signed in
    out = staff_client.post("/staff/logout", data={"_csrf": csrf_of(inbox.text)}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/staff/login"
    assert staff_client.get("/staff/", follow_redirects=False).status_code == 303


def test_every_staff_post_is_refused_without_csrf(staff_client: Client) -> None:
    sign_in(staff_client, "province")
    paths = [
        route.path
        for route in staff_client.app.routes
        if route.path.startswith("/staff") and "POST" in getattr(route, "methods", ())
    ]
    assert paths
    for path in paths:
        path = re.sub(r"\{[^}]+\}", "1", path)  # path parameters: application 1 is in the province's region
        assert staff_client.post(path, data={}).status_code == 403, path


def test_an_expired_session_signs_out(staff_client: Client, seeded: tuple[Settings, dict[str, str]]) -> None:
    sign_in(staff_client, "village")
    assert staff_client.get("/staff/").status_code == 200
    with sqlite3.connect(seeded[0].database_url.removeprefix("sqlite:///")) as connection:
        connection.execute("UPDATE staff_session SET expires_at = '2000-01-01 00:00:00+00:00'")
    assert staff_client.get("/staff/", follow_redirects=False).headers["location"] == "/staff/login"


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_staff_see_their_subtree_and_nothing_else(
    staff_client: Client, seeded: tuple[Settings, dict[str, str]], role: str
) -> None:
    receipts = seeded[1]
    sign_in(staff_client, role)
    page = staff_client.get("/staff/?view=all")
    assert page.status_code == 200
    for place in PLACES:
        shown = format_receipt(receipts[place]) in page.text
        assert shown == (place in INSIDE[role]), (role, place)
    assert "畅家巷社区居委会" in page.text


def test_the_inbox_names_the_staff_region(staff_client: Client) -> None:
    sign_in(staff_client, "township")
    page = staff_client.get("/staff/")
    assert "甘肃省 兰州市 城关区 酒泉路街道" in page.text and "乡镇 · township" in page.text


def _guarded_pages(client: Client) -> list[str]:
    """Every staff page that asks for the ``signed_in`` dependency, its path parameters filled with 1."""
    return sorted(
        {
            re.sub(r"\{[^}]*\}", "1", route.path)
            for route in client.app.routes
            for handler in getattr(route, "route_handlers", ())
            if "signed_in" in handler.parsed_fn_signature.parameters and "GET" in handler.http_methods
        }
    )


def test_every_staff_page_sends_a_visitor_without_a_session_to_the_login_page(staff_client: Client) -> None:
    pages = _guarded_pages(staff_client)
    expected = {"/staff", "/staff/a/1", "/staff/people", "/staff/audit", "/staff/stats", "/staff/sms"}
    assert expected <= set(pages)
    assert len(pages) >= 10, pages
    for path in pages:
        response = staff_client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == "/staff/login", path
    assert staff_client.get("/staff/login").status_code == 200  # the page itself needs no session


def test_a_signed_out_visitor_of_a_mounted_platform_is_sent_to_its_own_login_page(
    seeded: tuple[Settings, dict[str, str]],
) -> None:
    app = Litestar(plugins=[ShenbaoPlugin(seeded[0], path="/shenbao")])
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for path in ("/shenbao/staff/", "/shenbao/staff/people", "/shenbao/staff/a/1/check"):
            response = client.get(path, follow_redirects=False)
            assert response.status_code == 303, path
            assert response.headers["location"] == "/shenbao/staff/login", path
