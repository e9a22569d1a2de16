"""The widgets one at a time in a phone-sized Chromium: what the farmer sees, and what the server kept."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, expect
from tests.support.packs import gansu_widgets

from e2e.farmer import (
    YIJIAN,
    ZIZHU,
    answer_saved,
    applications,
    choose,
    draft,
    id_number,
    next_page,
    pick_region,
    read_guide,
    sign_household,
    sign_on_pad,
    start_draft,
    stored_file,
    stored_files,
    take_photo,
    verify_phone,
)
from e2e.support import ARTIFACTS, LANZHOU, PHONE, Server
from shenbao.forms import CompiledForm, evaluate
from shenbao.packs import FormRegistry

YIJIAN_ID = "gansu-yijian-2023"
ZIZHU_ID = "gansu-zizhu-2021"


@cache
def _forms() -> FormRegistry:
    return FormRegistry.from_packs(["gansu"], cleaners=gansu_widgets().cleaners())


def as_submitted(form_id: str, answers: dict[str, Any]) -> dict[str, Any]:
    """The answers as the server's own checks read them: what an application made from them would store."""
    form: CompiledForm | None = _forms().get(form_id)
    assert form is not None
    return evaluate(form, answers).answers


def snap(target: Page | Locator, request: pytest.FixtureRequest, name: str) -> None:
    """Save a screenshot of a page or of one question under e2e/artifacts/ (like conftest's ``shot``)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = str(ARTIFACTS / f"{request.node.name}-{name}.png")
    # The sticky progress bar and the fixed buttons would cover part of a shot taller than the screen.
    still = "#progress,nav.actions{position:static!important}"
    if isinstance(target, Page):
        target.screenshot(path=path, full_page=True, style=still)
    else:
        target.screenshot(path=path, style=still)


def press_next_and_stay(page: Page) -> None:
    """Tap "下一步" on a page with something to correct: the server saves the draft and sends the page back."""
    page.evaluate("window.__before_next = true")
    with page.expect_response(
        lambda response: response.request.method == "POST" and re.search(r"/s/[^/?]+$", response.url)
    ) as posted:
        page.click("button[value=next]")
    assert posted.value.status == 422
    page.wait_for_function("() => !window.__before_next")  # the page the server sent back, not the old one


def levels(page: Page, question: str) -> dict[str, Locator]:
    """The four drop-downs of a region picker, by level."""
    return {
        level: page.locator(f"#i-{question}-{level}") for level in ("city", "county", "township", "village")
    }


def expect_waiting(select: Locator) -> None:
    """A drop-down whose level above is not chosen yet: disabled, with only its "请先选择…" line."""
    expect(select).to_be_disabled()
    expect(select.locator("option")).to_have_count(1)
    expect(select.locator("option")).to_have_text(re.compile("^请先选择"))


def fill_applicant(page: Page, server: Server, phone: str) -> None:
    """The 2023 form's other answers, so that "下一步" can go on to the review."""
    page.fill("#i-name", "王五")
    page.fill("#i-id_number", id_number(born="19690315"))
    page.fill("#i-phone", phone)
    verify_phone(page, server, "phone", phone)
    choose(page, "consent", "同意")


