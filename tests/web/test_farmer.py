"""The farmer's pages through full page loads (no JavaScript) and through htmx swaps."""

from __future__ import annotations

import gzip
import json
import re
import sqlite3
from typing import Any

import msgspec
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.settings import Settings
from tests.support.beside import count_applications
from tests.support.samples import id_number
from tests.support.zizhu_pages import (
    HOUSEHOLD,
    INCOME,
    MEMBERS,
    METHOD,
    PLEDGE,
    PROPERTY,
    RESIDENCE,
    post_section,
)

Client = TestClient[Litestar]
FORM_ID = "gansu-zizhu-2021"
BASE = f"/f/{FORM_ID}"


def fill_all(client: Client, **overrides: dict[str, Any]) -> None:
    sections = {"method": METHOD, "residence": RESIDENCE, "household": HOUSEHOLD, "members": MEMBERS,
                "property": PROPERTY, "income": INCOME, "pledge": PLEDGE}  # fmt: skip
    for section, data in sections.items():
        response = post_section(client, section, {**data, **overrides.get(section, {})})
        assert response.status_code == 303, (section, response.text[:2000])


def test_index_lists_the_forms(client: Client) -> None:
    page = client.get("/").text
    assert f'href="{BASE}"' in page and "防止返贫" in page


def test_guide_waits_sixty_seconds_before_start(new_phone: Client) -> None:
    page = new_phone.get(BASE).text
    assert 'data-wait="60"' in page and "开始申请" in page and "申请材料" in page
    assert "本页停留60秒，方可开始申请。" in page  # the seed's rule, for phones without script too


def test_unknown_form_is_a_chinese_404_page(client: Client) -> None:
    response = client.get("/f/no-such-form")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "没有找到" in response.text


def test_section_renders_hidden_questions_hidden(client: Client) -> None:
    page = client.get(f"{BASE}/s/household").text
    assert re.search(r'id="q-q9" class="q" hidden disabled', page)
    assert re.search(r'id="q-q8" class="q">', page)


def _draft_cookie(response: Any) -> str:
    (header,) = [value for value in response.headers.get_list("set-cookie") if value.startswith("sb_draft=")]
    return header


