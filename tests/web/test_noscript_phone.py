"""The phone's code without JavaScript: "发送验证码" and "验证" post the section and come back to the same page."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.notify.otp import PhoneVerifier
from shenbao.settings import Settings
from tests.support.beside import last_code
from tests.support.samples import id_number

Client = TestClient[Litestar]
YIJIAN = "/f/gansu-yijian-2023"
ZIZHU = "/f/gansu-zizhu-2021"
PHONE = "13912345678"
APPLICANT = {
    "_q": ["name", "id_number", "phone", "address", "hardship", "consent"],
    "name": "李四",
    "id_number": id_number(born="19751231"),
    "phone": PHONE,
    "address": "620102001001",
    "consent": "agree",
}


def texts_to(settings: Settings, phone: str) -> int:
    """How many text messages the database gateway kept for ``phone``."""
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as connection:
        return int(
            connection.execute("SELECT count(*) FROM sms_message WHERE phone = ?", (phone,)).fetchone()[0]
        )


def status_line(page: str, dom: str) -> str:
    """The text of the status line under the code box of ``dom`` (``phone``, ``q4-phone``)."""
    match = re.search(rf'<p class="otp-status[^"]*" id="s-{dom}-otp"[^>]*>(.*?)</p>', page)
    assert match, f"no status line for {dom}"
    return match.group(1)


def press(client: Client, url: str, data: dict[str, Any], button: str, name: str, code: str = "") -> Any:
    """Tap a phone's "发送验证码" (``_otp_send``) or "验证" (``_otp_verify``) on a page without script."""
    return client.post(url, data={**data, button: name, f"_otp.{name}": code}, follow_redirects=False)


def test_the_buttons_are_real_submit_buttons_and_no_message_asks_for_script(client: Client) -> None:
    page = client.get(f"{YIJIAN}/s/applicant").text
    send = re.search(r'<button type="submit" class="btn ghost otp-send" id="b-phone-send"[^>]*>', page)
    verify = re.search(r'<button type="submit" class="btn otp-verify" id="b-phone-verify"[^>]*>', page)
    assert send and verify
    for button, name in ((send.group(0), "_otp_send"), (verify.group(0), "_otp_verify")):
        assert "disabled" not in button
        assert f'name="{name}" value="phone"' in button and 'formaction="#otp-phone"' in button
        assert 'hx-post="/widgets/phone/' in button  # with script, htmx posts it to the widget's route
    assert "开启脚本" not in page and "JavaScript" not in page
    # The keyboard's Enter presses the form's first submit button: "下一步", not "发送验证码".
    first = re.search(r"<form [^>]*>\s*<button ([^>]*)>", page)
    assert first and first.group(1) == 'type="submit" class="enter" hidden tabindex="-1" aria-hidden="true"'


def test_send_without_script_saves_the_answers_and_shows_the_code_box(
    client: Client, settings: Settings
) -> None:
    sent = press(
        client,
        f"{YIJIAN}/s/applicant",
        {"_q": APPLICANT["_q"], "name": "李四", "phone": PHONE},
        "_otp_send",
        "phone",
    )
    assert sent.status_code == 200
    assert status_line(sent.text, "phone") == "验证码已发到139****5678，5分钟内有效，请填写短信里的6位数字"
    assert 'data-wait="60"' in sent.text and ">重新发送验证码</button>" in sent.text
    assert 'id="i-phone-otp"' in sent.text and 'value="李四"' in sent.text
    assert texts_to(settings, PHONE) == 1 and re.fullmatch(r"\d{6}", last_code(settings, PHONE))
    assert 'value="李四"' in client.get(f"{YIJIAN}/s/applicant").text  # the draft kept the name
    assert "sb_draft" in client.cookies


def test_a_second_send_within_a_minute_says_the_first_code_is_the_one_to_type(
    client: Client, settings: Settings
) -> None:
    data = {"_q": ["phone"], "phone": PHONE}
    press(client, f"{YIJIAN}/s/applicant", data, "_otp_send", "phone")
    again = press(client, f"{YIJIAN}/s/applicant", data, "_otp_send", "phone")
    assert again.status_code == 200
    assert re.fullmatch(
        r"验证码已发到139\*\*\*\*5678，5分钟内有效，请填写短信里的6位数字；没收到的话，(60|59)秒后可以再获取一次",
        status_line(again.text, "phone"),
    )
    assert 'class="otp-status ok"' in again.text and re.search(r'data-wait="(60|59)"', again.text)
    assert texts_to(settings, PHONE) == 1


def test_a_second_send_from_another_draft_is_told_to_wait(client: Client, settings: Settings) -> None:
    """The code of the minute went to another draft (another phone, another browser): this one must wait."""
    data = {"_q": ["phone"], "phone": PHONE}
    press(client, f"{YIJIAN}/s/applicant", data, "_otp_send", "phone")
    client.cookies.clear()
    again = press(client, f"{YIJIAN}/s/applicant", data, "_otp_send", "phone")
    assert re.fullmatch(r"验证码已经发出，请\d+秒后再重新获取", status_line(again.text, "phone"))
    assert 'class="otp-status warn"' in again.text
    assert texts_to(settings, PHONE) == 1


def test_the_htmx_route_and_the_page_share_the_limit(client: Client, settings: Settings) -> None:
    """A code asked for by htmx and one asked for by the page count against the same 60 seconds."""
    client.post("/widgets/phone/send", data={"form": "gansu-yijian-2023", "name": "phone", "phone": PHONE})
    page = press(client, f"{YIJIAN}/s/applicant", {"_q": ["phone"], "phone": PHONE}, "_otp_send", "phone")
    assert "秒后可以再获取一次" in status_line(page.text, "phone") and texts_to(settings, PHONE) == 1


