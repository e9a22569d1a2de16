"""What staff do on their phones, step by step, for the browser tests."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import time_machine
from playwright.sync_api import Browser, Page, expect
from tests.support.samples import one_click_2023

from e2e import noscript
from e2e.farmer import (
    YIJIAN,
    choose,
    id_number,
    next_page,
    pick_region,
    sign_household,
    take_photo,
    tick,
    verify_phone,
)
from e2e.noscript import Shot
from e2e.support import KEYS, Server, free_port, serving
from shenbao import store
from shenbao.cases import submit_evaluated
from shenbao.forms import evaluate
from shenbao.notify.templates import template_of
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.store.sealing import open_text
from shenbao.web.services import Services

PASSWORD = "e2e-staff-pass-1"
CHAIN_STAFF = {
    "chain-village": ("village", "620102001001", "13700000001"),
    "chain-township": ("township", "620102001", "13700000002"),
    "chain-county": ("county", "620102", "13700000003"),
}
"""The handlers of 畅家巷社区居委会 (兰州市城关区酒泉路街道), their township and their county."""


_STAFFED: set[str] = set()
"""The servers (by address) whose chain handlers are added already: several test files use them."""


def add_chain_staff(server: Server) -> None:
    """Add the chain's handlers with ``shenbao staff add``, once per server whichever test file asks first."""
    if server.url in _STAFFED:
        return
    _STAFFED.add(server.url)
    for username, (role, region, phone) in CHAIN_STAFF.items():
        server.shenbao(
            "staff",
            "add",
            username,
            "--role",
            role,
            "--region",
            region,
            "--phone",
            phone,
            "--password",
            PASSWORD,
        )


def outbox(server: Server) -> list[tuple[str, str, str]]:
    """Every queued or sent SMS: phone (decrypted), template (by its name in its chain: ``approved``), text."""
    path = Path(server.database_url.removeprefix("sqlite:///"))
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT phone, template, text FROM outbox ORDER BY id").fetchall()
    return [(open_text(phone, KEYS), template_of(template), text) for phone, template, text in rows]


def submit_one_click(page: Page, server: Server, name: str, phone: str, *hardships: str) -> str:
    """A farmer sends the 2023 one-click form from 畅家巷社区; returns the receipt number."""
    page.goto(YIJIAN)
    page.click("#start")
    expect(page).to_have_url(re.compile(f"{YIJIAN}/s/applicant$"))
    page.fill("#i-name", name)
    page.fill("#i-id_number", id_number(born="19700315"))
    page.fill("#i-phone", phone)
    verify_phone(page, server, "phone", phone)
    pick_region(page, "address", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    if hardships:
        tick(page, "hardship", *hardships)
    choose(page, "consent", "同意")
    next_page(page, f"{YIJIAN}/review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    return page.locator("#receipt").inner_text().replace(" ", "")


DESKTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "zh-CN"}
"""An office PC: where admins author forms, chains and holidays."""


@contextmanager
def at_desk(
    browser: Browser, server: Server, username: str, *, add: bool = True, **options: Any
) -> Iterator[Page]:
    """A province admin at an office PC (1366×768), signed in; the account is added first unless ``add`` is off.
    ``options`` go to the browser context (``accept_downloads=True``)."""
    if add:
        server.shenbao(
            "staff", "add", username, "--role", "province", "--region", "62", "--password", PASSWORD
        )
    context = browser.new_context(base_url=server.url, **DESKTOP, **options)
    page = context.new_page()
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    try:
        yield page
    finally:
        context.close()


def sign_in(page: Page, username: str) -> None:
    """Sign in on the staff page (signing out whoever was signed in on this phone)."""
    page.context.clear_cookies()
    page.goto("/staff/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(re.compile(r"/staff/$"))


def open_application(page: Page, receipt: str) -> None:
    """Find the application in the inbox by its receipt number and open it."""
    page.goto("/staff/")
    row = page.locator("a", has_text=re.compile(receipt[-4:])).first
    row.click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))


def decide(page: Page, action: str, text: str = "") -> None:
    """Take one action on the open application, with its reason or note."""
    form = page.locator(f"#act-{action}")
    if text:
        form.locator("textarea").fill(text)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))