def test_a_first_visit_page_is_shared_and_revalidated(client: Client) -> None:
    """The body is the same for everyone; only the draft cookie each browser is given is its own."""
    first = client.get(f"{BASE}/s/household", headers={"accept-encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["cache-control"] == "private, no-cache"
    cookie = _draft_cookie(first)
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    token = client.cookies.get("sb_draft")
    client.cookies.delete("sb_draft")  # another phone, which opened the guide as well
    second = client.get(f"{BASE}/s/household", headers={"accept-encoding": "gzip"})
    assert second.headers["etag"] == first.headers["etag"] and second.content == first.content
    assert _draft_cookie(second).split(";")[0] != cookie.split(";")[0]  # a token of its own
    client.cookies.set("sb_draft", token)
    again = client.get(f"{BASE}/s/household", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert _draft_cookie(again).split(";")[0] == cookie.split(";")[0]  # the same token, renewed


def test_a_draft_cookie_without_a_draft_is_a_browser_that_has_not_started(
    client: Client, app: Litestar
) -> None:
    """The section page's cookie is not a draft: the guide, uploads, review and submit see no draft."""
    client.get(f"{BASE}/s/household")
    token = client.cookies.get("sb_draft")
    assert token
    guide = client.get(BASE).text
    assert "继续填写上次的申请" not in guide
    upload = client.post(
        f"/widgets/photo/upload?f={FORM_ID}", files={"file": ("a.png", b"not a picture", "image/png")}
    )
    assert upload.status_code == 409 and "图片还没有保存" in upload.text
    submit = client.post(f"{BASE}/submit", follow_redirects=False)
    assert submit.status_code == 303 and submit.headers["location"] == BASE
    review = client.get(f"{BASE}/review")
    assert review.status_code == 200 and 'id="submit"' not in review.text
    # Before the guide's wait is over, the cookie does not let a browser past it either.
    with TestClient(app, base_url="http://127.0.0.1", cookies={"sb_draft": token}) as fresh:
        page = fresh.get(f"{BASE}/s/household")
        assert page.status_code == 200 and 'id="q-q8"' not in page.text


def test_a_page_with_a_draft_is_never_cached(client: Client) -> None:
    client.post(f"{BASE}/s/household/answer", data={"_q": ["q8"], "q8": "yes"})
    page = client.get(f"{BASE}/s/household", headers={"accept-encoding": "gzip"})
    assert page.headers["cache-control"] == "no-store" and "etag" not in page.headers
    assert re.search(r'id="q-q9" class="q">', page.text)


def test_an_answer_swaps_in_only_what_changed(client: Client) -> None:
    client.get(f"{BASE}/s/household")
    response = client.post(
        f"{BASE}/s/household/answer", data={"_q": ["q8", "q9", "q10", "q11", "q12"], "q8": "yes"}
    )
    assert response.status_code == 200
    html = response.text
    assert 'id="q-q9" class="q" hx-swap-oob="true"' in html  # shown now
    assert 'id="q-q10"' not in html  # was hidden, stays hidden
    assert 'id="q-q11"' not in html  # unchanged
    assert 'id="progress"' in html
    assert len(gzip.compress(response.content)) < 3000


def test_the_swap_shows_an_error_at_once(client: Client) -> None:
    response = client.post(f"{BASE}/s/household/answer", data={"_q": ["q12"], "q12": "太短了"})
    assert 'id="e-q12"' in response.text and "10到200个字" in response.text


def test_next_without_javascript_shows_the_new_question_as_missing(client: Client) -> None:
    response = post_section(
        client, "household", {"_q": ["q8", "q11", "q12"], "q8": "yes", "q11": ["illness"]}
    )
    assert response.status_code == 422
    assert re.search(r'id="q-q9" class="q">', response.text)
    assert "第9题还没有回答" in response.text


def test_the_draft_survives_a_closed_tab(client: Client, app: Litestar) -> None:
    post_section(client, "method", METHOD)
    cookie = client.cookies.get("sb_draft")
    with TestClient(app, base_url="http://127.0.0.1", cookies={"sb_draft": cookie}) as reopened:
        guide = reopened.get(BASE).text
        assert "继续填写上次的申请" in guide and f"{BASE}/s/residence" in guide
        assert 'value="张三"' in reopened.get(f"{BASE}/s/method").text


def test_full_declaration_to_the_receipt(client: Client, settings: Settings) -> None:
    fill_all(client)
    review = client.get(f"{BASE}/review").text
    assert "张三" in review and "农业户籍" in review and 'id="submit"' in review
    response = client.post(f"{BASE}/submit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/r/")
    receipt = client.get(response.headers["location"]).text
    assert "回执号" in receipt
    assert count_applications(settings) == 1


def test_a_double_tap_on_submit_stores_one_application(client: Client, settings: Settings) -> None:
    fill_all(client)
    cookie = client.cookies.get("sb_draft")
    first = client.post(f"{BASE}/submit", follow_redirects=False)
    client.cookies.set("sb_draft", cookie)  # the second tap left before the first answer set a new cookie
    second = client.post(f"{BASE}/submit", follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert count_applications(settings) == 1


def test_non_agricultural_household_reaches_q48_and_nothing_is_stored(
    client: Client, settings: Settings
) -> None:
    post_section(client, "method", METHOD)
    response = post_section(client, "residence", {"_q": ["q5", "q6", "q7"], "q5": "non_agri"})
    assert response.headers["location"] == f"{BASE}/review"
    review = client.get(f"{BASE}/review").text
    assert "非农业户籍不能申请" in review and 'id="submit"' not in review
    assert client.post(f"{BASE}/submit", follow_redirects=False).status_code == 422
    assert count_applications(settings) == 0


def test_policy_mismatch_reaches_q49_then_signs_and_is_stored_flagged(
    client: Client, settings: Settings
) -> None:
    sections = {"method": METHOD, "residence": RESIDENCE, "household": HOUSEHOLD, "members": MEMBERS,
                "property": PROPERTY, "income": INCOME}  # fmt: skip
    for section, data in sections.items():
        assert post_section(client, section, data).status_code == 303, section
    flagged = {**PROPERTY, "q26": "yes"}  # the farmer goes back: a relative is a civil servant
    swap = client.post(f"{BASE}/s/property/answer", data=flagged).text
    assert "我们仍然记录您的申请" in swap and "请点“下一步”接着填写" in swap
    assert '<button class="btn" type="submit" name="nav" value="next">下一步</button>' in swap
    response = post_section(client, "property", flagged)
    assert response.headers["location"] == f"{BASE}/s/pledge"  # on to the pledge, not to the review
    pledge = client.get(f"{BASE}/s/pledge").text
    assert "我们仍然记录您的申请" in pledge and "诚信承诺书" in pledge and 'id="q-q45" class="q">' in pledge
    review = client.get(f"{BASE}/review").text
    assert "第45题还没有回答" in review and "第46题还没有回答" in review and 'id="submit"' not in review
    assert client.post(f"{BASE}/submit", follow_redirects=False).status_code == 422

    assert post_section(client, "pledge", PLEDGE).headers["location"] == f"{BASE}/review"
    review = client.get(f"{BASE}/review").text
    assert "我们仍然记录您的申请" in review and 'id="submit"' in review
    assert client.post(f"{BASE}/submit", follow_redirects=False).status_code == 303
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        flags, outcome, stored = connection.execute(
            "SELECT flags, outcome_id, answers FROM application"
        ).fetchone()
    answers = json.loads(stored)
    assert json.loads(flags) == ["policy_mismatch"] and outcome == "q49"
    assert answers["q45"][0]["name"] == "张三" and answers["q46"]["type"] == "image/jpeg"
    # What lies between the jump (q26) and the pledge (q45) is not stored, though the draft had it.
    assert not {"q27", "q31", "q32", "q33", "q44"} & set(answers)


def test_a_qr_code_village_is_carried_to_the_address_question(client: Client) -> None:
    village = "620102001001"  # 畅家巷社区居委会, 酒泉路街道, 兰州市城关区
    guide = client.get(f"{BASE}?region={village}").text
    assert f'href="{BASE}/s/method?region={village}"' in guide
    method = client.get(f"{BASE}/s/method?region={village}").text
    assert f'<input type="hidden" name="_region" value="{village}">' in method
    response = post_section(client, "method", {**METHOD, "_region": village})
    assert response.headers["location"] == f"{BASE}/s/residence?region={village}"
    residence = client.get(response.headers["location"]).text
    assert "已按您扫的二维码选好了地址" in residence
    picker = re.search(r'id="i-q6-village".*?</select>', residence, re.S)
    assert picker and re.findall(r'<option value="(\d+)" selected>', picker.group(0)) == [village]
    # A no-script "选好了" keeps it on the page; once q6 is answered the draft's answer wins.
    stay = post_section(
        client, "residence", {"_q": ["q5", "q6", "q7"], "q5": "agri", "_region": village}, "stay"
    )
    assert f'name="_region" value="{village}"' in stay.text and "已按您扫的二维码选好了地址" in stay.text
    answered = post_section(client, "residence", {**RESIDENCE, "q6": "620102001002", "_region": village})
    assert answered.headers["location"] == f"{BASE}/s/household"  # answered: no QR code's village to carry
    assert "已按您扫的二维码" not in client.get(f"{BASE}/s/residence?region={village}").text


def test_a_malformed_qr_region_is_not_carried(client: Client) -> None:
    method = client.get(f"{BASE}/s/method?region=62%22%3E%3Cscript%3E").text
    assert 'name="_region"' not in method
    response = post_section(client, "method", {**METHOD, "_region": "6201<b>"})
    assert response.headers["location"] == f"{BASE}/s/residence"


def test_hidden_answers_are_not_stored(client: Client, settings: Settings) -> None:
    fill_all(client)
    # The farmer goes back and says nobody else lives with them: question 9's ticks must not be stored.
    post_section(client, "household", {"_q": ["q8", "q10", "q11", "q12"], "q8": "no", "q10": ["chronic"],
                                       "q11": ["illness"]})  # fmt: skip
    post_section(
        client,
        "members",
        {**MEMBERS, "q13": "1", "q14": ["age_18_60"], "q16": "1", "_q": ["q13", "q14", "q16", "q20"]},
    )
    assert client.post(f"{BASE}/submit", follow_redirects=False).status_code == 303
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        answers = json.loads(connection.execute("SELECT answers FROM application").fetchone()[0])
    assert "q9" not in answers and answers["q10"] == ["chronic"] and "q15" not in answers


def test_household_size_mismatch_blocks_next_at_q13(client: Client) -> None:
    response = post_section(client, "members", {**MEMBERS, "q13": "5"})
    assert response.status_code == 422
    error = re.search(r'<div id="e-q13" class="err" role="alert">(.*?)</div>', response.text, re.S)
    assert error and "第13题" in error.group(1)


def test_labels_come_in_the_language_asked_for(tmp_path: Any) -> None:
    """A pack may give labels in other languages (Tibetan for Gannan); Chinese is the fallback."""
    from pathlib import Path

    from shenbao.app import create_app
    from tests.support.web import migrated_settings

    pack = Path(tmp_path) / "packs" / "gannan" / "forms"
    pack.mkdir(parents=True)
    definition = {
        "id": "gannan-demo", "version": 1, "title": {"zh": "申报", "bo": "ཞུ་གཏུག"},
        "sections": [{"id": "s1", "title": "第一页", "questions": [
            {"type": "single_choice", "id": "q1", "label": {"zh": "您的户籍性质", "bo": "ཐེམ་ཐོ།"},
             "options": [{"value": "agri", "label": {"zh": "农业户籍", "bo": "ཞིང་པ།"}}, {"value": "other", "label": "其他"}]},
        ]}],
    }  # fmt: skip
    (pack / "gannan-demo.json").write_text(json.dumps(definition, ensure_ascii=False), encoding="utf-8")
    manifest = {"code": "gannan", "name": "甘南", "version": 1, "province": "62", "sms_sign": "甘南申报"}
    (pack.parent / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    settings = msgspec.structs.replace(
        migrated_settings(Path(tmp_path)), packs=("gannan",), form_defs=pack.parent.parent
    )
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        tibetan = client.get("/f/gannan-demo/s/s1?lang=bo")
        assert "ཐེམ་ཐོ།" in tibetan.text and "ཞིང་པ།" in tibetan.text and "其他" in tibetan.text
        assert '<html lang="bo">' in tibetan.text
        assert "ཐེམ་ཐོ།" in client.get("/f/gannan-demo/s/s1").text  # remembered
        assert "您的户籍性质" in client.get("/f/gannan-demo/s/s1?lang=zh").text


def test_the_farmers_photo_prompt_asks_for_their_own_photo(client: Client) -> None:
    page = client.get(f"{BASE}/s/pledge").text
    assert "请用手机相机当场拍一张您的照片。" in page


def _blank_box(html: str, box_id: str) -> str:
    match = re.search(rf'<div id="{box_id}" class="err" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert match, box_id
    return match.group(1)


def test_a_wrong_id_number_blank_is_outlined_with_its_message_right_under_it(client: Client) -> None:
    wrong = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    response = post_section(client, "method", {**METHOD, "q4.id_number": wrong})
    assert response.status_code == 422
    html = response.text
    blank = re.search(r'<input [^>]*id="i-q4-id_number"[^>]*>\s*(<div id="e-q4-id_number"[^>]*>)', html)
    assert blank, "the ID number's message box follows its input"
    assert 'aria-invalid="true" aria-describedby="e-q4-id_number"' in blank.group(0)
    assert "第18位校验码不对" in _blank_box(html, "e-q4-id_number")
    assert "校验码" not in _blank_box(html, "e-q4")  # not under the phone's code field
    assert re.search(r'<input [^>]*id="i-q4-phone"[^>]*>', html).group(0).count("aria-invalid") == 0  # type: ignore[union-attr]


def test_the_swap_marks_and_clears_the_wrong_blank_out_of_band(client: Client) -> None:
    wrong = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    data = {**METHOD, "q4.id_number": wrong}
    del data["q4.phone"]
    swap = client.post(f"{BASE}/s/method/answer", data=data).text
    assert 'id="e-q4-id_number" class="err" role="alert" data-for="i-q4-id_number" hx-swap-oob="true"' in swap
    assert "第18位校验码不对" in _blank_box(swap, "e-q4-id_number") and _blank_box(swap, "e-q4") == ""
    fixed = client.post(f"{BASE}/s/method/answer", data={**data, "q4.id_number": id_number()}).text
    assert _blank_box(fixed, "e-q4-id_number") == ""  # the script clears the outline with the message


def test_the_2023_id_number_is_outlined_and_its_message_sits_under_it(client: Client) -> None:
    wrong = id_number()[:-1] + ("1" if id_number()[-1] != "1" else "2")
    html = client.post(
        "/f/gansu-yijian-2023/s/applicant",
        data={"_q": ["name", "id_number"], "name": "张三", "id_number": wrong, "nav": "next"},
    ).text
    blank = re.search(
        r'<input [^>]*id="i-id_number"[^>]*>\s*<div id="e-id_number"[^>]*>(.*?)</div>', html, re.S
    )
    assert blank and 'aria-invalid="true" aria-describedby="e-id_number"' in blank.group(0)
    assert "第18位校验码不对" in blank.group(1) and 'data-for="i-id_number"' in blank.group(0)
    assert "aria-invalid" not in re.search(r'<input [^>]*id="i-name"[^>]*>', html).group(0)  # type: ignore[union-attr]


def test_a_resumed_draft_offers_to_start_again_and_asks_first(client: Client) -> None:
    post_section(client, "method", METHOD)
    guide = client.get(BASE).text
    assert f'id="restart" href="{BASE}/restart">重新填写</a>' in guide and 'id="resume"' in guide
    confirm = client.get(f"{BASE}/restart")
    assert confirm.status_code == 200
    assert "已经回答了2题" in confirm.text and "不能恢复" in confirm.text  # q1 and q4 so far
    assert (
        f'<form method="post" action="{BASE}/restart"' in confirm.text
        and "确定清空，重新填写" in confirm.text
    )
    assert f'href="{BASE}/s/residence">不清空，继续填写上次的申请' in confirm.text
    assert 'value="张三"' in client.get(f"{BASE}/s/method").text  # asking cleared nothing


def test_confirming_clears_the_draft_and_starts_at_the_first_page(client: Client) -> None:
    post_section(client, "method", METHOD)
    response = client.post(f"{BASE}/restart", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{BASE}/s/method"
    assert 'value="张三"' not in client.get(f"{BASE}/s/method").text
    guide = client.get(BASE).text
    assert 'id="start"' in guide and 'id="resume"' not in guide and 'id="restart"' not in guide
    assert client.get(f"{BASE}/restart", follow_redirects=False).headers["location"] == BASE  # nothing left


def test_starting_again_keeps_the_draft_of_the_other_form(client: Client) -> None:
    post_section(client, "method", METHOD)
    other = "/f/gansu-yijian-2023"
    client.post(f"{other}/s/applicant", data={"_q": ["name"], "name": "李四", "nav": "stay"})
    client.post(f"{BASE}/restart")
    assert 'value="李四"' in client.get(f"{other}/s/applicant").text
    assert 'id="resume"' in client.get(other).text


def test_starting_again_without_a_draft_just_opens_the_first_page(client: Client) -> None:
    response = client.post(f"{BASE}/restart", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == f"{BASE}/s/method"
