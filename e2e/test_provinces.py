"""Other provinces take the platform: a pack made by ``shenbao pack new`` serves and reaches its village handler."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, expect
from tests.regions.test_import import write_dist

from e2e.farmer import choose, next_page, pick_region, verify_phone
from e2e.staff import PASSWORD, outbox, sign_in
from e2e.support import PHONE, Server, free_port, serving

_SHAANXI = [
    ("61", "陕西省"),
    ("6101", "西安市"),
    ("610102", "新城区"),
    ("610102001", "西一路街道"),
    ("610102001001", "东新巷社区居委会"),
    ("610102001002", "民乐园社区居委会"),
]
_HANDLER_PHONE = "13700000061"


def test_a_pack_from_pack_new_lints_serves_and_reaches_its_village_handler(
    browser: Browser, tmp_path: Path, shot: Any
) -> None:
    dist = write_dist(tmp_path / "package" / "dist", _SHAANXI)
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
        page.fill("#i-name", "王秦川")
        page.fill("#i-phone", "13800138061")
        verify_phone(page, server, "phone", "13800138061")
        pick_region(page, "address", "西安市", "新城区", "西一路街道", "东新巷社区居委会")
        choose(page, "consent", "同意")
        shot("form")
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
        shot("inbox")
        context.close()
