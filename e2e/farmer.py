"""What a farmer does on the phone, step by step, for the browser tests."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import BrowserContext, Page, Request, Response, expect

from e2e.support import KEYS, SECRET, Server
from shenbao.forms.identity import check_char
from shenbao.store.sealing import open_answers, phone_digests
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, mark_path, sign_mark

ZIZHU = "/f/gansu-zizhu-2021"
YIJIAN = "/f/gansu-yijian-2023"


def id_number(region: str = "620102", born: str = "19800101", serial: str = "123") -> str:
    first17 = region + born + serial
    return first17 + check_char(first17)


def read_guide(
    context: BrowserContext, server: Server, form_id: str = "gansu-zizhu-2021", *, seconds_ago: float = 61
) -> None:
    """The phone opened ``form_id``'s guide ``seconds_ago`` (by default its 60-second wait is over).

    Puts the guide mark the server would have set then into the browser, signed as the server signs it.
    """
    mark = sign_mark(SECRET, form_id, opened=time.time() - seconds_ago)
    host = urlsplit(server.url).hostname or "127.0.0.1"
    path = mark_path("", form_id)
    context.add_cookies(
        [
            {
                "name": GUIDE_COOKIE,
                "value": mark,
                "domain": host,
                "path": path,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def applications(server: Server) -> list[dict[str, Any]]:
    """Every stored application, newest last, with its JSON columns decoded (ID numbers and phones decrypted)."""
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        connection.row_factory = sqlite3.Row
        rows = connection.execute("SELECT * FROM application ORDER BY id").fetchall()
    return [
        {
            **dict(row),
            "flags": json.loads(row["flags"]),
            "answers": open_answers(json.loads(row["answers"]), KEYS),
        }
        for row in rows
    ]


def draft(server: Server, page: Page, form_id: str) -> dict[str, Any]:
    """The answers the server keeps for this phone's unfinished ``form_id`` (its ``sb_draft`` cookie), decrypted;
    ``{}`` if none."""
    token = next((cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "sb_draft"), None)
    if token is None:
        return {}
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT answers FROM draft WHERE token = ? AND form_id = ?", (token, form_id)
        ).fetchone()
    return open_answers(json.loads(row[0]), KEYS) if row else {}


_ORIGINAL = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")


def stored_files(server: Server) -> set[Path]:
    """Every file the platform's file store keeps (``<data_dir>/files``), thumbnails left out."""
    root = server.data_dir / "files"
    return {path for path in root.glob("*/*") if _ORIGINAL.match(path.name)} if root.is_dir() else set()


def stored_file(server: Server, ref: dict[str, str]) -> Path:
    """Where the file store keeps the file an answer refers to (``{"file": <sha256>, "type": ...}``)."""
    extension = {"image/jpeg": "jpg", "image/png": "png"}[ref["type"]]
    return server.data_dir / "files" / ref["file"][:2] / f"{ref['file']}.{extension}"


