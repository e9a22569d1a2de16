"""The applicant's status page: the lookup that never tells whether a receipt or phone is right, the code,
the 30-minute pass for one receipt, and the appeal stored once with the township's SMS."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

import itsdangerous.timed
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.cases.phones import stored_verified_phones
from shenbao.notify.templates import template_of
from shenbao.packs import FormRegistry
from shenbao.privacy.masking import mask_phone
from shenbao.settings import Settings
from shenbao.staff.accounts import StaffAccounts
from shenbao.store.receipts import format_receipt, new_receipt_number
from shenbao.store.sealing import open_text
from shenbao.workflow.model import Accept, Action, Approve, GiveRelief, PassUp, RecordCheck, Refuse
from shenbao.workflow.stored import history_of
from tests.support.applications import add_application, evaluated
from tests.support.beside import fetch
from tests.support.keys import TEST_KEYS
from tests.support.packs import gansu_divisions
from tests.support.samples import household_2021, one_click_2023
from tests.support.web import sign_in

Client = TestClient[Litestar]
FORM_ID = "gansu-yijian-2023"
VILLAGE = "620102001001"
PHONE = "13912345678"
"""The phone the application gave (and verified when it was submitted)."""
STRANGER = "13700001111"
TOWNSHIP_PHONE = "13900000003"
REFUSED_ON = dt.date(2026, 6, 1)
"""A Monday; 10 working days later is 15 June, the last day to appeal."""
REASON = "家庭人均纯收入高于监测标准"
RELIEF = "临时救助金2000元"
APPEAL = "我家今年看病花了六万元，收入没有算对"
PASSWORD = "correct-horse-9"


class Seeded:
    """Applications of the 2023 form, read beside the running app: one refused, one just submitted, and three
    green-channel cases (``green``: open, refused and approved)."""

    def __init__(self, settings: Settings, refused: str, other: str, green: dict[str, str]) -> None:
        self.settings = settings
        self.refused = refused
        self.other = other
        self.green = green

    def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        return fetch(self.settings.database_url, sql, *args)

    def state(self, receipt: str) -> tuple[str, str, int, str]:
        """The step, the status, the number of history rows and the application's status column."""
        raw, status = self.fetch(
            "SELECT workflow_state, status FROM application WHERE receipt_number = $1", receipt
        )[0]
        state, history = history_of(json.loads(raw) if isinstance(raw, str) else raw)
        return state.step, state.status, len(history), status

    def texts_to(self, phone: str) -> list[str]:
        """The text messages the database gateway kept for ``phone``, oldest first."""
        return [
            row[0] for row in self.fetch("SELECT text FROM sms_message WHERE phone = $1 ORDER BY id", phone)
        ]

    def outbox(self) -> list[tuple[str, str]]:
        """``(phone, template)`` of each queued message, the template by its name in its chain."""
        rows = self.fetch("SELECT phone, template FROM outbox ORDER BY id")
        return [(open_text(row[0], TEST_KEYS), template_of(row[1])) for row in rows]


_CHECKED: list[Action] = [Accept(), RecordCheck(answers={"summary": "入户核查"})]
_TO_THE_END: list[Action] = [*_CHECKED, PassUp(), PassUp(), PassUp(), Approve(), PassUp()]
"""What each step of the 2023 chain does on the way to its end (the national entry passes it up last)."""


async def _add_application(
    db: store.Database, *, refuse: bool, green: bool = False, approve: bool = False
) -> str:
    actions: list[Action] = [GiveRelief(what=RELIEF)] if green else []
    if refuse:
        actions += [*_CHECKED, Refuse(reason=REASON)]
    elif approve:
        actions += _TO_THE_END
    built = await add_application(
        db,
        FORM_ID,
        region=VILLAGE,
        answers=evaluated(FORM_ID, one_click_2023(hardship=["disaster"] if green else None)),
        submitted_on=REFUSED_ON,
        actions=actions,
    )
    return built.receipt


