"""What a farmer does on a phone whose browser runs no script, step by step, by what is on the screen.

Shared by the no-script walks (e2e/test_noscript.py) and the no-script chain (e2e/test_chain_noscript.py). Without
script every step is a real form post: the phone's code, the next level of a region, the page's own button.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from e2e.farmer import YIJIAN, ZIZHU, applications, id_number, read_guide, sms_code
from e2e.support import ARTIFACTS, PHONE, Server

Shot = Callable[[str], object]
"""Takes a screenshot by name (``snap`` with a page bound), for the helpers that show a page worth looking at."""


def context_without_script(browser: Browser, server: Server) -> BrowserContext:
    """A phone-sized browser with script off (old phones, WeChat with script blocked, htmx lost on 3G)."""
    return browser.new_context(**PHONE, base_url=server.url, java_script_enabled=False)


def snap(page: Page, name: str) -> Path:
    """What the phone's screen shows now (390×844), saved under e2e/artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"noscript-{name}.png"
    page.screenshot(path=str(path))
    return path


def snap_whole(page: Page, name: str) -> Path:
    """The whole page, top to bottom, 390 wide (the sticky progress bar and buttons left in their place)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"noscript-{name}-whole.png"
    # (add_style_tag would wait for a script's answer: the screenshot's own style works with script off.)
    page.screenshot(
        path=str(path), full_page=True, style=".progress, nav.actions { position: static !important; }"
    )
    return path


def question(page: Page, title: str) -> Locator:
    """The question block whose title reads ``title``."""
    return page.get_by_role("group", name=title)


def choose(page: Page, title: str, *labels: str) -> None:
    """Tap the options of a question by their text (the page does not change until it is sent)."""
    for label in labels:
        question(page, title).locator("label.choice", has_text=re.compile(f"^{re.escape(label)}$")).click()


def next_page(page: Page, url: str) -> None:
    """Tap "下一步" (or "核对并提交") and land on ``url``."""
    page.locator("nav.actions").get_by_role("button").last.click()
    expect(page).to_have_url(re.compile(re.escape(url) + "$"))


def open_form(page: Page, server: Server, form: str) -> None:
    """From the guide, "开始申请" (the 2021 guide's 60 seconds of reading are over: it was opened a minute ago)."""
    read_guide(page.context, server, form.rsplit("/", 1)[-1])
    page.goto(form)
    page.get_by_role("link", name="开始申请").click()


def verify_phone(
    page: Page, server: Server, block: Locator, dom: str, number: str, *, shot: Shot | None = None
) -> None:
    """ "发送验证码" posts the page and comes back at the phone with the code box; type the SMS's code, "验证".

    On the way, "重新发送验证码" tapped too soon is refused and sends nothing. ``shot`` takes the code box.
    """
    block.get_by_role("button", name="发送验证码", exact=True).click()
    expect(page).to_have_url(re.compile(f"#otp-{dom}$"))
    masked = f"{number[:3]}****{number[-4:]}"
    status = page.locator(f"#s-{dom}-otp")
    expect(status).to_have_text(f"验证码已发到{masked}，5分钟内有效，请填写短信里的6位数字")
    expect(page.locator(f"#otp-{dom}")).to_be_in_viewport()
    expect(block.locator("[role=alert]:not(:empty)")).to_have_count(
        0
    )  # no "还没有验证" while the farmer is at it
    code = sms_code(server, number)
    block.get_by_label("短信验证码").fill(code)
    if shot:
        shot(f"{dom}-code")
    block.get_by_role("button", name="重新发送验证码", exact=True).click()  # too soon: the limit says so
    expect(status).to_contain_text("秒后可以再获取一次")
    assert sms_code(server, number) == code  # and no new code was sent
    block.get_by_label("短信验证码").fill(code)
    block.get_by_role("button", name="验证", exact=True).click()
    expect(status).to_have_text(f"手机号码{masked}已验证")


def pick_region(page: Page, block: Locator, *names: str) -> None:
    """Choose each level by name; without script "选好了，显示下一级" brings the next one."""
    for index, name in enumerate(names):
        block.locator("select").nth(index).select_option(label=name)
        if index < len(names) - 1:
            block.get_by_role("button", name="选好了，显示下一级").click()
            expect(
                block.locator("select").nth(index + 1).locator("option", has_text=names[index + 1])
            ).to_have_count(1)


def submit(page: Page, server: Server, label: str) -> dict[str, object]:
    """Tap the review's submit button; the receipt shows its number and the application is stored."""
    before = len(applications(server))
    page.get_by_role("button", name=label).click()
    expect(page).to_have_url(re.compile(r"/r/\d{12}$"))
    receipt = page.locator("#receipt").inner_text().replace(" ", "")
    assert re.fullmatch(r"\d{12}", receipt)
    stored = applications(server)
    assert len(stored) == before + 1 and stored[-1]["receipt_number"] == receipt
    return stored[-1]


def small_jpeg(path: Path, colour: tuple[int, int, int] = (200, 170, 140)) -> Path:
    """A small photo with a round shape on it, as the phone's camera would hand it over."""
    image = Image.new("RGB", (480, 640), colour)
    ImageDraw.Draw(image).ellipse((120, 140, 360, 460), fill=(230, 200, 170))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return path


# The 2023 one-click form: one page.


def yijian_applicant(
    page: Page, server: Server, name: str, id_serial: str, number: str, *, shot: Shot | None = None
) -> None:
    """The applicant's page of the 2023 form, from the guide to the review, a disaster case of 畅家巷社区."""
    open_form(page, server, YIJIAN)
    expect(page).to_have_url(re.compile(f"{YIJIAN}/s/applicant$"))
    assert "开启脚本" not in page.content()  # nothing says script is needed
    question(page, "申请人姓名").locator("input[type=text]").fill(name)
    question(page, "申请人身份证号码").locator("input[type=text]").fill(
        id_number(born="19700315", serial=id_serial)
    )
    phone_block = question(page, "手机号码")
    phone_block.locator("input[type=tel]").fill(number)
    verify_phone(page, server, phone_block, "phone", number, shot=shot)
    expect(question(page, "申请人姓名").locator("input[type=text]")).to_have_value(
        name
    )  # kept by the code's post
    pick_region(page, question(page, "户口所在的村"), "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    choose(page, "家里的主要困难", "因灾（遭受自然灾害）")
    choose(page, "是否同意", "同意")
    next_page(page, f"{YIJIAN}/review")
    expect(page.locator("#answers")).to_contain_text("畅家巷社区居委会")
    expect(page.locator("#answers")).to_contain_text(name)


# The 2021 questionnaire: one small step per page, so each is easy to change with the form.


def zizhu_method(
    page: Page, server: Server, number: str, name: str = "赵六", *, shot: Shot | None = None
) -> None:
    choose(page, "办理方式", "本人办理")
    page.get_by_label("户主姓名").fill(name)
    page.get_by_label("户主证件号码").fill(id_number(born="19650708", serial="789"))
    page.get_by_label("户主联系电话").fill(number)
    verify_phone(page, server, question(page, "申请人基本信息"), "q4-phone", number, shot=shot)
    next_page(page, f"{ZIZHU}/s/residence")


def zizhu_residence(page: Page) -> None:
    choose(page, "您的户籍性质", "农业户籍")
    pick_region(page, question(page, "户籍地址"), "兰州市", "城关区", "酒泉路街道", "畅家巷社区居委会")
    next_page(page, f"{ZIZHU}/s/household")  # 当前居住地址 may stay empty


def zizhu_household(page: Page) -> None:
    choose(page, "您的家庭除您以外还有没有其他人", "没有")
    choose(page, "您的家庭存在可能返贫致贫的风险", "打工挣不上钱")
    page.locator("nav.actions").get_by_role("button", name="下一步").click()
    # Without script the question the answer reveals shows only now, as not answered yet.
    expect(page.locator("#e-q10")).to_contain_text("还没有回答")
    choose(page, "您个人有没有以下情况", "以上都没有")
    next_page(page, f"{ZIZHU}/s/members")


def zizhu_members(page: Page) -> None:
    choose(page, "请选择共同居住的家庭成员人数", "1人")
    choose(page, "都有哪些年龄段构成", "18-60周岁成年人")
    page.locator("nav.actions").get_by_role("button", name="下一步").click()
    expect(page.locator("#e-q16")).to_contain_text("还没有回答")
    choose(page, "共同居住的18-60周岁成年人数", "1人")
    choose(page, "家里有没有学生", "没有")
    next_page(page, f"{ZIZHU}/s/property")


def zizhu_property(page: Page) -> None:
    for number in ("q23", "q24", "q26", "q27", "q28", "q29", "q30", "q31"):
        page.locator(f"#q-{number} label.choice", has_text=re.compile("^没有$")).click()
    choose(page, "当前居住房屋鉴定", "B级")
    next_page(page, f"{ZIZHU}/s/income")


def zizhu_income(page: Page) -> None:
    choose(page, "当前生活饮用水方式", "自来水")
    choose(page, "您家上年总收入", "2万元以下")
    choose(page, "家里有没有吃低保或特困", "没有")
    choose(page, "家里有没有接受临时救助", "没有")
    next_page(page, f"{ZIZHU}/s/pledge")


def zizhu_pledge(page: Page, photo: Path, name: str = "赵六", *, shot: Shot | None = None) -> None:
    """The pledge: the typed name in place of the finger signature, the photo by the file input; to the review."""
    expect(page.locator("#pledge")).to_contain_text("诚信承诺书")
    sign = question(page, "签名")
    # (Playwright's text matching skips <noscript>, whose content this page shows: the note is read by its class.)
    expect(sign.locator(".sig-note")).to_have_text(
        "您的浏览器不能手写签名。请写下您的姓名，村干部入户核查时请您当面签字。"
    )
    expect(sign.get_by_role("button", name="添加一位家庭成员签名")).to_be_hidden()  # script only: not shown
    sign.locator(".sig-typed").get_by_label("申请人姓名").fill(name)
    camera = question(page, "请上传您的照片")
    camera.locator("input[type=file]").set_input_files(str(photo))
    if shot:
        camera.scroll_into_view_if_needed()
        shot("2021-pledge")
        sign.scroll_into_view_if_needed()
        shot("2021-signature")
    next_page(page, f"{ZIZHU}/review")


def zizhu_to_review(
    page: Page, server: Server, number: str, photo: Path, name: str = "赵六", *, shot: Shot | None = None
) -> None:
    """The whole 2021 questionnaire, from the guide to the review, for a farmer living alone in 畅家巷社区."""
    open_form(page, server, ZIZHU)
    expect(page).to_have_url(re.compile(f"{ZIZHU}/s/method$"))
    zizhu_method(page, server, number, name, shot=shot)
    zizhu_residence(page)
    zizhu_household(page)
    zizhu_members(page)
    zizhu_property(page)
    zizhu_income(page)
    zizhu_pledge(page, photo, name, shot=shot)
