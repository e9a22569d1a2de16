"""Control characters, bidi overrides and zero-width characters in text, on both engines.

PostgreSQL refuses U+0000 in ``jsonb`` and ``text``: a NUL in any answer once gave a 500 there. Now every answer
holding a control character is refused at its question with a message, and invisible marks are removed before
anything is stored.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.forms.values import clean
from shenbao.settings import Settings
from shenbao.staff.accounts import StaffAccounts
from shenbao.store.tables import SmsMessage
from shenbao.text import marked, scrubbed, unusable_problem, without_invisible
from tests.support.keys import TEST_KEYS
from tests.support.packs import gansu_divisions
from tests.support.samples import household_2021, id_number
from tests.support.web import read_guide, sign_in

Client = TestClient[Litestar]
BASE = "/f/gansu-zizhu-2021"
API = "/api/v1/forms/gansu-zizhu-2021"
RLO = "\u202e"
ZWSP = "\u200b"


@pytest.fixture
def engine_client(database_url: str, tmp_path: Path) -> Iterator[Client]:
    """A phone past the guide's wait, on a fresh SQLite file or PostgreSQL database."""
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)
    asyncio.run(store.migrate_url(database_url))
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        read_guide(client)
        yield client


def _errors(page: str, question: str) -> str:
    found = re.search(rf'<div id="e-{question}" class="err"[^>]*>(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


def test_a_nul_in_a_text_answer_is_refused_at_its_question_on_the_page(engine_client: Client) -> None:
    posted = {"_q": ["q8", "q9", "q10", "q11", "q12"], "q8": "yes", "q9": ["chronic"], "q11": ["illness"],
              "q12": "家里老人长期生病\x00需要照顾，请帮助"}  # fmt: skip
    response = engine_client.post(
        f"{BASE}/s/household", data={**posted, "nav": "next"}, follow_redirects=False
    )
    assert response.status_code == 422, response.text[:500]
    assert "第12题：有不能识别的字符“\ufffd”，请把它删掉再继续" in _errors(response.text, "q12")
    # The draft kept the text with the character shown, so the farmer sees where to delete it.
    assert "生病\ufffd需要" in response.text


def test_a_nul_in_a_blank_of_a_fields_question_names_the_blank(engine_client: Client) -> None:
    posted = {"_q": ["q1", "q2", "q3", "q4"], "q1": "self", "q4.name": "张\x00三", "q4.id_number": id_number(),
              "q4.phone": "13800138000"}  # fmt: skip
    response = engine_client.post(f"{BASE}/s/method", data={**posted, "nav": "next"}, follow_redirects=False)
    assert response.status_code == 422
    assert "第4题：“户主姓名”里有不能识别的字符“\ufffd”，请把它删掉再继续" in response.text
    assert "第4题还没有回答" not in response.text


def test_the_htmx_answer_post_with_a_nul_is_no_500(engine_client: Client) -> None:
    response = engine_client.post(
        f"{BASE}/s/household/answer", data={"_q": ["q12"], "q12": "\x00\x01"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert "有不能识别的字符" in response.text


@pytest.mark.parametrize("character", ["\x00", "\x07", "\x1b", "\x7f", "\x85"])
def test_the_api_refuses_control_characters_at_the_question(engine_client: Client, character: str) -> None:
    answers = household_2021(q12=f"家里老人长期生病{character}需要照顾", q9=["chronic"])
    evaluated = engine_client.post(f"{API}/evaluate", json={"answers": answers})
    assert evaluated.status_code == 200
    code = f"U+{ord(character):04X}"
    assert evaluated.json()["errors"]["q12"] == [
        f"第12题：有看不见的控制字符（{code}），请把这一项清空后重新输入"
    ]
    submitted = engine_client.post(
        f"{API}/submissions",
        json={"answers": answers},
        headers={"Idempotency-Key": f"nul-test-{ord(character)}"},
    )
    assert submitted.status_code == 422, submitted.text
    assert "q12" in submitted.json()["errors"]


def test_the_api_refuses_a_nul_in_a_name_blank_and_a_signature_name(engine_client: Client) -> None:
    answers = household_2021()
    answers["q4"] = {**answers["q4"], "name": "张三\x00"}
    answers["q45"] = [{**answers["q45"][0], "name": "张三\x00"}]
    body = engine_client.post(f"{API}/evaluate", json={"answers": answers}).json()
    assert body["errors"]["q4"] == [
        "第4题：“户主姓名”里有看不见的控制字符（U+0000），请把这一项清空后重新输入"
    ]
    assert "U+0000" in body["errors"]["q45"][0]


def test_a_nul_anywhere_in_the_api_body_is_never_a_500(engine_client: Client) -> None:
    for body in (
        {"answers": {"q6": {"code": "6201\x00"}, "no\x00such": "x"}},
        {"answers": {"q1": "self\x00"}},
    ):
        response = engine_client.post(f"{API}/evaluate", json=body)
        assert response.status_code == 200, response.text
    phone = engine_client.post(
        f"{API}/phone-codes", json={"phone": "1380013\x008000"}, headers={"Idempotency-Key": "nul-phone-1"}
    )
    assert phone.status_code == 422, phone.text


def test_bidi_overrides_and_zero_width_characters_are_removed_before_storing(engine_client: Client) -> None:
    answers = household_2021(q12=f"家里老人{RLO}长期生病{ZWSP}需要照顾\ufeff，请帮助")
    answers["q4"] = {**answers["q4"], "name": f"张{RLO}三\u2066"}
    _verify_by_api(engine_client, "bidi-key-1", answers["q4"]["phone"])
    response = engine_client.post(
        f"{API}/submissions", json={"answers": answers}, headers={"Idempotency-Key": "bidi-key-1"}
    )
    assert response.status_code == 201, response.text
    stored = _stored_answers(engine_client, response.json()["receipt_number"])
    assert stored["q12"] == "家里老人长期生病需要照顾，请帮助"
    assert stored["q4"]["name"] == "张三"


def _verify_by_api(client: Client, key: str, phone: str) -> None:
    """``verify_by_api`` on either engine: the code read back through the app's own tables."""
    headers = {"Idempotency-Key": key}
    assert client.post(f"{API}/phone-codes", json={"phone": phone}, headers=headers).status_code == 202

    async def newest_text() -> str:
        rows = (
            await SmsMessage.select(SmsMessage.text)
            .where(SmsMessage.phone == phone)
            .order_by(SmsMessage.id, ascending=False)
        )
        return str(rows[0]["text"])

    code = re.search(r"验证码是(\d{6})", client.blocking_portal.call(newest_text))
    assert code
    verified = client.post(
        f"{API}/phone-codes/verify", json={"phone": phone, "code": code.group(1)}, headers=headers
    )
    assert verified.json()["verified"] is True, verified.text


def _stored_answers(client: Client, receipt: str) -> dict[str, Any]:
    database = client.app.state["shenbao"].database

    async def read() -> dict[str, Any]:
        record = await store.application_by_receipt(database, receipt)
        assert record is not None
        return dict(record.answers)

    return client.blocking_portal.call(read)


def test_single_line_text_folds_line_breaks_an_api_client_sent(engine_client: Client) -> None:
    form = engine_client.app.state["shenbao"].forms.get("gansu-zizhu-2021")
    assert (
        clean(form.by_id["q4"], {"name": "张\n\t三", "phone": "13800138000"}, form.cleaners)[0]["name"]
        == "张 三"
    )
    # The 200-character q12 is a text box of several lines: its line breaks stay.
    assert (
        clean(form.by_id["q12"], "第一行很长很长很长\n第二行也很长很长", form.cleaners)[0]
        == "第一行很长很长很长\n第二行也很长很长"
    )


def test_text_helpers() -> None:
    assert without_invisible({f"a{ZWSP}": [f"b{RLO}c", 1]}) == {"a": ["bc", 1]}
    assert marked("a\x00b\u200bc\td") == "a\ufffdbc\td"
    assert scrubbed("a\x00b\x9fc\u2069\n") == "abc\n"
    assert unusable_problem(["ok", {"x": "\x1f"}]) is not None
    assert unusable_problem("多行\n文字\t可以\r") is None


def test_staff_forms_drop_control_characters_and_invisible_marks(engine_client: Client) -> None:
    """A staff form's fields can only hold such characters as noise: they are dropped, on both engines."""
    database = engine_client.app.state["shenbao"].database

    async def add() -> None:
        await StaffAccounts(database).add(
            username="village",
            role="village",
            region_code="620102001001",
            password="correct-horse-9",
            divisions=gansu_divisions(),
        )

    engine_client.blocking_portal.call(add)
    assert sign_in(engine_client, "vil\x00lage\u200b").status_code == 303
    engine_client.cookies.clear()
    assert sign_in(engine_client, "nobody\x00", "x").status_code == 401
