"""Other provinces take the platform: a pack made by ``shenbao pack new`` lints, serves and reaches its village
handler; the example pack serves beside Gansu in one server, each farmer's application reaching its own handlers, in
its own words, through its own chain's city step and the county's two offices."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Browser, Page, expect
from tests.regions.test_import import write_dist
from tests.support.packs import SHAANXI

from e2e.farmer import choose, next_page, pick_region, verify_phone
from e2e.staff import (
    CHAIN_STAFF,
    PASSWORD,
    decide,
    open_application,
    outbox,
    sign_in,
    submit_one_click,
)
from e2e.support import ARTIFACTS, PHONE, Server, free_port, serving

_HANDLER_PHONE = "13700000061"


def _shot(page: Page, name: str) -> None:
    """The phone's screen, under e2e/artifacts/ (these tests run servers of their own, with phones of their own)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"provinces-{name}.png"), full_page=True)


def test_a_pack_from_pack_new_lints_serves_and_reaches_its_village_handler(
    browser: Browser, tmp_path: Path
) -> None:
    dist = write_dist(tmp_path / "package" / "dist", SHAANXI)
    form_defs = tmp_path / "form_defs"
    server = Server(
        f"http://127.0.0.1:{free_port()}",
        f"sqlite:///{tmp_path / 'e2e.db'}",
        tmp_path,
        settings={"SHENBAO_FORM_DEFS": str(form_defs), "SHENBAO_PACKS": "province-61"},
    )
    made = server.shenbao("pack", "new", "61", "--divisions", str(dist), "--root", str(form_defs))
    assert "province-61" in made and "【陕西省申报】" in made
    server.shenbao("lint", str(form_defs / "province-61"))  # exits 0 only when the pack has no problem
    server.shenbao("migrate")
    server.shenbao(
        "staff", "add", "xinan-village", "--role", "village", "--region", "610102001001",
        "--phone", _HANDLER_PHONE, "--password", PASSWORD,
    )  # fmt: skip

    with serving(server):
        context = browser.new_context(base_url=server.url, **PHONE)
        page = context.new_page()
        page.goto("/f/province-61-apply")
        page.click("#start")
        expect(page).to_have_url(re.compile(r"/f/province-61-apply/s/applicant$"))
        page.fill("#i-name", "王秦川")  # its answer may still be on its way when the code is asked for
        page.fill("#i-phone", "13800138061")
        verify_phone(page, server, "phone", "13800138061")
        pick_region(page, "address", "西安市", "新城区", "西一路街道", "东新巷社区居委会")
        choose(page, "consent", "同意")
        _shot(page, "new-pack-form")
        next_page(page, "/f/province-61-apply/review")
        page.click("#submit")
        expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
        receipt = page.locator("#receipt").inner_text().replace(" ", "")

        [(template, text)] = [
            (template, text) for phone, template, text in outbox(server) if phone == _HANDLER_PHONE
        ]
        assert template == "new_application"
        assert text.startswith("【陕西省申报】") and receipt in text.replace(" ", "")

        sign_in(page, "xinan-village")
        row = page.locator("#inbox > li", has_text="王秦川")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("东新巷社区居委会")
        _shot(page, "new-pack-inbox")
        context.close()


NINGXIA = "/f/example-ningxia-apply"
_NX_STAFF = {  # 永宁县杨和镇王太村, its township, the county's two offices and the city
    "nx-village": ("village", "640121100200", "13700000641"),
    "nx-township": ("township", "640121100", "13700000642"),
    "nx-civil": ("county:民政", "640121", "13700000643"),
    "nx-rural": ("county:乡村振兴", "640121", "13700000644"),
    "nx-city": ("city", "6401", "13700000645"),
}


def _submit_in_ningxia(page: Page, server: Server, name: str, phone: str) -> str:
    """A farmer of 王太村 sends the example pack's form; returns the receipt number."""
    page.goto(NINGXIA)
    page.click("#start")
    expect(page).to_have_url(re.compile(f"{NINGXIA}/s/applicant$"))
    page.fill("#i-name", name)  # its answer may still be on its way when the code is asked for
    page.fill("#i-phone", phone)
    verify_phone(page, server, "phone", phone)
    pick_region(page, "address", "银川市", "永宁县", "杨和镇", "王太村委会")  # its own province's cities
    _shot(page, "example-form")
    next_page(page, f"{NINGXIA}/s/difficulty")
    page.fill("#i-members", "4")
    choose(page, "cause", "家里有人得了大病、慢性病")
    choose(page, "consent", "同意")
    next_page(page, f"{NINGXIA}/review")
    page.click("#submit")
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    return page.locator("#receipt").inner_text().replace(" ", "")


