"""A 2021 declaration from the village's QR code reaches that village's handler: inbox and SMS."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from e2e.farmer import (
    VILLAGE,
    ZIZHU,
    applications,
    fill_zizhu_property_and_income,
    fill_zizhu_until_property,
    sign_and_submit_zizhu,
)
from e2e.staff import CHAIN_STAFF, add_chain_staff, outbox, sign_in
from e2e.support import Server


def test_a_2021_declaration_from_the_village_qr_code_reaches_its_handler(
    page: Page, server: Server, shot: Any
) -> None:
    add_chain_staff(server)
    fill_zizhu_until_property(page, server, "13800138031", name="杨秀兰", from_qr_code=True, shot=shot)
    page.goto(f"{ZIZHU}/s/residence")  # back to the address: the village the QR code named is the answer
    expect(page.locator("#i-q6-village")).to_have_value(VILLAGE)
    expect(page.locator("#p-q6")).to_have_count(0)  # answered now, no longer a preset
    page.goto(f"{ZIZHU}/s/property")
    fill_zizhu_property_and_income(page)
    receipt = sign_and_submit_zizhu(page)
    expect(page.locator("main")).to_contain_text("村里的办理人员会收到短信通知")
    shot("receipt")

    application = applications(server)[-1]
    assert application["receipt_number"] == receipt and application["region_code"] == VILLAGE
    _, handler_village, handler_phone = CHAIN_STAFF["chain-village"]
    assert handler_village == VILLAGE
    assert any(
        phone == handler_phone and template == "new_application" and receipt in text.replace(" ", "")
        for phone, template, text in outbox(server)
    )

    sign_in(page, "chain-village")
    expect(page.locator("nav.views a[aria-current=page]")).to_contain_text("轮到我办")
    row = page.locator("#inbox > li", has_text="杨秀兰")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("畅家巷社区居委会")
    shot("inbox")
    row.locator("a").click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))
    expect(page.locator("main")).to_contain_text(receipt[-4:])
