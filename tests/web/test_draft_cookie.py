"""The draft cookie comes with the section page, so every request of a tab carries one token.

A browser that asks for a phone's code before its first answer's reply has come back used to get the code under
another token than the answer's draft, and "验证" then said "请先点发送验证码".
"""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.beside import last_code
from tests.support.web import read_guide

Client = TestClient[Litestar]
YIJIAN = "gansu-yijian-2023"
PHONE = "13912345678"


def test_a_code_asked_for_before_the_first_answer_came_back_verifies(new_phone: Client) -> None:
    client = new_phone
    settings = client.app.state["shenbao"].settings
    read_guide(client, YIJIAN)
    page = client.get(f"/f/{YIJIAN}/s/applicant")
    assert page.status_code == 200 and 'id="b-phone-send"' in page.text
    token = client.cookies.get("sb_draft")
    assert token, "the section page gives the draft cookie"
    loaded = dict(client.cookies)
    # The farmer types a name (htmx posts it) and taps "发送验证码" before that answer's reply is back: both
    # requests leave with the cookies the page left; the code's reply comes back first, the answer's last.
    sent = client.post("/widgets/phone/send", data={"form": YIJIAN, "name": "phone", "phone": PHONE})
    assert "验证码已发到" in sent.text, sent.text
    client.cookies.clear()
    client.cookies.update(loaded)
    answer = client.post(f"/f/{YIJIAN}/s/applicant/answer", data={"_q": ["name"], "name": "李四"})
    assert answer.status_code == 200
    assert client.cookies.get("sb_draft") == token
    code = last_code(settings, PHONE)
    verified = client.post(
        "/widgets/phone/verify", data={"form": YIJIAN, "name": "phone", "phone": PHONE, "_otp.phone": code}
    )
    assert f"手机号码{PHONE[:3]}****{PHONE[-4:]}已验证" in verified.text, verified.text
    # The page, reloaded, shows the answer and the verified phone: one draft, one token.
    again = client.get(f"/f/{YIJIAN}/s/applicant").text
    assert 'value="李四"' in again
    answer = client.post(f"/f/{YIJIAN}/s/applicant/answer", data={"_q": ["phone"], "phone": PHONE})
    assert "请先点发送验证码" not in answer.text and "还没有验证" not in answer.text


def test_the_answer_sets_the_cookie_only_for_a_browser_that_came_without_one(new_phone: Client) -> None:
    client = new_phone
    read_guide(client, YIJIAN)
    client.get(f"/f/{YIJIAN}/s/applicant")
    answer = client.post(f"/f/{YIJIAN}/s/applicant/answer", data={"_q": ["name"], "name": "李四"})
    assert "set-cookie" not in answer.headers
    client.cookies.delete("sb_draft")
    fresh = client.post(f"/f/{YIJIAN}/s/applicant/answer", data={"_q": ["name"], "name": "王五"})
    assert fresh.status_code == 200 and fresh.headers["set-cookie"].startswith("sb_draft=")
