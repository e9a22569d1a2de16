"""The application page and the decisions on it: region and turn checks, reasons, double posts, the SMS."""

from __future__ import annotations

from tests.staff.checks import record_check
from tests.support.applications import APPLICANT_PHONE
from tests.support.beside import Flow
from tests.support.web import Client, act_on_page, csrf_of, sign_in


def test_the_page_shows_the_application_and_the_village_handlers_actions(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert f'href="/staff/a/{flow.id}"' in client.get("/staff/").text
    page = client.get(f"/staff/a/{flow.id}")
    assert page.status_code == 200
    assert "甘肃一键报贫" in page.text and "当前环节" in page.text and "个工作日" in page.text
    assert "139****5678" in page.text and "提交申请" in page.text and "申请人" in page.text
    assert 'id="act-accept"' in page.text and 'id="act-record_check"' in page.text
    assert 'id="act-refuse"' not in page.text


def test_a_village_handler_accepts_records_and_passes_up(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert flow.state() == ("household_check", 1, "in_progress")
    response = act_on_page(client, flow, "accept")
    assert response.status_code == 303
    assert flow.state() == ("household_check", 2, "in_progress")
    assert (APPLICANT_PHONE, "accepted") in [(phone, template) for phone, template, _ in flow.outbox()]
    assert record_check(client, flow.id, conclusion={"remarks": "入户核查，情况属实"}).status_code == 303
    assert flow.state() == ("check_answer", 3, "in_progress")
    assert act_on_page(client, flow, "pass_up", note="").status_code == 303
    assert flow.state() == ("village_review", 4, "in_progress")
    page = client.get(f"/staff/a/{flow.id}")
    assert "入户核查，情况属实" in page.text and "village" in page.text and "受理" in page.text


def test_a_township_handler_cannot_act_at_the_village_step(client: Client, flow: Flow) -> None:
    sign_in(client, "township")
    page = client.get(f"/staff/a/{flow.id}")
    assert page.status_code == 200 and 'id="act-' not in page.text
    data = {"_csrf": csrf_of(page.text), "action": "accept", "seen": "1"}
    response = client.post(f"/staff/a/{flow.id}/act", data=data)
    assert response.status_code == 403 and "村级办理人员办理" in response.text
    assert flow.state() == ("household_check", 1, "in_progress") and flow.outbox() == []


def test_staff_of_another_village_get_404(client: Client, flow: Flow) -> None:
    sign_in(client, "other")
    assert client.get(f"/staff/a/{flow.id}").status_code == 404
    inbox = client.get("/staff/")
    data = {"_csrf": csrf_of(inbox.text), "action": "accept", "seen": "1"}
    assert client.post(f"/staff/a/{flow.id}/act", data=data).status_code == 404
    assert flow.state() == ("household_check", 1, "in_progress")


def test_a_refusal_without_a_reason_is_an_error_at_the_field(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    record_check(client, flow.id)
    response = act_on_page(client, flow, "refuse", reason="")
    assert response.status_code == 422
    assert 'id="error-reason"' in response.text and "reason" in response.text
    assert flow.state() == ("check_answer", 2, "in_progress")


def test_a_refusal_sends_the_applicant_its_reason(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    record_check(client, flow.id)
    assert act_on_page(client, flow, "refuse", reason="家庭收入高于标准").status_code == 303
    assert flow.state() == ("check_answer", 3, "refused")
    assert flow.fetch(f"SELECT status FROM application WHERE id = {flow.id}") == [("refused",)]
    inbox = client.get("/staff/?view=all").text  # the inbox says so too, among the region's cases
    assert '<span class="tag done">不予纳入</span>' in inbox
    refused = [(phone, text) for phone, template, text in flow.outbox() if template == "refused"]
    assert len(refused) == 1 and refused[0][0] == APPLICANT_PHONE and "家庭收入高于标准" in refused[0][1]
    [params] = flow.outbox_params("refused")
    assert params == {"receipt": params["receipt"], "step": "村里答复", "reason": "家庭收入高于标准"}
    assert params["receipt"] in refused[0][1]  # as the text shows it
    assert "经村里答复不符合认定标准：家庭收入高于标准。" in refused[0][1]
    assert "答复农户" not in refused[0][1]  # the step's staff name stays on the staff's pages
    assert "答复农户" in client.get(f"/staff/a/{flow.id}").text


def test_the_same_decision_posted_twice_is_one_transition(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    page = client.get(f"/staff/a/{flow.id}")
    data = {"_csrf": csrf_of(page.text), "action": "accept", "seen": "1"}
    assert client.post(f"/staff/a/{flow.id}/act", data=data, follow_redirects=False).status_code == 303
    again = client.post(f"/staff/a/{flow.id}/act", data=data, follow_redirects=False)
    assert again.status_code == 409 and "已处理过" in again.text
    assert flow.state() == ("household_check", 2, "in_progress")
    assert len([m for m in flow.outbox() if m[1] == "accepted"]) == 1


def test_the_act_needs_the_csrf_token(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert client.post(f"/staff/a/{flow.id}/act", data={"action": "accept", "seen": "1"}).status_code == 403
    assert flow.state() == ("household_check", 1, "in_progress")
