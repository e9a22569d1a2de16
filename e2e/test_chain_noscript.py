"""Both Gansu forms from the farmer to the village handler to the county, every phone with script off.

The farmer applies on an old phone (no script), the village handler works on one too: finds the case in 轮到我办,
accepts it, records the household check during the visit (the place by the drop-downs, the house photo by the
phone's camera, the family's names typed), passes it up; township and county staff pass it up and approve; the
farmer's status page says it was approved. Every step is a server-rendered form and its button, read by its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.farmer import applications, codes_sent_a_minute_ago, open_status
from e2e.noscript import (
    context_without_script,
    small_jpeg,
    snap,
    snap_whole,
    submit,
    yijian_applicant,
    zizhu_to_review,
)
from e2e.staff import add_chain_staff, decide, record_household_check_without_script, sign_in
from e2e.support import Server


@dataclass(frozen=True)
class Chain:
    """One form's walk: who applies, how, and the names of the steps staff see it at, in order."""

    form_id: str
    name: str
    phone: str
    apply: Callable[[Page, Server, Path], None]
    """Walks the form from the guide to its review page."""
    village_steps: tuple[str, str, str]
    """Household check, the answer to the farmer, the village's review."""
    township_step: str
    county_steps: tuple[str, ...]
    """The approval, then (2023) the entry in the national system."""


def _apply_2023(page: Page, server: Server, _: Path) -> None:
    yijian_applicant(page, server, "孙八", "321", "13912340081")


def _apply_2021(page: Page, server: Server, folder: Path) -> None:
    zizhu_to_review(page, server, "13912340082", small_jpeg(folder / "face.jpg"), name="周九")


CHAINS = [
    Chain(
        "gansu-yijian-2023",
        "孙八",
        "13912340081",
        _apply_2023,
        ("村级入户核查", "答复农户", "村内民主评议和公示"),
        "乡镇复核",
        ("县级审批", "录入国家系统"),
    ),
    Chain(
        "gansu-zizhu-2021",
        "周九",
        "13912340082",
        _apply_2021,
        ("家庭经济状况核查", "核查结果告知", "村级评议"),
        "乡镇初审",
        ("县级审定",),
    ),
]


@pytest.fixture
def contexts(browser: Browser, server: Server) -> Iterator[Callable[[], Page]]:
    """``new_phone()`` gives another phone with script off (the farmer's, the staff's); all closed at the end."""
    opened: list[BrowserContext] = []

    def new_phone() -> Page:
        opened.append(context_without_script(browser, server))
        return opened[-1].new_page()

    yield new_phone
    for context in opened:
        context.close()


def _open_from_inbox(page: Page, name: str, receipt: str) -> None:
    """In 轮到我办, the case by the applicant's name; open it."""
    expect(page.locator("nav.views a[aria-current=page]")).to_contain_text("轮到我办")
    row = page.locator("#inbox > li", has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(" ".join([receipt[:4], receipt[4:8], receipt[8:]]))
    row.locator("a").click()
    expect(page).to_have_url(re.compile(r"/staff/a/\d+$"))


@pytest.mark.parametrize("chain", CHAINS, ids=[chain.form_id for chain in CHAINS])
def test_the_form_goes_from_the_farmer_to_the_county_without_script(
    contexts: Callable[[], Page], server: Server, tmp_path: Path, chain: Chain
) -> None:
    add_chain_staff(server)
    year = chain.form_id[-4:]
    farmer = contexts()
    chain.apply(farmer, server, tmp_path)
    application = submit(farmer, server, "确定并申请")
    receipt = str(application["receipt_number"])
    assert application["form_id"] == chain.form_id and application["region_code"] == "620102001001"

    staff = contexts()

    def shot(name: str) -> Path:
        snap_whole(staff, f"chain-{year}-{name}")
        return snap(staff, f"chain-{year}-{name}")

    sign_in(staff, "chain-village")
    _open_from_inbox(staff, chain.name, receipt)
    check, answer, review = chain.village_steps
    expect(staff.locator("#step")).to_contain_text(check)
    shot("application")
    decide(staff, "accept")
    expect(staff.locator("#history")).to_contain_text("受理")
    record_household_check_without_script(
        staff, small_jpeg(tmp_path / "house.jpg", (120, 140, 160)), [chain.name, "王小五"], shot=shot
    )
    expect(staff.locator("#check")).to_contain_text("王小五")
    expect(staff.locator("#check img.thumb")).to_have_count(1)  # the house photo, kept and shown
    expect(staff.locator("#step")).to_contain_text(answer)
    staff.locator("#check").scroll_into_view_if_needed()
    shot("checked")
    decide(staff, "pass_up")
    expect(staff.locator("#step")).to_contain_text(review)
    decide(staff, "pass_up", "已公示7天无异议")

    sign_in(staff, "chain-township")
    _open_from_inbox(staff, chain.name, receipt)
    expect(staff.locator("#step")).to_contain_text(chain.township_step)
    decide(staff, "pass_up", "复核无误")

    sign_in(staff, "chain-county")
    _open_from_inbox(staff, chain.name, receipt)
    approval, *entry = chain.county_steps
    expect(staff.locator("#step")).to_contain_text(approval)
    decide(staff, "approve")
    for step in entry:
        expect(staff.locator("#step")).to_contain_text(step)
        decide(staff, "pass_up", "已录入")
    expect(staff.locator("#status")).to_have_text("已审批通过")
    shot("approved")

    [stored] = [row for row in applications(server) if row["receipt_number"] == receipt]
    assert stored["status"] == "approved"

    codes_sent_a_minute_ago(server, chain.phone)  # the farmer looks a minute later at least
    open_status(farmer, server, receipt, chain.phone)
    expect(farmer.locator("#status")).to_have_text("已经通过")
    snap(farmer, f"chain-{year}-status")