@pytest.fixture
def seeded(database_url: str, tmp_path: Path) -> Seeded:
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)

    async def seed() -> tuple[str, str, dict[str, str]]:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            accounts = StaffAccounts(database)
            await accounts.add(
                username="township",
                role="township",
                region_code=VILLAGE[:9],
                password=PASSWORD,
                phone=TOWNSHIP_PHONE,
                divisions=gansu_divisions(),
            )
            refused = await _add_application(database, refuse=True)
            other = await _add_application(database, refuse=False)
            green = {
                "open": await _add_application(database, refuse=False, green=True),
                "refused": await _add_application(database, refuse=True, green=True),
                "approved": await _add_application(database, refuse=False, green=True, approve=True),
            }
            return refused, other, green
        finally:
            await database.close()

    return Seeded(settings, *asyncio.run(seed()))


def pin_today(monkeypatch: pytest.MonkeyPatch, today: dt.date) -> None:
    monkeypatch.setattr("shenbao.web.farmer.status._today", lambda: today)


@pytest.fixture
def client(seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    pin_today(monkeypatch, dt.date(2026, 6, 3))
    with TestClient(create_app(seeded.settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _csrf(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def ask_code(client: Client, receipt: str, phone: str) -> Any:
    page = client.get("/status")
    assert page.status_code == 200
    return client.post("/status/code", data={"_csrf": _csrf(page.text), "receipt": receipt, "phone": phone})


def open_status(client: Client, seeded: Seeded, receipt: str, phone: str = PHONE) -> Any:
    """What the farmer does: the receipt and phone, the code from the SMS, then the page."""
    sent = ask_code(client, receipt, phone)
    assert sent.status_code == 200, sent.text
    code = re.search(r"验证码是(\d{6})", seeded.texts_to(phone)[-1])
    assert code, seeded.texts_to(phone)
    data = {"_csrf": _csrf(sent.text), "receipt": receipt, "phone": phone, "code": code.group(1)}
    opened = client.post("/status/verify", data=data, follow_redirects=False)
    number = receipt.replace(" ", "")
    assert opened.status_code == 303 and opened.headers["location"] == f"/status/{number}", opened.text
    return client.get(opened.headers["location"])


def _same_answer(text: str, receipt: str, phone: str) -> str:
    """A lookup answer with what was typed and the CSRF token taken out, to compare two answers."""
    shown = format_receipt(receipt)
    for typed, mark in ((shown, "R"), (quote(shown), "R"), (phone, "PHONE"), (mask_phone(phone), "MASKED")):
        text = text.replace(typed, mark)
    return re.sub(r'name="_csrf" value="[^"]+"', "", text)


def test_a_wrong_phone_or_receipt_gets_the_same_answer_and_no_sms(client: Client, seeded: Seeded) -> None:
    nowhere = new_receipt_number()
    right = ask_code(client, seeded.refused, PHONE)
    wrong_phone = ask_code(client, seeded.refused, STRANGER)
    wrong_receipt = ask_code(client, nowhere, "13600002222")
    assert right.status_code == wrong_phone.status_code == wrong_receipt.status_code == 200
    assert "马上会收到一条验证码短信" in right.text
    expected = _same_answer(right.text, seeded.refused, PHONE)
    assert _same_answer(wrong_phone.text, seeded.refused, STRANGER) == expected
    assert _same_answer(wrong_receipt.text, nowhere, "13600002222") == expected
    assert right.headers.get("set-cookie") is None or "sb_status=" not in right.headers["set-cookie"]
    assert len(seeded.texts_to(PHONE)) == 1 and "验证码是" in seeded.texts_to(PHONE)[0]
    assert seeded.texts_to(STRANGER) == [] and seeded.texts_to("13600002222") == []


def test_a_wrong_guess_is_rate_limited_like_a_right_one(client: Client, seeded: Seeded) -> None:
    for phone in (PHONE, STRANGER):
        assert ask_code(client, seeded.refused, phone).status_code == 200
        again = ask_code(client, seeded.refused, phone)
        assert again.status_code == 422 and "秒后再重新获取" in again.text
    assert len(seeded.texts_to(PHONE)) == 1 and seeded.texts_to(STRANGER) == []


def test_a_code_never_opens_a_wrong_phones_page(client: Client, seeded: Seeded) -> None:
    sent = ask_code(client, seeded.refused, STRANGER)
    for code in ("000000", "123456"):
        data = {"_csrf": _csrf(sent.text), "receipt": seeded.refused, "phone": STRANGER, "code": code}
        tried = client.post("/status/verify", data=data, follow_redirects=False)
        assert tried.status_code == 422 and "验证码不对" in tried.text
    assert client.get(f"/status/{seeded.refused}", follow_redirects=False).status_code == 303


def test_sixty_simultaneous_guesses_get_five_tries(client: Client, seeded: Seeded) -> None:
    sent = ask_code(client, seeded.refused, PHONE)
    right = re.search(r"验证码是(\d{6})", seeded.texts_to(PHONE)[-1])
    assert right
    wrong = "000000" if right.group(1) != "000000" else "111111"
    data = {"_csrf": _csrf(sent.text), "receipt": seeded.refused, "phone": PHONE, "code": wrong}
    with ThreadPoolExecutor(max_workers=30) as pool:
        answers = list(pool.map(lambda _: client.post("/status/verify", data=data), range(60)))
    assert {answer.status_code for answer in answers} == {422}
    left = sorted(int(m.group(1)) for a in answers if (m := re.search(r"还可以再试(\d)次", a.text)))
    assert left == [1, 2, 3, 4]  # each try counted once, in order, never two reading the same count
    assert seeded.fetch("SELECT max(attempts) FROM otp_challenge") == [(5,)]
    data["code"] = right.group(1)
    late = client.post("/status/verify", data=data, follow_redirects=False)
    assert late.status_code == 422 and "错了5次" in late.text
    assert client.get(f"/status/{seeded.refused}", follow_redirects=False).status_code == 303


def test_a_mistyped_receipt_is_told_at_its_field(client: Client, seeded: Seeded) -> None:
    typo = seeded.refused[:-1] + str((int(seeded.refused[-1]) + 1) % 10)
    answer = ask_code(client, typo, PHONE)
    assert answer.status_code == 422 and 'id="error-receipt"' in answer.text and "12位数字" in answer.text
    assert seeded.texts_to(PHONE) == []


def test_the_right_phone_gets_a_code_that_opens_the_page(client: Client, seeded: Seeded) -> None:
    page = open_status(
        client, seeded, " ".join([seeded.refused[:4], seeded.refused[4:8], seeded.refused[8:]])
    )
    assert page.status_code == 200
    assert "没有通过" in page.text and REASON in page.text and 'id="appeal-form"' in page.text
    assert "6月15日前申请复核" in page.text and "还剩8个工作日" in page.text
    assert "经村里答复，您家不符合认定标准。" in page.text and "不再办理" in page.text
    steps = re.findall(r'<span class="name">([^<]+)</span>', page.text)
    assert steps == ["村级核查", "村里答复", "村内评议公示", "乡镇复核", "县级审批", "录入国家系统"]
    for staff_word in ("村级入户核查", "答复农户", "村内民主评议和公示"):  # the staff's names of those steps
        assert staff_word not in page.text
    assert 'id="green"' not in page.text  # not a green-channel case
    assert "李四" not in page.text and PHONE not in page.text  # nothing personal on the page


def test_a_wrong_code_opens_nothing(client: Client, seeded: Seeded) -> None:
    sent = ask_code(client, seeded.refused, PHONE)
    data = {"_csrf": _csrf(sent.text), "receipt": seeded.refused, "phone": PHONE, "code": "000000"}
    if re.search(r"验证码是000000", seeded.texts_to(PHONE)[-1]):
        data["code"] = "111111"
    tried = client.post("/status/verify", data=data, follow_redirects=False)
    assert tried.status_code == 422 and 'id="error-code"' in tried.text and "还可以再试4次" in tried.text
    assert "sb_status=" not in tried.headers.get("set-cookie", "")
    assert client.get(f"/status/{seeded.refused}", follow_redirects=False).status_code == 303


def test_the_lookup_needs_its_csrf_token(client: Client, seeded: Seeded) -> None:
    client.get("/status")
    sent = client.post("/status/code", data={"receipt": seeded.refused, "phone": PHONE})
    assert sent.status_code == 403 and seeded.texts_to(PHONE) == []


def test_the_pass_expires_after_thirty_minutes(
    client: Client, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert open_status(client, seeded, seeded.refused).status_code == 200
    later = time.time() + 31 * 60
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    expired = client.get(f"/status/{seeded.refused}", follow_redirects=False)
    assert expired.status_code == 303 and expired.headers["location"] == f"/status?r={seeded.refused}"


def test_an_appeal_posted_after_the_pass_ran_out_is_shown_back_not_stored(
    client: Client, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _appeal_form(open_status(client, seeded, seeded.refused))
    later = time.time() + 31 * 60
    monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: later))
    answer = client.post(f"/status/{seeded.refused}/appeal", data=data)
    assert answer.status_code == 403 and "验证已过期" in answer.text
    assert f">{APPEAL}</textarea>" in answer.text and 'id="lookup-form"' in answer.text
    assert seeded.state(seeded.refused)[1] == "refused" and seeded.outbox() == []


def test_the_pass_of_one_receipt_opens_no_other(client: Client, seeded: Seeded) -> None:
    assert open_status(client, seeded, seeded.refused).status_code == 200
    other = client.get(f"/status/{seeded.other}", follow_redirects=False)
    assert other.status_code == 303 and other.headers["location"] == f"/status?r={seeded.other}"
    page = client.get(f"/status/{seeded.refused}")
    data = {"_csrf": _csrf(page.text), "seen": "4", "reason": APPEAL}
    assert client.post(f"/status/{seeded.other}/appeal", data=data).status_code == 403


def test_a_forged_pass_opens_nothing(client: Client, seeded: Seeded) -> None:
    client.cookies.set("sb_status", json.dumps({"receipt": seeded.refused, "csrf": "x"}))
    assert client.get(f"/status/{seeded.refused}", follow_redirects=False).status_code == 303


def _appeal_form(page: Any) -> dict[str, str]:
    seen = re.search(r'name="seen" value="(\d+)"', page.text)
    assert seen, page.text
    return {"_csrf": _csrf(page.text), "seen": seen.group(1), "reason": APPEAL}


def test_the_appeal_reopens_the_case_at_the_township_once(client: Client, seeded: Seeded) -> None:
    page = open_status(client, seeded, seeded.refused)
    assert seeded.state(seeded.refused) == ("check_answer", "refused", 4, "refused")
    data = _appeal_form(page)
    done = client.post(f"/status/{seeded.refused}/appeal", data=data, follow_redirects=False)
    assert done.status_code == 303
    assert seeded.state(seeded.refused) == ("township_review", "in_progress", 5, "in_progress")
    assert seeded.outbox().count((TOWNSHIP_PHONE, "appeal")) == 1
    again = client.post(f"/status/{seeded.refused}/appeal", data=data, follow_redirects=False)
    assert again.status_code == 409 and "已经提交过了" in again.text
    assert seeded.state(seeded.refused) == ("township_review", "in_progress", 5, "in_progress")
    assert seeded.outbox().count((TOWNSHIP_PHONE, "appeal")) == 1
    shown = client.get(done.headers["location"])
    assert "复核申请已提交" in shown.text and "正在办理" in shown.text and "乡镇复核" in shown.text
    assert (
        "您在6月3日申请了复核" in shown.text and APPEAL in shown.text and 'id="appeal-form"' not in shown.text
    )
    assert "还剩15个工作日" in shown.text  # the township's time counts from the appeal


def test_an_appeal_without_a_reason_is_an_error_at_the_field(client: Client, seeded: Seeded) -> None:
    page = open_status(client, seeded, seeded.refused)
    data = {**_appeal_form(page), "reason": "不对"}
    answer = client.post(f"/status/{seeded.refused}/appeal", data=data)
    assert answer.status_code == 422 and 'id="error-reason"' in answer.text and "至少4个字" in answer.text
    assert ">不对</textarea>" in answer.text  # what the farmer wrote is kept
    assert seeded.state(seeded.refused) == ("check_answer", "refused", 4, "refused") and seeded.outbox() == []


def test_an_appeal_needs_the_pages_csrf_token(client: Client, seeded: Seeded) -> None:
    page = open_status(client, seeded, seeded.refused)
    data = {**_appeal_form(page), "_csrf": "forged"}
    assert client.post(f"/status/{seeded.refused}/appeal", data=data).status_code == 403
    assert seeded.state(seeded.refused)[1] == "refused"


def test_an_appeal_after_the_window_is_refused_with_the_date(
    client: Client, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_status(client, seeded, seeded.refused)
    pin_today(monkeypatch, dt.date(2026, 6, 16))
    answer = client.post(f"/status/{seeded.refused}/appeal", data=_appeal_form(page))
    assert answer.status_code == 403 and "6月15日" in answer.text and "过了期限" in answer.text
    assert seeded.state(seeded.refused)[1] == "refused" and seeded.outbox() == []
    assert 'id="appeal-form"' not in client.get(f"/status/{seeded.refused}").text


def test_an_application_in_progress_shows_its_step_and_days_left(client: Client, seeded: Seeded) -> None:
    page = open_status(client, seeded, seeded.other)
    assert (
        "正在办理" in page.text and "现在到了“村级核查”这一步" in page.text and "还剩3个工作日" in page.text
    )
    assert "村级入户核查" not in page.text
    assert 'id="appeal-form"' not in page.text


def test_the_applicants_phones_are_those_the_form_confirmed() -> None:
    forms = FormRegistry.from_packs(["gansu"])
    yijian, zizhu = forms.get("gansu-yijian-2023"), forms.get("gansu-zizhu-2021")
    assert yijian is not None and zizhu is not None
    assert stored_verified_phones(yijian, one_click_2023()) == [PHONE]
    agent = {"name": "王五", "id_number": "620102198001011234", "phone": "13500000000"}
    answers = household_2021(q1="proxy", q3=agent)
    assert stored_verified_phones(zizhu, answers) == ["13800138000"]  # the householder's, not the agent's


def test_the_township_sees_the_appeal_in_the_history(
    client: Client, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = open_status(client, seeded, seeded.refused)
    client.post(f"/status/{seeded.refused}/appeal", data=_appeal_form(page))
    monkeypatch.setattr("shenbao.web.staff.applications.today_in_china", lambda: dt.date(2026, 6, 3))
    assert sign_in(client, "township", PASSWORD).status_code == 303
    (application_id,) = seeded.fetch("SELECT id FROM application WHERE receipt_number = $1", seeded.refused)[
        0
    ]
    staff_page = client.get(f"/staff/a/{application_id}")
    assert staff_page.status_code == 200
    assert 'id="appeal"' in staff_page.text and "申请人于2026-06-03申请复核" in staff_page.text
    assert (
        '<tr class="appeal"><td>2026-06-03</td><td>乡镇复核</td><td>申请复核</td><td>申请人</td>'
        in staff_page.text
    )
    assert (
        APPEAL in staff_page.text
        and 'id="act-pass_up"' in staff_page.text
        and 'id="act-refuse"' in staff_page.text
    )


@pytest.mark.parametrize(
    ("case", "headline", "shown"),
    [("open", "正在办理", True), ("refused", "没有通过", False), ("approved", "已经通过", False)],
)
def test_the_green_channel_box_shows_only_while_the_case_is_open(
    client: Client, seeded: Seeded, case: str, headline: str, shown: bool
) -> None:
    page = open_status(client, seeded, seeded.green[case])
    assert page.status_code == 200 and f'id="status">{headline}<' in page.text
    assert ('id="green"' in page.text) is shown and ("可以先救助、后补手续" in page.text) is shown
    # the help given stays on the page, in the green box or on its own once the case is closed
    assert f"6月1日已先行救助：{RELIEF}" in page.text and ('id="relief-done"' in page.text) is not shown
