"""The JSON API under /api/v1, as DESIGN.md's contracts describe it."""

from __future__ import annotations

import sqlite3
from concurrent.futures import ThreadPoolExecutor

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.settings import Settings
from tests.support.beside import count_applications, last_code
from tests.support.samples import household_2021, one_click_2023
from tests.support.web import verify_by_api

Client = TestClient[Litestar]
FORM = "/api/v1/forms/gansu-zizhu-2021"


def test_lists_the_published_forms(client: Client) -> None:
    forms = client.get("/api/v1/forms").json()
    assert {form["id"] for form in forms} == {"gansu-zizhu-2021", "gansu-yijian-2023"}
    assert all(form["version"] >= 1 and form["title"] for form in forms)


def test_form_view_is_normalised(client: Client) -> None:
    form = client.get(FORM).json()
    assert (form["id"], form["version"]) == ("gansu-zizhu-2021", 1)
    questions = {question["id"]: question for question in form["questions"]}
    seed = [f"q{number}" for number in range(1, 48)]
    assert list(questions) == [*seed[:46], "materials", seed[46]]  # the unnumbered upload before q47
    assert questions["materials"]["type"] == "upload" and questions["materials"]["required"] is False
    q5 = questions["q5"]
    assert q5["type"] == "single_choice" and q5["required"] is True and q5["label"] == "您的户籍性质"
    assert q5["options"][0] == {"value": "agri", "label": "农业户籍"}
    assert questions["q12"]["options"] == []


def test_form_view_leaves_out_the_forms_scenarios(client: Client) -> None:
    """A form file's scenarios are its admins' tests: the API's view of the form never carries them."""
    response = client.get(FORM)
    assert "scenarios" not in response.json()
    assert "家里除本人还有其他人" not in response.text  # a scenario's name
    assert "620123101203" not in response.text  # a scenario's answer


def test_unknown_form_is_a_json_404(client: Client) -> None:
    response = client.get("/api/v1/forms/no-such-form")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert "no-such-form" in response.json()["detail"]


@pytest.mark.parametrize(
    ("answers", "visible", "hidden"),
    [
        pytest.param({"q8": "yes"}, ["q9"], ["q10"], id="q8-yes-shows-q9"),
        pytest.param({"q8": "no"}, ["q10"], ["q9"], id="q8-no-shows-q10"),
        pytest.param({"q1": "proxy"}, ["q2", "q3"], [], id="proxy-shows-q2-q3"),
    ],
)
def test_evaluate_reports_visibility(client: Client, answers: dict, visible: list, hidden: list) -> None:
    response = client.post(f"{FORM}/evaluate", json={"answers": answers})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"visible", "errors", "missing", "outcome"}
    assert all(question in body["visible"] for question in visible)
    assert not any(question in body["visible"] for question in hidden)


def test_evaluate_reports_the_blocked_outcome(client: Client) -> None:
    body = client.post(f"{FORM}/evaluate", json={"answers": {"q5": "non_agri"}}).json()
    assert body["outcome"]["id"] == "q48" and body["outcome"]["kind"] == "blocked"
    assert "非农业户籍" in body["outcome"]["message"]
    assert "q6" not in body["visible"]


def test_evaluate_names_the_question_in_errors(client: Client) -> None:
    body = client.post(f"{FORM}/evaluate", json={"answers": {"q5": "martian", "q12": "太短"}}).json()
    assert body["errors"]["q5"] == ["第5题：所选的“martian”不在选项里，请从给出的选项中选择"]
    assert "10到200个字" in body["errors"]["q12"][0] and "2个字" in body["errors"]["q12"][0]


