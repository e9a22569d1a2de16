"""The household check as a village handler fills it on the phone, for the staff tests."""

from __future__ import annotations

import json
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from tests.support.samples import photo, signers
from tests.support.web import csrf_of

Client = TestClient[Litestar]

LOOK = {"_q": ["visit_place", "housing", "seen", "house_photo"], "visit_place.lat": "36.06",
        "visit_place.lng": "103.83", "visit_place.acc": "15", "housing": "unsafe", "seen": ["sick_in_bed"],
        "house_photo": photo()}  # fmt: skip
COUNT = {
    "_q": ["members", "income", "rigid_expenses"],
    "members": "4",
    "income": "8000",
    "rigid_expenses": "12000",
}
VERIFY = {"_q": ["documents", "disqualifying", "authorisation"], "documents": ["hukou", "id_cards"],
          "disqualifying": ["none"], "authorisation": json.dumps(signers("张三", "李四"))}  # fmt: skip
CONCLUSION = {"_q": ["meets_standard", "reason", "remarks"], "meets_standard": "yes"}
SECTIONS = {"look": LOOK, "count": COUNT, "verify": VERIFY, "conclusion": CONCLUSION}


def post_check(client: Client, application_id: int, section: str, data: dict[str, Any], csrf: str) -> Any:
    """Post one section of the check as its page does without JavaScript."""
    return client.post(
        f"/staff/a/{application_id}/check/s/{section}",
        data={**data, "_csrf": csrf, "nav": "next"},
        follow_redirects=False,
    )


def fill_check(client: Client, application_id: int, **changes: dict[str, Any]) -> str:
    """Fill every section as a handler would (``changes`` by section); returns the CSRF token."""
    first = client.get(f"/staff/a/{application_id}/check")
    assert first.status_code == 200 and "一看" in first.text, first.text[:500]
    csrf = csrf_of(first.text)
    for section, data in SECTIONS.items():
        response = post_check(client, application_id, section, {**data, **changes.get(section, {})}, csrf)
        assert response.status_code == 303, (section, response.text[:1500])
    return csrf


def record_check(client: Client, application_id: int, **changes: dict[str, Any]) -> Any:
    """Fill the check and save it; returns the response to 保存核查结果."""
    csrf = fill_check(client, application_id, **changes)
    return client.post(
        f"/staff/a/{application_id}/check/submit", data={"_csrf": csrf}, follow_redirects=False
    )