def record_household_check(page: Page) -> None:
    """The village handler's visit: location, a photo of the house, the sums, the documents, signatures, the conclusion."""
    page.click("#act-record_check")
    expect(page).to_have_url(re.compile(r"/check/s/look$"))
    page.click("#b-visit_place-locate")
    expect(page.locator("#s-visit_place")).to_contain_text("已获取")
    choose(page, "housing", "不安全（C级或D级危房）")
    tick(page, "seen", "有受灾损失")
    take_photo(page, "house_photo")
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/s/count$"))
    page.fill("#i-members", "4")
    page.fill("#i-income", "6000")
    page.fill("#i-rigid_expenses", "15000")
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/s/verify$"))
    tick(page, "documents", "居民户口簿", "家庭成员身份证")
    tick(page, "disqualifying", "以上都没有")
    sign_household(page, "authorisation", ["王五", "王小五"])
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/s/conclusion$"))
    choose(page, "meets_standard", "符合，上报评议")
    page.click("button[name=nav][value=next]")
    expect(page).to_have_url(re.compile(r"/check/review$"))
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))
    expect(page.locator("#check")).to_contain_text("不安全（C级或D级危房）")


def record_household_check_without_script(
    page: Page, photo: Path, family: list[str], *, shot: Shot | None = None
) -> None:
    """The visit on a phone without script: the place by the drop-downs, the house photo by the phone's camera
    (the file input), the sums, the documents, the names of the ``family`` typed (the applicant first; they sign
    the paper authorisation at the visit), the conclusion; saved.

    ``shot`` takes the pages with the photo chosen and the names typed, and the review.
    """
    page.get_by_role("link", name="填写入户核查表").click()
    expect(page).to_have_url(re.compile(r"/check/s/look$"))
    place = noscript.question(page, "核查地点")
    expect(place.locator(".geo-fallback")).to_contain_text("请选择农户家所在的地方")
    noscript.pick_region(page, place, "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    noscript.choose(page, "住房安全情况", "不安全（C级或D级危房）")
    noscript.choose(page, "入户看到的情况", "有受灾损失", "家具家电简陋")
    noscript.question(page, "住房照片").locator("input[type=file]").set_input_files(str(photo))
    if shot:
        shot("check-look")
    noscript.next_page(page, "/check/s/count")
    noscript.question(page, "共同生活的家庭成员人数").get_by_role("spinbutton").fill(str(len(family)))
    noscript.question(page, "上年家庭纯收入").get_by_role("spinbutton").fill("6000")
    noscript.question(page, "上年刚性支出").get_by_role("spinbutton").fill("15000")
    noscript.next_page(page, "/check/s/verify")
    noscript.choose(page, "已现场查看的证件", "居民户口簿", "家庭成员身份证")
    noscript.choose(page, "核实发现的情况", "以上都没有")
    signers = noscript.question(page, "家庭经济状况核查授权书签字").locator(".sig-typed")
    expect(signers.locator(".sig-note")).to_have_text(  # (read by its class: text matching skips <noscript>)
        "这部手机的浏览器不能手写签名。请写下签名人的姓名，再请他们当场在纸质材料上签字。"
    )
    signers.get_by_label("申请人姓名").fill(family[0])
    signers.get_by_label("在场的其他家庭成员的姓名").fill("\n".join(family[1:]))
    if shot:
        signers.scroll_into_view_if_needed()
        shot("check-verify")
    noscript.next_page(page, "/check/s/conclusion")
    noscript.choose(page, "是否符合防止返贫监测对象认定标准", "符合，上报评议")
    noscript.next_page(page, "/check/review")
    if shot:
        shot("check-review")
    page.get_by_role("button", name="保存核查结果").click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))
    expect(page.locator("#check")).to_contain_text("不安全（C级或D级危房）")


async def _one_click_at(database_url: str, moment: dt.datetime) -> None:
    database = await store.open_database(database_url, keys=KEYS)
    try:
        form = FormRegistry.from_packs(["gansu"]).get("gansu-yijian-2023")
        assert form is not None
        services = cast(
            Services, SimpleNamespace(database=database, chains=ChainRegistry.from_packs(["gansu"]))
        )
        with time_machine.travel(moment, tick=False):
            await submit_evaluated(
                services, form, evaluate(form, one_click_2023()), idempotency_key=f"e2e-{moment.isoformat()}",
                draft_token=None,
            )  # fmt: skip
    finally:
        await database.close()


@contextmanager
def serving_alone(data_dir: Path, *, submitted_at: dt.datetime) -> Iterator[Server]:
    """A server of a test's own (one that changes what every other test's server would compute: a chain, a
    holiday year), with one 2023 one-click application submitted at ``submitted_at`` before it starts."""
    server = Server(f"http://127.0.0.1:{free_port()}", f"sqlite:///{data_dir / 'e2e.db'}", data_dir)
    server.shenbao("migrate")
    with ThreadPoolExecutor(max_workers=1) as pool:  # Playwright's sync API holds this thread's event loop
        pool.submit(asyncio.run, _one_click_at(server.database_url, submitted_at)).result()
    with serving(server):
        yield server