def posted_fields(request: Request) -> dict[str, list[str]]:
    """The text fields of a posted form, urlencoded or multipart (a page with a photo or documents)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return parse_qs(request.post_data or "")
    body = request.post_data_buffer or b""
    message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, list[str]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and part.get_filename() is None and isinstance(payload, bytes):
            fields.setdefault(name, []).append(payload.decode("utf-8"))
    return {name: [value for value in values if value] for name, values in fields.items()}


def answer_saved(page: Page, field: str) -> Any:
    """``with answer_saved(page, "q7.lat"):`` waits for the htmx answer post that carries a value for ``field``."""

    def carries(response: Response) -> bool:
        request = response.request
        if request.method != "POST" or not request.url.endswith("/answer"):
            return False
        return any(posted_fields(request).get(field, []))

    return page.expect_response(carries)


def choose(page: Page, question: str, label: str) -> None:
    """Tap the option of ``question`` whose text is exactly ``label``."""
    page.locator(f"#q-{question} label.choice", has_text=re.compile(f"^{re.escape(label)}$")).click()


def tick(page: Page, question: str, *labels: str) -> None:
    for label in labels:
        choose(page, question, label)


def next_page(page: Page, expected: str) -> None:
    page.click("button[value=next]")
    expect(page).to_have_url(re.compile(re.escape(expected) + "$"))


def pick_region(page: Page, question: str, *names: str) -> None:
    """Choose each level of a region picker by name, waiting for the next level to arrive."""
    levels = ["city", "county", "township", "village"]
    for level, name in zip(levels, names, strict=False):
        select = page.locator(f"#i-{question}-{level}")
        expect(select.locator("option", has_text=name)).to_have_count(1)
        select.select_option(label=name)
    expect(page.locator(f"#i-{question}-{levels[len(names) - 1]}")).not_to_have_value("")


def draw_signature(page: Page, question: str) -> None:
    """Write a name on the signature pad with the finger (mouse strokes), then confirm it.

    A household's signature question (``signers: "household"``) is signed by the applicant 张三 alone.
    """
    if page.locator(f"#sigs-{question}").count():
        sign_household(page, question, ["张三"])
        return
    sign_on_pad(page, question)
    page.click(f"#b-{question}-done")
    expect(page.locator(f"#img-{question}")).to_be_visible()
    expect(page.locator(f"#i-{question}")).to_have_value(re.compile(r'"file"'))


def sign_household(page: Page, question: str, names: list[str]) -> None:
    """The applicant (``names[0]``) and each family member write their name and sign their own pad, confirmed.

    Adds a family member's pad with "添加一位家庭成员签名" for each name after the first.
    """
    for index, name in enumerate(names):
        if index:
            page.click(f"#b-{question}-add")
        row = page.locator(f"#sigs-{question} .sig-signer").nth(index)
        pad = row.locator(".sig").get_attribute("id")
        assert pad is not None
        dom = pad.removeprefix("sig-")
        row.locator(".sig-name").fill(name)
        sign_on_pad(page, dom, shift=index * 7)
        page.click(f"#b-{dom}-done")
        expect(page.locator(f"#img-{dom}")).to_be_visible()
    expect(page.locator(f"#i-{question}")).to_have_value(re.compile(r'"file".*' * len(names)))


def sign_on_pad(page: Page, question: str, shift: int = 0) -> None:
    """Write a name on the signature pad with the finger (mouse strokes), without confirming it yet."""
    canvas = page.locator(f"#c-{question}")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box is not None
    x, y = box["x"] + shift, box["y"]
    for stroke in ([(20, 60), (60, 20), (100, 70), (140, 30)], [(160, 70), (200, 25), (240, 75)]):
        page.mouse.move(x + stroke[0][0], y + stroke[0][1])
        page.mouse.down()
        for point in stroke[1:]:
            page.mouse.move(x + point[0], y + point[1], steps=6)
        page.mouse.up()


def start_draft(page: Page, server: Server) -> None:
    """The farmer's first answer of the 2021 form (q5, on its second page) is saved: the phone has a draft, as
    it has by the time it reaches the pledge page (pictures are kept only for a draft)."""
    saved = page.request.post(
        f"{server.url}/f/gansu-zizhu-2021/s/residence/answer", form={"_q": "q5", "q5": "agri"}
    )
    assert saved.ok, saved.text()


def take_photo(page: Page, question: str) -> None:
    """Open the (fake) front camera, take the picture, wait for it to be kept."""
    page.click(f"#b-{question}-open")
    expect(page.locator(f"#v-{question}")).to_be_visible()
    # The shutter shows as soon as the camera is granted; the first frame comes a moment later.
    page.wait_for_function("id => document.getElementById(id).videoWidth > 0", arg=f"v-{question}")
    page.click(f"#b-{question}-shoot")
    expect(page.locator(f"#img-{question}")).to_be_visible()
    expect(page.locator(f"#i-{question}")).to_have_value(re.compile(r'"file"'))


VILLAGE = "620102001001"
"""畅家巷社区居委会 (兰州市城关区酒泉路街道): the demo's village, whose handler the chain tests sign in as."""


def start_from_guide(page: Page, server: Server, url: str) -> None:
    """Open the guide at ``url`` (a village QR code's link) a minute after first reading it, tap "开始申请"."""
    read_guide(page.context, server)
    page.goto(url)
    start = page.locator("#start")
    expect(start).to_have_text("开始申请")
    start.click()