def _inbox_names(page: Page, username: str) -> str:
    sign_in(page, username)
    return page.locator("main").inner_text()


def test_two_provinces_side_by_side_each_farmer_reaches_its_own_handlers_in_its_own_words(
    browser: Browser, tmp_path: Path
) -> None:
    server = Server(
        f"http://127.0.0.1:{free_port()}",
        f"sqlite:///{tmp_path / 'e2e.db'}",
        tmp_path,
        settings={"SHENBAO_PACKS": "gansu,example-ningxia"},
    )
    server.shenbao("migrate")
    for username, (role, region, phone) in {**CHAIN_STAFF, **_NX_STAFF}.items():
        server.shenbao(
            "staff", "add", username, "--role", role, "--region", region, "--phone", phone, "--password", PASSWORD
        )  # fmt: skip
    with serving(server):
        context = browser.new_context(base_url=server.url, **PHONE)
        page = context.new_page()
        page.goto("/")
        expect(page.locator("main")).to_contain_text(
            "防返贫监测申报（示例）"
        )  # both provinces' forms are listed
        gansu = submit_one_click(page, server, "陇上人", "13800138062")
        ningxia = _submit_in_ningxia(page, server, "马小花", "13800138064")
        _shot(page, "example-receipt")

        texts = {phone: text for phone, _, text in outbox(server)}
        assert texts[CHAIN_STAFF["chain-village"][2]].startswith("【甘肃一键报贫】您村有一份新申请")
        assert texts[_NX_STAFF["nx-village"][2]].startswith("【宁夏防返贫申报】村里有新的申报")

        # Each village handler has its own farmer's application and not the other's.
        assert "马小花" in _inbox_names(page, "nx-village") and "陇上人" not in _inbox_names(
            page, "nx-village"
        )
        assert "陇上人" in _inbox_names(page, "chain-village") and "马小花" not in _inbox_names(
            page, "chain-village"
        )

        sign_in(page, "nx-village")
        open_application(page, ningxia)
        decide(page, "accept")
        page.click("#act-record_check")
        expect(page).to_have_url(re.compile(r"/check/s/visit$"))
        page.fill("#i-members", "4")
        page.fill("#i-income", "9000")
        page.fill("#i-rigid_expenses", "30000")
        choose(page, "housing", "安全")
        choose(page, "meets_standard", "符合监测标准")
        page.click("button[name=nav][value=next]")
        expect(page).to_have_url(re.compile(r"/check/review$"))
        page.click("#submit")
        expect(page.locator("#step")).to_contain_text("乡镇审核")

        sign_in(page, "nx-township")
        open_application(page, ningxia)
        decide(page, "pass_up", "审核无误")
        # Two offices at one county: the case is 民政's now, never 乡村振兴's before 民政 is done.
        assert ningxia[-4:] not in _inbox_names(page, "nx-rural")
        sign_in(page, "nx-civil")
        _shot(page, "example-civil-affairs-inbox")
        open_application(page, ningxia)
        expect(page.locator("#step")).to_contain_text("县民政局比对低保特困信息")
        decide(page, "pass_up", "不在低保特困名单")
        sign_in(page, "nx-rural")
        open_application(page, ningxia)
        decide(page, "pass_up", "同意纳入")
        sign_in(page, "nx-city")
        open_application(page, ningxia)
        expect(page.locator("#step")).to_contain_text("市乡村振兴局复核")
        _shot(page, "example-city-step")
        decide(page, "approve")
        expect(page.locator("#status")).to_contain_text("已审批通过")

        approved = [
            text
            for phone, template, text in outbox(server)
            if phone == "13800138064" and template == "approved"
        ]
        assert (
            len(approved) == 1
            and approved[0].startswith("【宁夏防返贫申报】")
            and ningxia in approved[0].replace(" ", "")
        )
        assert gansu not in "".join(approved)
        context.close()
