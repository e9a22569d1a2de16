"""The audit log from the staff pages: decisions, sign-ins and reveals write rows; ID numbers and phones stay
masked until revealed; the province admin reads the log at /staff/audit, nobody else does."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shenbao import store
from shenbao.settings import Settings
from shenbao.store.receipts import check_digit
from tests.staff.checks import record_check
from tests.support.applications import APPLICANT_PHONE, ZIZHU, add_application
from tests.support.beside import Flow
from tests.support.packs import gansu_divisions
from tests.support.samples import id_number, one_click_2023
from tests.support.staff import PLACES
from tests.support.web import Client, act_on_page, csrf_of, sign_in

APPLICANT_ID = one_click_2023()["id_number"]
AUDIT_COLUMNS = "staff_id, username, role, region, action, target, detail, address"


def _audit(flow: Flow, where: str = "1 = 1") -> list[dict[str, Any]]:
    names = [name.strip() for name in AUDIT_COLUMNS.split(",")]
    rows = flow.fetch(f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE {where} ORDER BY id")
    return [dict(zip(names, row, strict=True)) for row in rows]


def _receipt(flow: Flow) -> str:
    return str(flow.fetch(f"SELECT receipt_number FROM application WHERE id = {flow.id}")[0][0])


def _switch(client: Client, username: str) -> None:
    """Sign out (forget the session cookie) and sign in as someone else."""
    client.cookies.clear()
    assert sign_in(client, username).status_code == 303  # type: ignore[attr-defined]


def _reveal(client: Client, flow: Flow, **data: str) -> Any:
    page = client.get(f"/staff/a/{flow.id}")
    return client.post(f"/staff/a/{flow.id}/reveal", data={"_csrf": csrf_of(page.text), **data})


# Decisions


def test_each_decision_writes_a_row_naming_the_application(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert act_on_page(client, flow, "accept").status_code == 303
    assert record_check(client, flow.id).status_code == 303
    assert act_on_page(client, flow, "pass_up", note="请乡镇审核").status_code == 303
    rows = _audit(flow, "action LIKE 'decision.%'")
    assert [row["action"] for row in rows] == ["decision.accept", "decision.record_check", "decision.pass_up"]
    staff_id = flow.fetch("SELECT id FROM staff WHERE username = 'village'")[0][0]
    for row in rows:
        assert (row["staff_id"], row["username"], row["role"], row["region"]) == (
            staff_id,
            "village",
            "village",
            PLACES["village"],
        )
        assert row["target"] == _receipt(flow) and row["address"] == "testclient"
    assert rows[1]["detail"] == "村级入户核查：入户核查" and rows[2]["detail"].endswith("：请乡镇审核")


def test_a_refused_decision_writes_no_row(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert record_check(client, flow.id).status_code == 303
    assert act_on_page(client, flow, "refuse", reason="").status_code == 422  # the reason is missing
    _switch(client, "township")
    page = client.get(f"/staff/a/{flow.id}")
    data = {"_csrf": csrf_of(page.text), "action": "pass_up", "seen": "2"}
    assert client.post(f"/staff/a/{flow.id}/act", data=data).status_code == 403  # not the township's turn
    assert [row["action"] for row in _audit(flow, "action LIKE 'decision.%'")] == ["decision.record_check"]


def test_a_double_post_writes_one_row(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    page = client.get(f"/staff/a/{flow.id}")
    data = {"_csrf": csrf_of(page.text), "action": "accept", "seen": "1"}
    assert client.post(f"/staff/a/{flow.id}/act", data=data, follow_redirects=False).status_code == 303
    assert client.post(f"/staff/a/{flow.id}/act", data=data).status_code == 409
    assert len(_audit(flow, "action = 'decision.accept'")) == 1


def test_a_decision_that_fails_after_its_row_leaves_neither(
    client: Client, flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The row is written in the decision's transaction: when the decision fails, the row goes with it."""
    from shenbao.cases import decisions

    real = decisions.record_audit

    async def record_then_fail(*args: Any, **kwargs: Any) -> Any:
        await real(*args, **kwargs)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(decisions, "record_audit", record_then_fail)
    sign_in(client, "village")
    assert act_on_page(client, flow, "accept").status_code == 500
    assert _audit(flow, "action LIKE 'decision.%'") == []
    assert flow.state() == ("household_check", 1, "in_progress") and flow.outbox() == []