def test_a_wrong_number_is_told_at_the_question(client: Client, settings: Settings) -> None:
    page = press(client, f"{YIJIAN}/s/applicant", {"_q": ["phone"], "phone": "1391234"}, "_otp_send", "phone")
    assert status_line(page.text, "phone") == "请先填写正确的11位手机号码，再获取验证码"
    assert texts_to(settings, "1391234") == 0


def test_verify_without_script_allows_five_tries(client: Client, settings: Settings) -> None:
    url, data = f"{YIJIAN}/s/applicant", {"_q": ["phone"], "phone": PHONE}
    press(client, url, data, "_otp_send", "phone")
    right = last_code(settings, PHONE)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1):
        page = press(client, url, data, "_otp_verify", "phone", wrong)
        assert status_line(page.text, "phone") == f"验证码不对，还可以再试{left}次"
    assert "错了5次" in status_line(press(client, url, data, "_otp_verify", "phone", wrong).text, "phone")
    locked = press(client, url, data, "_otp_verify", "phone", right)
    assert "错了5次" in status_line(locked.text, "phone")  # even the right code no longer counts
    stopped = client.post(url, data={**APPLICANT, "nav": "next"}, follow_redirects=False)
    assert stopped.status_code == 422
    assert "手机号码139****5678还没有验证，请点“发送验证码”" in stopped.text


def test_verify_without_script_then_next_reaches_the_review(client: Client, settings: Settings) -> None:
    url = f"{YIJIAN}/s/applicant"
    press(client, url, APPLICANT, "_otp_send", "phone")
    verified = press(client, url, APPLICANT, "_otp_verify", "phone", last_code(settings, PHONE))
    assert status_line(verified.text, "phone") == "手机号码139****5678已验证"
    assert 'class="otp-status done"' in verified.text
    moved = client.post(url, data={**APPLICANT, "nav": "next"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"{YIJIAN}/review"


def test_a_code_typed_before_next_is_checked_with_the_section(client: Client, settings: Settings) -> None:
    url = f"{YIJIAN}/s/applicant"
    press(client, url, APPLICANT, "_otp_send", "phone")
    wrong = client.post(
        url,
        data={
            **APPLICANT,
            "_otp.phone": "000000" if last_code(settings, PHONE) != "000000" else "111111",
            "nav": "next",
        },
    )
    assert wrong.status_code == 422
    assert status_line(wrong.text, "phone") == "验证码不对，还可以再试4次"  # the same tries as the button
    right = client.post(
        url,
        data={**APPLICANT, "_otp.phone": last_code(settings, PHONE), "nav": "next"},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"] == f"{YIJIAN}/review"
    review = client.get(f"{YIJIAN}/review").text
    assert 'id="submit"' in review  # nothing left to correct: the phone counts as verified


def test_the_2021_household_head_phone_works_without_script(client: Client, settings: Settings) -> None:
    phone = "13800138000"
    method = {
        "_q": ["q1", "q2", "q3", "q4"],
        "q1": "self",
        "q4.name": "张三",
        "q4.id_number": id_number(),
        "q4.phone": phone,
    }
    sent = press(client, f"{ZIZHU}/s/method", method, "_otp_send", "q4.phone")
    assert status_line(sent.text, "q4-phone") == "验证码已发到138****8000，5分钟内有效，请填写短信里的6位数字"
    assert 'value="张三"' in sent.text
    verified = press(
        client, f"{ZIZHU}/s/method", method, "_otp_verify", "q4.phone", last_code(settings, phone)
    )
    assert status_line(verified.text, "q4-phone") == "手机号码138****8000已验证"
    moved = client.post(f"{ZIZHU}/s/method", data={**method, "nav": "next"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == f"{ZIZHU}/s/residence"


def test_a_button_naming_another_pages_phone_does_nothing(client: Client, settings: Settings) -> None:
    page = press(
        client,
        f"{ZIZHU}/s/residence",
        {"_q": ["q5"], "q5": "agri", "q4.phone": "13800138000"},
        "_otp_send",
        "q4.phone",
    )
    assert page.status_code == 200 and texts_to(settings, "13800138000") == 0


def test_only_a_page_with_a_phone_looks_its_code_up(
    client: Client, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page shows the code status of its own phones only: a page without one asks the database nothing."""
    phone = "13800138000"
    method = {"_q": ["q1", "q2", "q3", "q4"], "q1": "self", "q4.name": "张三", "q4.id_number": id_number()}
    method["q4.phone"] = phone
    press(client, f"{ZIZHU}/s/method", method, "_otp_send", "q4.phone")
    press(client, f"{ZIZHU}/s/method", method, "_otp_verify", "q4.phone", last_code(settings, phone))
    asked: list[set[str]] = []
    original = PhoneVerifier.verified_among

    async def counted(self: PhoneVerifier, *, scope: str, phones: Iterable[str]) -> set[str]:
        asked.append(set(phones))
        return await original(self, scope=scope, phones=phones)

    monkeypatch.setattr(PhoneVerifier, "verified_among", counted)
    residence = client.get(f"{ZIZHU}/s/residence")
    assert residence.status_code == 200 and asked == []
    again = client.get(f"{ZIZHU}/s/method")
    assert asked == [{phone}] and status_line(again.text, "q4-phone") == "手机号码已验证"