def test_the_region_cascade_fills_one_level_at_a_time_down_to_a_village(page: Page, server: Server) -> None:
    page.goto(f"{YIJIAN}/s/applicant")
    select = levels(page, "address")
    expect(select["city"]).to_be_enabled()
    expect(select["city"].locator("option", has_text="兰州市")).to_have_count(1)
    for level in ("county", "township", "village"):
        expect_waiting(select[level])

    select["city"].select_option(label="兰州市")
    expect(select["county"]).to_be_enabled()
    expect(select["county"].locator("option", has_text="榆中县")).to_have_count(1)
    expect_waiting(select["township"])
    expect_waiting(select["village"])
    select["county"].select_option(label="榆中县")
    expect(select["township"].locator("option", has_text="城关镇")).to_have_count(1)
    expect_waiting(select["village"])
    select["township"].select_option(label="城关镇")
    expect(select["village"]).to_be_enabled()
    expect(select["village"].locator("option", has_text="兴隆山村委会")).to_have_count(1)

    # Another city: its own counties arrive, and the levels below start over.
    select["city"].select_option(label="天水市")
    expect(select["county"].locator("option", has_text="秦州区")).to_have_count(1)
    expect(select["county"].locator("option", has_text="榆中县")).to_have_count(0)
    expect(select["county"]).to_have_value("")
    expect_waiting(select["township"])
    expect_waiting(select["village"])

    pick_region(page, "address", "兰州市", "榆中县", "城关镇", "兴隆山村委会")
    fill_applicant(page, server, "13700137001")
    next_page(page, f"{YIJIAN}/review")
    expect(page.locator("#answers")).to_contain_text("甘肃省兰州市榆中县城关镇兴隆山村委会")
    assert draft(server, page, YIJIAN_ID)["address"] == "620123100201"


def test_a_village_qr_code_presets_the_region(page: Page, server: Server) -> None:
    page.goto(f"{YIJIAN}?region=620102001001")
    page.click("#start")
    expect(page).to_have_url(re.compile(f"{YIJIAN}/s/applicant\\?region=620102001001$"))
    expect(page.locator("#p-address")).to_contain_text("已按您扫的二维码选好了地址")
    select = levels(page, "address")
    for level, code in (("city", "6201"), ("county", "620102"), ("township", "620102001")):
        expect(select[level]).to_have_value(code)
    expect(select["village"]).to_have_value("620102001001")
    expect(select["village"].locator("option:checked")).to_have_text("畅家巷社区居委会")

    fill_applicant(page, server, "13700137002")  # the farmer checks the address and goes on
    next_page(page, f"{YIJIAN}/review")
    expect(page.locator("#answers")).to_contain_text("甘肃省兰州市城关区酒泉路街道畅家巷社区居委会")
    assert draft(server, page, YIJIAN_ID)["address"] == "620102001001"


def test_the_phone_position_is_taken_when_location_is_allowed(page: Page, server: Server) -> None:
    read_guide(page.context, server)
    page.goto(f"{ZIZHU}/s/residence")
    expect(page.locator("#f-q7")).to_be_hidden()
    with answer_saved(page, "q7.lat"):
        page.click("#b-q7-locate")
    expect(page.locator("#s-q7")).to_contain_text("已获取您现在的位置")
    expect(page.locator("#b-q7-locate")).to_have_text("重新定位")
    expect(page.locator("#f-q7")).to_be_hidden()

    position = as_submitted(ZIZHU_ID, draft(server, page, ZIZHU_ID))["q7"]
    assert position["source"] == "gps"
    assert (position["lat"], position["lng"]) == (LANZHOU["latitude"], LANZHOU["longitude"])
    page.goto(f"{ZIZHU}/review")  # the answer as the server reads it: a GPS position
    expect(page.locator("#answers")).to_contain_text("纬度36.0611，经度103.8343")


@pytest.fixture
def no_location_page(browser: Browser, server: Server) -> Iterator[Page]:
    """A phone whose owner has not allowed location (no geolocation permission in its context)."""
    context = browser.new_context(**PHONE, base_url=server.url)
    yield context.new_page()
    context.close()