def test_a_decision_whose_sms_fails_writes_no_row(
    client: Client, flow: Flow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shenbao.cases import decisions

    async def broken_queue(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the outbox is full")

    monkeypatch.setattr(decisions, "queue_notices", broken_queue)
    sign_in(client, "village")
    assert act_on_page(client, flow, "accept").status_code == 500
    assert _audit(flow, "action LIKE 'decision.%'") == []


# Sign-in and sign-out


def test_sign_in_failed_sign_in_and_sign_out_write_rows(client: Client, flow: Flow) -> None:
    sign_in(client, "nobody-here", "wrong-password-1")
    sign_in(client, "county", "wrong-password-1")
    assert sign_in(client, "county").status_code == 303  # type: ignore[attr-defined]
    inbox = client.get("/staff/")
    client.post("/staff/logout", data={"_csrf": csrf_of(inbox.text)})
    rows = _audit(flow, "action IN ('login', 'login.failed', 'logout')")
    assert [(row["action"], row["username"], row["role"], row["detail"]) for row in rows] == [
        ("login.failed", "nobody-here", None, "没有这个账号"),
        ("login.failed", "county", None, "密码不正确"),
        ("login", "county", "county", ""),
        ("logout", "county", "county", ""),
    ]
    assert {row["address"] for row in rows} == {"testclient"}
    assert rows[0]["staff_id"] is None and rows[1]["staff_id"] is None and rows[2]["staff_id"] is not None


# Masking and the reveal


def test_the_page_masks_id_numbers_and_phones(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    page = client.get(f"/staff/a/{flow.id}")
    assert APPLICANT_ID not in page.text and APPLICANT_PHONE not in page.text
    assert f"{APPLICANT_ID[:6]}********{APPLICANT_ID[-4:]}" in page.text and "139****5678" in page.text
    assert 'id="reveal"' in page.text and "查看完整信息" in page.text
    assert _audit(flow, "action = 'view.unmasked'") == []


@pytest.mark.parametrize("role", ["village", "township", "county"])
def test_a_handler_reveals_them_and_the_view_is_logged(client: Client, flow: Flow, role: str) -> None:
    sign_in(client, role)
    revealed = _reveal(client, flow)
    assert revealed.status_code == 200
    assert APPLICANT_ID in revealed.text and f'href="tel:{APPLICANT_PHONE}"' in revealed.text
    assert 'id="unmasked-note"' in revealed.text and 'id="reveal"' not in revealed.text
    (row,) = _audit(flow, "action = 'view.unmasked'")
    assert (row["username"], row["role"], row["target"], row["address"]) == (
        role,
        role,
        _receipt(flow),
        "testclient",
    )
    assert row["detail"] == "申请人身份证号码、手机号码"
    again = client.get(f"/staff/a/{flow.id}")  # only that page view: the next one is masked again
    assert APPLICANT_ID not in again.text


def test_the_province_admin_sees_them_masked_and_may_not_reveal(client: Client, flow: Flow) -> None:
    sign_in(client, "province")
    page = client.get(f"/staff/a/{flow.id}")
    assert (
        APPLICANT_ID not in page.text and 'id="reveal"' not in page.text and 'id="masked-note"' in page.text
    )
    refused = client.post(f"/staff/a/{flow.id}/reveal", data={"_csrf": csrf_of(page.text)})
    assert (
        refused.status_code == 403
        and APPLICANT_ID not in refused.text
        and "省级人员不办理具体申请" in refused.text
    )
    assert _audit(flow, "action = 'view.unmasked'") == []


def test_a_reveal_needs_the_csrf_token_and_the_region(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    missing = client.post(f"/staff/a/{flow.id}/reveal", data={})
    assert missing.status_code == 403 and APPLICANT_ID not in missing.text
    _switch(client, "other")  # a village handler of the neighbouring village
    outside = _reveal_outside(client, flow)
    assert outside.status_code == 404 and APPLICANT_ID not in outside.text
    assert _audit(flow, "action = 'view.unmasked'") == []


def _reveal_outside(client: Client, flow: Flow) -> Any:
    inbox = client.get("/staff/")
    return client.post(f"/staff/a/{flow.id}/reveal", data={"_csrf": csrf_of(inbox.text)})


PROXY_ID, HEAD_ID = id_number(serial="456"), id_number(serial="789")


@pytest.fixture
def household_application(flow: Flow) -> int:
    """A 2021 application with a proxy, stored before the app starts (Piccolo binds one database per process)."""
    answers = {
        "q1": "proxy",
        "q3": {"name": "王五", "id_number": PROXY_ID, "phone": "13700001111"},
        "q4": {"name": "张三", "id_number": HEAD_ID, "phone": "13800138000"},
    }
    return _add_2021_application(flow.settings, answers)


def test_household_fields_are_masked_too(household_application: int, client: Client, flow: Flow) -> None:
    """The 2021 form's 代办人 and 户主 blanks: 证件号码 and 联系电话 inside a multi-field answer."""
    proxy_id, head_id, application_id = PROXY_ID, HEAD_ID, household_application
    sign_in(client, "village")
    page = client.get(f"/staff/a/{application_id}")
    assert page.status_code == 200 and "王五" in page.text and "张三" in page.text
    for secret in (proxy_id, head_id, "13700001111", "13800138000"):
        assert secret not in page.text
    assert "137****1111" in page.text and f"{head_id[:6]}********{head_id[-4:]}" in page.text
    revealed = client.post(f"/staff/a/{application_id}/reveal", data={"_csrf": csrf_of(page.text)})
    for secret in (proxy_id, head_id, "13700001111", "13800138000"):
        assert secret in revealed.text
    (row,) = _audit(flow, "action = 'view.unmasked'")
    assert row["detail"] == "代办人证件号码、代办人联系电话、户主证件号码、户主联系电话"


def _add_2021_application(settings: Settings, answers: dict[str, Any]) -> int:
    async def add() -> int:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            built = await add_application(
                database, ZIZHU, region=PLACES["village"], answers=answers, workflow=False
            )
            return built.id
        finally:
            await database.close()

    return asyncio.run(add())


# The audit page


def test_the_province_admin_reads_the_log(staff_client: Client) -> None:
    sign_in(staff_client, "village", "wrong-password-1")
    sign_in(staff_client, "province")
    inbox = staff_client.get("/staff/")
    assert 'href="/staff/audit" id="audit-log"' in inbox.text
    page = staff_client.get("/staff/audit")
    assert page.status_code == 200 and 'id="audit-filter"' in page.text
    rows = re.findall(r'<li id="audit-(\d+)">', page.text)
    assert rows == sorted(rows, key=int, reverse=True) and len(rows) >= 2  # newest first
    assert "登录失败" in page.text and "密码不正确" in page.text and "province" in page.text


@pytest.mark.parametrize("role", ["village", "township", "county"])
def test_other_staff_get_403(staff_client: Client, role: str) -> None:
    sign_in(staff_client, role)
    assert 'id="audit-log"' not in staff_client.get("/staff/").text
    response = staff_client.get("/staff/audit")
    assert response.status_code == 403 and "省级管理员" in response.text


def test_signed_out_it_is_the_sign_in_page(staff_client: Client) -> None:
    response = staff_client.get("/staff/audit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/staff/login")


RECEIPT = "26060100001" + check_digit("26060100001")
JUNE_1 = datetime(2026, 6, 1, 15, 30, tzinfo=UTC)  # 23:30 on 1 June in China
LOG = [  # (minutes after JUNE_1, username, action, target, detail): the detail names the row
    (0, "alice", "login", "", "a1"),
    (15, "bob", "view.unmasked", RECEIPT, "b1"),  # 23:45 on 1 June in China
    (60, "alice", "decision.accept", RECEIPT, "a2"),  # 00:30 on 2 June in China
    (120, "alice", "decision.refuse", "x", "a3"),
    (180, "alice", "view.unmasked", RECEIPT, "a4"),
]


def _insert_log(settings: Settings, rows: list[tuple[int, str, str, str, str]]) -> None:
    """Rows as record_audit writes them (Piccolo keeps a SQLite timestamp as ``str(datetime)``, in UTC)."""
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO audit_log (at, username, action, target, detail, address) VALUES (?, ?, ?, ?, ?, 'x')",
            [(str(JUNE_1 + timedelta(minutes=m)), *rest) for m, *rest in rows],
        )


def _details(html: str) -> list[str]:
    return re.findall(r'<div class="detail">(\w+)</div>', html)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["a4", "a3", "a2", "b1", "a1"]),
        ("user=alice", ["a4", "a3", "a2", "a1"]),
        ("user=ALICE&action=decision.*", ["a3", "a2"]),
        ("action=view.unmasked", ["a4", "b1"]),
        ("action=login", ["a1"]),
        ("date=2026-06-01", ["b1", "a1"]),
        ("date=2026-06-02&user=alice", ["a4", "a3", "a2"]),
        (f"target={RECEIPT[:4]}+{RECEIPT[4:8]}-{RECEIPT[8:]}", ["a4", "a2", "b1"]),
    ],
    ids=["all", "user", "user-and-family", "action", "exact-action", "china-day", "day-and-user", "receipt"],
)
def test_filters(
    staff_client: Client, seeded: tuple[Settings, dict[str, str]], query: str, expected: list[str]
) -> None:
    _insert_log(seeded[0], LOG)
    sign_in(staff_client, "province")
    page = staff_client.get(f"/staff/audit?{query}")
    assert page.status_code == 200 and _details(page.text) == expected