def test_malformed_json_is_a_400_naming_the_problem(client: Client) -> None:
    response = client.post(
        f"{FORM}/evaluate", content=b'{"answers": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"]


def test_answers_must_be_an_object(client: Client) -> None:
    response = client.post(f"{FORM}/evaluate", json={"answers": ["q1"]})
    assert response.status_code == 400
    assert "answers" in str(response.json())


def test_submit_stores_once_per_idempotency_key(client: Client, settings: Settings) -> None:
    headers = {"Idempotency-Key": "retry-me-0001"}
    verify_by_api(client, "gansu-zizhu-2021", "retry-me-0001", "13800138000")
    first = client.post(f"{FORM}/submissions", json={"answers": household_2021()}, headers=headers)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["status"] == "submitted" and body["flags"] == [] and len(body["receipt_number"]) == 12
    again = client.post(f"{FORM}/submissions", json={"answers": household_2021()}, headers=headers)
    assert again.status_code == 201
    assert again.json() == body
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_applications(settings) == 1


def test_a_key_reused_with_other_answers_is_refused_and_nothing_is_dropped_silently(
    client: Client, settings: Settings
) -> None:
    headers = {"Idempotency-Key": "retry-me-0002"}
    verify_by_api(client, "gansu-zizhu-2021", "retry-me-0002", "13800138000")
    first = client.post(f"{FORM}/submissions", json={"answers": household_2021()}, headers=headers)
    assert first.status_code == 201, first.text
    changed = client.post(f"{FORM}/submissions", json={"answers": household_2021(q44="yes")}, headers=headers)
    assert changed.status_code == 409
    assert "内容不同" in changed.json()["detail"] and "换一个新的键" in changed.json()["detail"]
    assert count_applications(settings) == 1


def test_simultaneous_submissions_under_one_key_store_one_and_refuse_the_other_answers(
    client: Client, settings: Settings
) -> None:
    """Eight at once, half with other answers: one application; its answers replay, the others get 409."""
    key = "race-key-0001"
    verify_by_api(client, "gansu-zizhu-2021", key, "13800138000")
    bodies = [household_2021(q44="no" if index % 2 else "yes") for index in range(8)]

    def submit(answers: dict[str, object]) -> tuple[str, int, dict[str, object]]:
        response = client.post(
            f"{FORM}/submissions", json={"answers": answers}, headers={"Idempotency-Key": key}
        )
        return str(answers["q44"]), response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(submit, bodies))
    stored = {body["receipt_number"] for _, status, body in results if status == 201}
    assert len(stored) == 1 and count_applications(settings) == 1
    winner = next(q44 for q44, status, _ in results if status == 201)
    assert sorted(status for q44, status, _ in results if q44 == winner) == [201] * 4
    assert [status for q44, status, _ in results if q44 != winner] == [409] * 4


def test_a_key_of_one_form_is_not_a_key_of_another(client: Client, settings: Settings) -> None:
    """The same client key on the 2023 form and then on the 2021 form makes two applications."""
    key = "shared-key-0001"
    verify_by_api(client, "gansu-yijian-2023", key, "13912345678")
    one_click = client.post(
        "/api/v1/forms/gansu-yijian-2023/submissions",
        json={"answers": one_click_2023()},
        headers={"Idempotency-Key": key},
    )
    assert one_click.status_code == 201, one_click.text
    verify_by_api(client, "gansu-zizhu-2021", key, "13800138000")
    declaration = client.post(
        f"{FORM}/submissions", json={"answers": household_2021()}, headers={"Idempotency-Key": key}
    )
    assert declaration.status_code == 201, declaration.text
    assert "Idempotent-Replayed" not in declaration.headers
    assert declaration.json()["receipt_number"] != one_click.json()["receipt_number"]
    assert count_applications(settings) == 2


def test_submit_without_idempotency_key_is_refused(client: Client, settings: Settings) -> None:
    response = client.post(f"{FORM}/submissions", json={"answers": household_2021()})
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert count_applications(settings) == 0


def test_submit_with_missing_answers_is_422(client: Client, settings: Settings) -> None:
    response = client.post(
        f"{FORM}/submissions",
        json={"answers": household_2021(q13=None, q5="x")},
        headers={"Idempotency-Key": "k-0000001"},
    )
    assert response.status_code == 422
    body = response.json()
    assert "q13" in body["missing"] and "q5" in body["errors"]
    assert count_applications(settings) == 0


def test_household_size_mismatch_is_422_at_q13(client: Client) -> None:
    response = client.post(
        f"{FORM}/submissions",
        json={"answers": household_2021(q13=5)},
        headers={"Idempotency-Key": "k-0000002"},
    )
    assert response.status_code == 422
    assert response.json()["errors"]["q13"][0].startswith("第13题：共同居住的家庭成员选了5人，但第15到19题")


def test_non_agricultural_household_is_refused_and_nothing_stored(client: Client, settings: Settings) -> None:
    response = client.post(
        f"{FORM}/submissions",
        json={"answers": household_2021(q5="non_agri")},
        headers={"Idempotency-Key": "k-0000003"},
    )
    assert response.status_code == 422
    assert response.json()["outcome"]["id"] == "q48"
    assert count_applications(settings) == 0


