"""The household check filled on the handler's phone: its sections, its review, saving it once, who may."""

from __future__ import annotations

from tests.staff.checks import COUNT, fill_check, post_check
from tests.support.beside import Flow
from tests.support.web import Client, csrf_of, sign_in


def test_the_application_page_leads_to_the_check_form_not_a_text_box(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    page = client.get(f"/staff/a/{flow.id}").text
    assert f'href="/staff/a/{flow.id}/check"' in page and "填写入户核查表" in page
    assert 'name="summary"' not in page


def test_a_village_handler_fills_the_check_and_the_chain_moves_on(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    csrf = fill_check(client, flow.id)
    review = client.get(f"/staff/a/{flow.id}/check/review")
    assert review.status_code == 200 and "保存核查结果" in review.text and "不安全" in review.text
    assert flow.state() == ("household_check", 1, "in_progress")  # nothing recorded before saving
    saved = client.post(f"/staff/a/{flow.id}/check/submit", data={"_csrf": csrf}, follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/staff/a/{flow.id}"
    assert flow.state() == ("check_answer", 2, "in_progress")
    page = client.get(f"/staff/a/{flow.id}").text
    assert 'id="check"' in page and "入户核查" in page and "不安全（C级或D级危房）" in page
    assert "李四" in page and 'id="check-answers-t-house_photo"' in page  # signatures and the photo
    assert 'id="act-pass_up"' in page and 'id="act-refuse"' in page
    # A second tap on 保存 records nothing more and lands on the application.
    again = client.post(f"/staff/a/{flow.id}/check/submit", data={"_csrf": csrf}, follow_redirects=False)
    assert again.status_code == 303 and flow.state() == ("check_answer", 2, "in_progress")


def test_a_missing_answer_keeps_the_handler_on_the_section_with_a_message(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    csrf = csrf_of(client.get(f"/staff/a/{flow.id}/check/s/conclusion").text)
    response = post_check(
        client, flow.id, "conclusion", {"_q": ["meets_standard", "reason"], "meets_standard": "no"}, csrf
    )
    assert response.status_code == 422 and "不符合的原因" in response.text
    saved = client.post(f"/staff/a/{flow.id}/check/submit", data={"_csrf": csrf}, follow_redirects=False)
    assert saved.status_code == 422 and "还有" in saved.text  # the review lists what is missing
    assert flow.state() == ("household_check", 1, "in_progress")


def test_the_draft_survives_a_lost_connection(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    csrf = csrf_of(client.get(f"/staff/a/{flow.id}/check").text)
    assert post_check(client, flow.id, "count", COUNT, csrf).status_code == 303
    reopened = client.get(f"/staff/a/{flow.id}/check", follow_redirects=False)
    assert reopened.headers["location"].endswith("/check/s/verify")  # where the handler left it
    assert 'value="8000"' in client.get(f"/staff/a/{flow.id}/check/s/count").text


def test_the_check_cannot_be_recorded_as_a_bare_text(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    page = client.get(f"/staff/a/{flow.id}")
    data = {"_csrf": csrf_of(page.text), "action": "record_check", "seen": "1", "summary": "看过了，情况属实"}
    response = client.post(f"/staff/a/{flow.id}/act", data=data)
    assert response.status_code == 403 and "核查表" in response.text
    assert flow.state() == ("household_check", 1, "in_progress")


def test_only_the_village_handler_may_fill_it(client: Client, flow: Flow) -> None:
    sign_in(client, "township")
    assert client.get(f"/staff/a/{flow.id}/check/s/look").status_code == 403
    inbox = client.get("/staff/")
    response = post_check(client, flow.id, "count", COUNT, csrf_of(inbox.text))
    assert response.status_code == 403
    client.cookies.clear()
    sign_in(client, "other")  # a handler of another village: the application is not theirs
    assert client.get(f"/staff/a/{flow.id}/check/s/look").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    response = client.post(f"/staff/a/{flow.id}/check/s/count", data={**COUNT, "nav": "next"})
    assert response.status_code == 403
    assert client.post(f"/staff/a/{flow.id}/check/submit", data={}).status_code == 403


def test_signed_out_the_check_asks_to_sign_in(client: Client, flow: Flow) -> None:
    response = client.get(f"/staff/a/{flow.id}/check/s/look", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/staff/login"


def test_the_photo_prompt_asks_for_the_house_not_the_farmer(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    page = client.get(f"/staff/a/{flow.id}/check/s/look").text
    assert "请用手机相机当场拍一张房屋的照片。" in page and "拍一张您的照片" not in page
    # the back camera first, aimed at the house, with script and without
    assert 'data-facing="environment" data-aim="请把镜头对准房屋，然后点“拍照”。"' in page
    assert 'capture="environment"' in page and 'alt="房屋的照片"' in page and "脸" not in page
