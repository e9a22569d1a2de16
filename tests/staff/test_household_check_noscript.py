"""The household check on a handler's old phone without script, as its pages post: the place by the drop-downs,
the house photo with the form (multipart), the family's names typed. The pages speak to the handler at the visit,
not to the farmer, and the review names the step the chain moves on to."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.staff.checks import CONCLUSION, COUNT, fill_check
from tests.support.applications import YIJIAN, ZIZHU
from tests.support.beside import Flow
from tests.support.images import jpeg_bytes
from tests.support.web import Client, csrf_of, sign_in

PLACE = {
    "visit_place.city": "6201",
    "visit_place.county": "620102",
    "visit_place.township": "620102001",
    "visit_place.village": "620102001001",
}
"""兰州市 城关区 酒泉路街道 畅家巷社区居委会, chosen in the drop-downs that stand in for the location."""
LOOK = {"_q": ["visit_place", "housing", "seen", "house_photo"], "visit_place.lat": "", "visit_place.lng": "",
        "visit_place.acc": "", **PLACE, "housing": "unsafe", "seen": ["disaster_damage"], "house_photo": ""}  # fmt: skip
VERIFY = {"_q": ["documents", "disqualifying", "authorisation"], "documents": ["hukou", "id_cards"],
          "disqualifying": ["none"], "authorisation.typed_name": "李四",
          "authorisation.typed_members": "李小四\n王芳"}  # fmt: skip
"""The verify page as posted without script: the household's names typed in place of the finger signatures."""


def _post(client: Client, flow: Flow, section: str, data: dict[str, Any], csrf: str, **files: Any) -> Any:
    """Post one section as the phone without script does: with its button, multipart when it holds a file."""
    return client.post(
        f"/staff/a/{flow.id}/check/s/{section}",
        data={**data, "_csrf": csrf, "nav": "next"},
        files=[(name, value) for name, value in files.items()] or None,
        follow_redirects=False,
    )


def test_the_check_is_recorded_without_script(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    look = client.get(f"/staff/a/{flow.id}/check/s/look").text
    # The location's drop-downs are there (without script nothing else is), asking for the farmer's place.
    assert 'name="visit_place.city"' in look and "请选择农户家所在的地方" in look
    assert "请选择您现在住的地方" not in look
    assert (
        'enctype="multipart/form-data"' in look and 'type="file" class="cam-file" name="house_photo"' in look
    )
    csrf = csrf_of(look)
    photo = ("house.jpg", jpeg_bytes(), "image/jpeg")
    saved = _post(client, flow, "look", LOOK, csrf, house_photo=photo)
    assert saved.status_code == 303 and saved.headers["location"].endswith("/check/s/count"), saved.text[:800]
    assert _post(client, flow, "count", COUNT, csrf).status_code == 303

    verify = client.get(f"/staff/a/{flow.id}/check/s/verify").text
    note = re.search(r'<p class="sig-note">(.*?)</p>', verify)
    assert (
        note
        and note.group(1)
        == "这部手机的浏览器不能手写签名。请写下签名人的姓名，再请他们当场在纸质材料上签字。"
    )
    assert "村干部入户核查时请您当面签字" not in verify  # the farmer's words, not the handler's
    assert _post(client, flow, "verify", VERIFY, csrf).status_code == 303
    assert _post(client, flow, "conclusion", CONCLUSION, csrf).status_code == 303

    review = client.get(f"/staff/a/{flow.id}/check/review").text
    assert "畅家巷社区居委会" in review and 'id="t-house_photo"' in review
    assert "李四、李小四、王芳（共3人）" in review
    done = client.post(f"/staff/a/{flow.id}/check/submit", data={"_csrf": csrf}, follow_redirects=False)
    assert done.status_code == 303 and flow.state() == ("check_answer", 2, "in_progress")
    page = client.get(f"/staff/a/{flow.id}").text
    assert 'id="check-answers-t-house_photo"' in page and "李小四" in page and "畅家巷社区居委会" in page


@pytest.mark.parametrize(
    ("flow", "next_step"),
    [(YIJIAN, "答复农户"), (ZIZHU, "核查结果告知")],
    indirect=["flow"],
    ids=["2023", "2021"],
)
def test_the_review_names_the_chains_own_next_step(client: Client, flow: Flow, next_step: str) -> None:
    sign_in(client, "village")
    fill_check(client, flow.id)
    review = client.get(f"/staff/a/{flow.id}/check/review").text
    assert f"保存后，这份申请进入下一环节：{next_step}。" in review