def fill_zizhu_until_property(
    page: Page,
    server: Server,
    phone: str,
    *,
    name: str = "张三",
    from_qr_code: bool = False,
    shot: Callable[[str], Any] | None = None,
) -> None:
    """Questions 1–22 of the 2021 form for a farmer living with a chronically ill parent and a spouse.

    The household is registered in :data:`VILLAGE`. ``from_qr_code``: the farmer scans the village's QR code
    (the guide, then the form with q6 already set to the village) instead of opening the first page;
    ``shot`` takes a screenshot of the address page as the QR code set it.
    """
    query = f"?region={VILLAGE}" if from_qr_code else ""
    if from_qr_code:
        start_from_guide(page, server, f"{ZIZHU}{query}")
        expect(page).to_have_url(re.compile(re.escape(f"{ZIZHU}/s/method{query}") + "$"))
    else:
        read_guide(page.context, server)
        page.goto(f"{ZIZHU}/s/method")
    choose(page, "q1", "本人办理")
    page.fill("#i-q4-name", name)
    page.fill("#i-q4-id_number", id_number())
    page.fill("#i-q4-phone", phone)
    verify_phone(page, server, "q4-phone", phone)
    next_page(page, f"{ZIZHU}/s/residence{query}")
    choose(page, "q5", "农业户籍")
    if from_qr_code:
        expect(page.locator("#p-q6")).to_contain_text("已按您扫的二维码选好了地址")
        expect(page.locator("#i-q6-village")).to_have_value(VILLAGE)
        if shot:
            shot("address-preset")
    else:
        pick_region(page, "q6", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    page.click("#b-q7-locate")
    expect(page.locator("#s-q7")).to_contain_text("已获取")
    next_page(page, f"{ZIZHU}/s/household")
    choose(page, "q8", "有")
    tick(page, "q9", "有长期慢性病人")
    tick(page, "q11", "家庭成员患重病", "打工挣不上钱")
    page.fill("#i-q12", "父亲常年患慢性病需要长期吃药，家里只靠种地为生。")
    next_page(page, f"{ZIZHU}/s/members")
    choose(page, "q13", "3人")
    tick(page, "q14", "60周岁以上老年人", "18-60周岁成年人")
    choose(page, "q15", "1人")
    choose(page, "q16", "2人")
    choose(page, "q20", "没有")
    next_page(page, f"{ZIZHU}/s/property")


def fill_zizhu_property_and_income(page: Page) -> None:
    """Questions 23–44: no property that rules the household out, a low income; on to the pledge."""
    for question in ("q23", "q24", "q26", "q27", "q28", "q29", "q30", "q31"):
        choose(page, question, "没有")
    choose(page, "q25", "B级")
    next_page(page, f"{ZIZHU}/s/income")
    tick(page, "q32", "自来水")
    choose(page, "q33", "2万元以下")
    choose(page, "q34", "没有")
    choose(page, "q37", "5千~1万元")
    choose(page, "q38", "都买了")
    choose(page, "q40", "2千~5千元")
    choose(page, "q44", "没有")
    next_page(page, f"{ZIZHU}/s/pledge")


def sign_and_submit_zizhu(page: Page) -> str:
    """On the pledge page: sign (q45), take the photo (q46), review, submit; returns the receipt number."""
    expect(page.locator("#pledge")).to_contain_text("诚信承诺书")
    draw_signature(page, "q45")
    take_photo(page, "q46")
    next_page(page, f"{ZIZHU}/review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    return page.locator("#receipt").inner_text().replace(" ", "")


def sms_code(server: Server, phone: str, *, newer_than: int = 0) -> str:
    """The code in the newest code message the server's database gateway kept for ``phone``.

    ``newer_than``: the id of a message kept before (:func:`newest_sms`); waits a few seconds for a code after it,
    for a page that sends its code once it has answered (the status page). Other messages to the phone (the
    chain's notices, sent by the outbox meanwhile) are passed over.
    """
    path = Path(server.database_url.removeprefix("sqlite:///"))
    deadline = time.monotonic() + 5
    while True:
        with sqlite3.connect(path) as connection:
            rows = connection.execute(
                "SELECT text FROM sms_message WHERE phone = ? AND id > ? ORDER BY id DESC",
                (phone, newer_than),
            ).fetchall()
        codes = [match.group(1) for (text,) in rows if (match := re.search(r"验证码是(\d{6})", text))]
        if codes or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert codes, f"no code was sent to {phone}"
    return codes[0]


def newest_sms(server: Server, phone: str) -> tuple[int, str] | None:
    """The id and text of the newest text message the server's database gateway kept for ``phone``."""
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        row = connection.execute(
            "SELECT id, text FROM sms_message WHERE phone = ? ORDER BY id DESC LIMIT 1", (phone,)
        ).fetchone()
    return (int(row[0]), str(row[1])) if row else None


def codes_sent_a_minute_ago(server: Server, phone: str) -> None:
    """Move the codes sent to ``phone`` a minute back, as if the farmer came back a minute later (the next code
    may be sent then): a test that asks for another code need not wait out the 60 seconds."""
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        rows = connection.execute(
            "SELECT id, created_at FROM otp_challenge WHERE phone_hash = ?", (phone_digests(KEYS, phone)[0],)
        ).fetchall()
        for row_id, created in rows:
            earlier = dt.datetime.fromisoformat(created) - dt.timedelta(seconds=61)
            connection.execute("UPDATE otp_challenge SET created_at = ? WHERE id = ?", (str(earlier), row_id))


def verify_phone(page: Page, server: Server, dom: str, phone: str) -> None:
    """Tap "发送验证码", read the SMS, type the code, tap "验证"."""
    page.click(f"#b-{dom}-send")
    expect(page.locator(f"#s-{dom}-otp")).to_contain_text("验证码已发到")
    expect(page.locator(f"#b-{dom}-send")).to_be_disabled()  # the 60-second countdown
    page.fill(f"#i-{dom}-otp", sms_code(server, phone))
    page.click(f"#b-{dom}-verify")
    expect(page.locator(f"#s-{dom}-otp")).to_contain_text("已验证")


def open_status(page: Page, server: Server, receipt: str, phone: str) -> None:
    """From the receipt page or anywhere: /status, the receipt and phone, the code by SMS, the status page."""
    page.goto(f"/status?r={receipt}")
    page.fill("#phone", phone)
    before = newest_sms(server, phone)
    page.click("#send")
    if page.locator("#error-phone").count():
        # The phone got a code less than a minute ago: the page says how long to wait.
        message = page.locator("#error-phone").inner_text()
        wait = re.search(r"请(\d+)秒后", message)
        assert wait, message
        page.wait_for_timeout((int(wait.group(1)) + 1) * 1000)
        page.click("#send")
    expect(page.locator("#sent")).to_contain_text("马上会收到一条验证码短信")
    page.fill("#code", sms_code(server, phone, newer_than=before[0] if before else 0))
    page.click("#open")
    expect(page).to_have_url(re.compile(f"/status/{receipt}$"))