def test_refused_location_falls_back_to_the_drop_downs(
    no_location_page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    page = no_location_page
    read_guide(page.context, server)
    page.goto(f"{ZIZHU}/s/residence")
    expect(page.locator("#f-q7")).to_be_hidden()
    page.click("#b-q7-locate")
    expect(page.locator("#s-q7")).to_contain_text("您没有允许定位")
    expect(page.locator("#f-q7")).to_be_visible()
    expect(page.locator("#b-q7-locate")).to_have_text("再试一次定位")
    snap(page, request, "fallback")
    snap(page.locator("#q-q7"), request, "fallback-q7")

    pick_region(page, "q7", "兰州市", "城关区", "酒泉路街道")
    press_next_and_stay(page)  # q5 and q6 are still missing: the page comes back, the draft is saved
    expect(page).to_have_url(re.compile(f"{ZIZHU}/s/residence$"))
    expect(page.locator("#e-q6")).to_contain_text("第6题还没有回答")
    expect(page.locator("#f-q7")).to_be_visible()  # the picked place shows again, not the locate prompt
    expect(page.locator("#i-q7-township")).to_have_value("620102001")
    kept = draft(server, page, ZIZHU_ID)
    assert kept["q7"] == {"code": "620102001"}
    assert as_submitted(ZIZHU_ID, kept)["q7"]["source"] == "region"


def test_a_camera_photo_is_stored_as_a_clean_jpeg(page: Page, server: Server) -> None:
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    with answer_saved(page, "q46"):
        take_photo(page, "q46")
    expect(page.locator("#s-q46")).to_contain_text("照片已保存")
    ref = json.loads(page.locator("#i-q46").input_value())
    assert draft(server, page, ZIZHU_ID)["q46"] == ref

    path = stored_file(server, ref)
    assert path.is_file()
    with Image.open(path) as image:
        image.load()
        assert image.format == "JPEG" and image.width > 0 and image.height > 0
        assert len(image.getexif()) == 0

    page.reload()  # the page now shows the stored photo, served by the platform
    thumbnail = page.locator("#img-q46")
    expect(thumbnail).to_be_visible()
    expect(thumbnail).to_have_attribute("src", re.compile(f"/widgets/_files/{ref['file']}\\.jpg\\?"))
    page.wait_for_function(
        "() => { const i = document.getElementById('img-q46'); return i.complete && i.naturalWidth > 0; }"
    )


def _ink(server: Server, ref: dict[str, str]) -> int:
    """How many dark pixels the stored signature PNG has on white."""
    with Image.open(stored_file(server, ref)) as image:
        assert image.format == "PNG"
        pixels = image.convert("RGBA")
    on_white = Image.alpha_composite(Image.new("RGBA", pixels.size, "white"), pixels).convert("L")
    return sum(on_white.histogram()[:128])


def test_a_drawn_signature_is_stored_with_ink(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    expect(page.locator("#c-q45-0")).to_be_visible()
    page.fill("#n-q45-0", "张三")
    sign_on_pad(page, "q45-0")
    snap(page.locator("#sig-q45-0"), request, "pad")
    with answer_saved(page, "q45"):
        page.click("#b-q45-0-done")
    expect(page.locator("#s-q45-0")).to_contain_text("签名已保存")
    expect(page.locator("#c-q45-0")).to_be_hidden()
    snap(page.locator("#sig-q45-0"), request, "signed")
    ref = json.loads(page.locator("#i-q45-0").input_value())
    assert ref["type"] == "image/png"
    assert draft(server, page, ZIZHU_ID)["q45"] == [{"name": "张三", "role": "applicant", **ref}]
    dark = _ink(server, ref)
    assert dark > 200, f"only {dark} dark pixels in the stored signature"


def test_an_empty_signature_pad_is_refused(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    uploads: list[str] = []
    page.on(
        "request", lambda sent: uploads.append(sent.url) if "/widgets/signature/upload" in sent.url else None
    )
    before = stored_files(server)
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    expect(page.locator("#c-q45-0")).to_be_visible()
    page.click("#b-q45-0-done")
    expect(page.locator("#s-q45-0")).to_have_text("框里还没有签名。请用手指写下您的名字。")
    expect(page.locator("#s-q45-0")).to_have_class(re.compile("sig-warn"))
    expect(page.locator("#c-q45-0")).to_be_visible()
    expect(page.locator("#i-q45")).to_have_value("")
    snap(page.locator("#sig-q45-0"), request, "empty-pad")
    assert uploads == [] and stored_files(server) == before
    assert "q45" not in draft(server, page, ZIZHU_ID)


def _signers_saved(server: Server, page: Page, count: int) -> list[dict[str, str]]:
    """The draft's signers of q45 once it holds ``count`` of them, each signed (the last upload's save may lag)."""
    for _ in range(50):
        signed = draft(server, page, ZIZHU_ID).get("q45")
        if isinstance(signed, list) and len(signed) == count and all("file" in signer for signer in signed):
            return signed
        page.wait_for_timeout(100)
    raise AssertionError(f"q45 never held {count} signed signers: {draft(server, page, ZIZHU_ID).get('q45')}")


def test_the_applicant_and_a_family_member_sign(
    page: Page, server: Server, request: pytest.FixtureRequest
) -> None:
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    expect(page.locator("#w-q45-0")).to_have_text("第1位：申请人")
    sign_household(page, "q45", ["张三", "李四"])
    expect(page.locator("#sigs-q45 .sig-signer")).to_have_count(2)
    expect(page.locator("#sigs-q45 .sig-who").nth(1)).to_have_text("第2位：家庭成员")
    snap(page.locator("#sigs-q45"), request, "two-signers")
    signed = _signers_saved(server, page, 2)
    assert [(signer["name"], signer["role"]) for signer in signed] == [
        ("张三", "applicant"),
        ("李四", "member"),
    ]
    assert signed[0]["file"] != signed[1]["file"]
    for signer in signed:
        assert _ink(server, signer) > 200
    assert as_submitted(ZIZHU_ID, {"q45": signed}).get("q45") == signed

    page.reload()  # the stored signers come back with their names and signatures
    expect(page.locator("#n-q45-1")).to_have_value("李四")
    expect(page.locator("#w-q45-1")).to_have_text("第2位：家庭成员")
    expect(page.locator("#img-q45-1")).to_be_visible()

    page.click("#b-q45-add")  # a third, then removed again before signing
    expect(page.locator("#sigs-q45 .sig-signer")).to_have_count(3)
    with answer_saved(page, "q45"):
        page.click("#b-q45-2-remove")
    with answer_saved(page, "q45"):
        page.click("#b-q45-1-remove")
    expect(page.locator("#sigs-q45 .sig-signer")).to_have_count(1)
    assert [signer["name"] for signer in _signers_saved(server, page, 1)] == ["张三"]


def test_a_wrong_id_check_digit_is_shown_at_the_question(page: Page, server: Server) -> None:
    right = id_number(born="19751231")
    wrong = right[:17] + ("0" if right[17] != "0" else "1")
    before = len(applications(server))
    page.goto(f"{YIJIAN}/s/applicant")
    page.fill("#i-name", "李四")
    page.fill("#i-id_number", wrong)
    page.fill("#i-phone", "13700137003")
    verify_phone(page, server, "phone", "13700137003")
    pick_region(page, "address", "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    choose(page, "consent", "同意")
    press_next_and_stay(page)
    expect(page).to_have_url(re.compile(f"{YIJIAN}/s/applicant$"))
    expect(page.locator("#e-id_number")).to_have_text("第2题：身份证号码第18位校验码不对，请核对")
    expect(page.locator("div.err:not(:empty)")).to_have_count(1)  # the only thing holding the farmer back
    expect(page.locator("#i-id_number")).to_have_value(wrong)  # kept for the farmer to correct
    assert draft(server, page, YIJIAN_ID)["id_number"] == wrong
    assert len(applications(server)) == before


def test_a_photo_taken_before_the_draft_exists_goes_with_the_page(page: Page, server: Server) -> None:
    """A phone that opened the pledge page first (no answer saved yet): the upload route keeps nothing, and the
    photo goes with the page's own post, which saves the draft and the photo together."""
    read_guide(page.context, server)
    page.goto(f"{ZIZHU}/s/pledge")
    kept_before = stored_files(server)
    page.click("#b-q46-open")
    page.wait_for_function("id => document.getElementById(id).videoWidth > 0", arg="v-q46")
    page.click("#b-q46-shoot")
    expect(page.locator("#s-q46")).to_contain_text("图片会和这一页的回答一起保存")
    expect(page.locator("#i-q46")).to_have_value(re.compile("^data:image/jpeg;base64,"))
    assert stored_files(server) == kept_before
    press_next_and_stay(page)  # the pledge still wants its signature
    ref = draft(server, page, ZIZHU_ID)["q46"]
    assert stored_file(server, ref).is_file()
    expect(page.locator("#s-q46")).to_contain_text("照片已保存")


def test_a_photo_that_is_not_an_image_is_refused(page: Page, server: Server) -> None:
    before = stored_files(server)
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    fake = "data:image/jpeg;base64," + base64.b64encode("这不是照片，只是一段文字".encode()).decode()
    page.evaluate("(fake) => { document.getElementById('i-q46').value = fake; }", fake)
    press_next_and_stay(page)
    expect(page).to_have_url(re.compile(f"{ZIZHU}/s/pledge$"))
    expect(page.locator("#e-q46")).to_contain_text("第46题：这不是一张图片，请重新拍照")
    expect(page.locator("#img-q46")).to_be_hidden()
    expect(page.locator("#b-q46-open")).to_be_visible()  # the farmer can take a real photo
    assert stored_files(server) == before
    assert "file" not in draft(server, page, ZIZHU_ID).get("q46", {})  # no file reference kept


def test_document_photos_from_the_album_are_kept_and_listed(
    page: Page, server: Server, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    album = tmp_path / "hukouben.jpg"
    Image.new("RGB", (800, 600), (230, 220, 200)).save(album, "JPEG")
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    expect(page.locator("#q-materials legend")).to_have_text("户口簿、身份证照片")  # no number
    expect(page.locator("#b-materials-pick")).to_be_visible()
    with answer_saved(page, "materials"):
        page.set_input_files("#f-materials", str(album))
    thumbnails = page.locator("#l-materials img")
    expect(thumbnails).to_have_count(1)
    expect(thumbnails.first).to_have_attribute("src", re.compile(r"/widgets/_files/[0-9a-f]{64}\.jpg\?"))
    expect(page.locator("#s-materials")).to_contain_text("已上传1张照片")
    refs = json.loads(page.locator("#i-materials").input_value())
    assert len(refs) == 1 and stored_file(server, refs[0]).is_file()
    assert draft(server, page, ZIZHU_ID)["materials"] == refs
    snap(page.locator("#q-materials"), request, "uploaded")

    with answer_saved(page, "_q"):  # removing it saves the emptied answer
        page.click("#l-materials .upl-remove")
    expect(thumbnails).to_have_count(0)
    assert "materials" not in draft(server, page, ZIZHU_ID)


def test_a_document_that_is_not_an_image_is_refused(page: Page, server: Server, tmp_path: Path) -> None:
    fake = tmp_path / "shenfenzheng.jpg"
    fake.write_text("这不是照片，只是一段文字", encoding="utf-8")
    before = stored_files(server)
    read_guide(page.context, server)
    start_draft(page, server)
    page.goto(f"{ZIZHU}/s/pledge")
    page.set_input_files("#f-materials", str(fake))
    expect(page.locator("#s-materials")).to_have_text("第1张不是图片，请重新选择")
    expect(page.locator("#s-materials")).to_have_class(re.compile("upl-warn"))
    expect(page.locator("#l-materials img")).to_have_count(0)
    expect(page.locator("#i-materials")).to_have_value("")
    assert stored_files(server) == before
    assert "materials" not in draft(server, page, ZIZHU_ID)