def test_policy_mismatch_is_stored_flagged(client: Client, settings: Settings) -> None:
    verify_by_api(client, "gansu-zizhu-2021", "k-0000004", "13800138000")
    response = client.post(
        f"{FORM}/submissions",
        json={"answers": household_2021(q26="yes")},
        headers={"Idempotency-Key": "k-0000004"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["flags"] == ["policy_mismatch"]
    assert count_applications(settings) == 1


def test_a_policy_mismatch_still_needs_the_signature_and_the_photo(
    client: Client, settings: Settings
) -> None:
    verify_by_api(client, "gansu-zizhu-2021", "k-0000014", "13800138000")
    response = client.post(
        f"{FORM}/submissions",
        json={"answers": household_2021(q26="yes", q45=None, q46=None)},
        headers={"Idempotency-Key": "k-0000014"},
    )
    assert response.status_code == 422
    assert response.json()["missing"] == ["q45", "q46"] and response.json()["outcome"]["id"] == "q49"
    assert count_applications(settings) == 0


def test_the_2023_form_submits(client: Client) -> None:
    verify_by_api(client, "gansu-yijian-2023", "k-0000005", "13912345678")
    response = client.post(
        "/api/v1/forms/gansu-yijian-2023/submissions",
        json={"answers": one_click_2023()},
        headers={"Idempotency-Key": "k-0000005"},
    )
    assert response.status_code == 201, response.text


def test_an_unverified_phone_cannot_be_submitted(client: Client, settings: Settings) -> None:
    verify_by_api(client, "gansu-zizhu-2021", "another-key-1", "13800138000")  # another submission's code
    response = client.post(
        f"{FORM}/submissions", json={"answers": household_2021()}, headers={"Idempotency-Key": "k-0000006"}
    )
    assert response.status_code == 422
    assert response.json()["errors"]["q4"] == [
        "第4题：手机号码138****8000还没有验证，请点“发送验证码”，把短信里的6位数字填进“短信验证码”，再点“验证”"
    ]
    assert count_applications(settings) == 0


def test_a_phone_swapped_after_verification_is_refused(client: Client) -> None:
    verify_by_api(client, "gansu-zizhu-2021", "k-0000007", "13800138000")
    swapped = household_2021(
        q4={"name": "张三", "id_number": household_2021()["q4"]["id_number"], "phone": "13900139000"}
    )
    response = client.post(
        f"{FORM}/submissions", json={"answers": swapped}, headers={"Idempotency-Key": "k-0000007"}
    )
    assert response.status_code == 422 and "139****9000还没有验证" in response.json()["errors"]["q4"][0]


def test_a_wrong_code_says_how_many_tries_are_left(client: Client, settings: Settings) -> None:
    headers = {"Idempotency-Key": "k-0000008"}
    client.post(f"{FORM}/phone-codes", json={"phone": "13800138000"}, headers=headers)
    wrong = "000000" if last_code(settings, "13800138000") != "000000" else "111111"
    response = client.post(
        f"{FORM}/phone-codes/verify", json={"phone": "13800138000", "code": wrong}, headers=headers
    )
    assert response.status_code == 422 and response.json()["detail"] == "验证码不对，还可以再试4次"


def test_the_openapi_document_describes_the_api(client: Client) -> None:
    paths = client.get("/api/schema/openapi.json").json()["paths"]
    assert {"/api/v1/forms", "/api/v1/forms/{form_id}", "/api/v1/forms/{form_id}/evaluate",
            "/api/v1/forms/{form_id}/submissions"} <= set(paths)  # fmt: skip
    assert not any(path.startswith("/f/") for path in paths)


def test_a_hundred_simultaneous_code_guesses_get_five_tries(client: Client, settings: Settings) -> None:
    headers, phone = {"Idempotency-Key": "guessing-key-0001"}, "13912345678"
    sent = client.post(f"{FORM}/phone-codes", json={"phone": phone}, headers=headers)
    assert sent.status_code == 202, sent.text
    right = last_code(settings, phone)
    wrong = "000000" if right != "000000" else "111111"

    def guess(_: int) -> int:
        body = {"phone": phone, "code": wrong}
        return client.post(f"{FORM}/phone-codes/verify", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        assert set(pool.map(guess, range(100))) == {422}
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT attempts FROM otp_challenge").fetchall() == [(5,)]
    late = client.post(f"{FORM}/phone-codes/verify", json={"phone": phone, "code": right}, headers=headers)
    assert late.status_code == 422 and "错了5次" in late.text