@pytest.mark.parametrize(
    ("query", "field"), [("date=2026-13-01", "error-date"), ("action=drop.table", "error-action")]
)
def test_a_filter_that_cannot_be_read_is_said_at_its_field(
    staff_client: Client, query: str, field: str
) -> None:
    sign_in(staff_client, "province")
    page = staff_client.get(f"/staff/audit?{query}")
    assert page.status_code == 422 and f'id="{field}"' in page.text and 'id="audit-rows"' not in page.text


def test_pages_of_fifty_with_the_filter_kept(
    staff_client: Client, seeded: tuple[Settings, dict[str, str]]
) -> None:
    _insert_log(seeded[0], [(n, "alice", "login", "", f"n{n:03d}") for n in range(120)])
    sign_in(staff_client, "province")
    first = staff_client.get("/staff/audit?user=alice")
    assert _details(first.text) == [f"n{n:03d}" for n in range(119, 69, -1)]
    assert 'id="newer"' not in first.text
    older = re.search(r'href="(/staff/audit\?[^"]+)" id="older"', first.text)
    assert older and "user=alice" in older.group(1)
    second = staff_client.get(older.group(1).replace("&amp;", "&"))
    assert _details(second.text) == [f"n{n:03d}" for n in range(69, 19, -1)]
    third_link = re.search(r'href="(/staff/audit\?[^"]+)" id="older"', second.text)
    assert third_link
    third = staff_client.get(third_link.group(1).replace("&amp;", "&"))
    assert _details(third.text) == [f"n{n:03d}" for n in range(19, -1, -1)] and 'id="older"' not in third.text
    back = re.search(r'href="(/staff/audit\?[^"]+)" id="newer"', third.text)
    assert back
    assert _details(staff_client.get(back.group(1).replace("&amp;", "&")).text) == _details(second.text)


# Accounts


@pytest.mark.anyio
async def test_a_new_account_and_a_locked_sign_in_write_rows(db: store.Database) -> None:
    from shenbao.staff.accounts import LoginRefused, StaffAccounts
    from shenbao.store.audit import AuditFilter, audit_page

    accounts = StaffAccounts(db)
    await accounts.add(
        username="county",
        role="county",
        region_code="620102",
        password="correct-horse-9",
        divisions=gansu_divisions(),
    )
    (added,) = (await audit_page(db, AuditFilter(action="staff.add"))).entries
    assert (added.staff_id, added.target, added.detail) == (None, "county", "县级账号，辖区620102，未填姓名")
    for _ in range(6):
        with pytest.raises(LoginRefused):
            await accounts.login("county", "wrong-password", client="10.1.2.3")
    failed = (await audit_page(db, AuditFilter(action="login.failed"))).entries
    assert [row.detail for row in failed] == ["账号已锁定"] + ["密码不正确"] * 5
    assert {(row.username, row.address) for row in failed} == {("county", "10.1.2.3")}
