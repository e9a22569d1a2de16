"""The province admin reads the text messages the database gateway kept, numbers masked; nobody else does."""

from __future__ import annotations

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.staff.conftest import sign_in


def test_the_province_admin_sees_the_sent_messages(staff_client: TestClient[Litestar]) -> None:
    staff_client.post(
        "/widgets/phone/send", data={"form": "gansu-yijian-2023", "name": "phone", "phone": "13800138000"}
    )
    sign_in(staff_client, "province")
    assert 'id="sent-sms"' in staff_client.get("/staff/").text
    page = staff_client.get("/staff/sms")
    assert page.status_code == 200
    assert "发给 138****8000" in page.text and "您的验证码是" in page.text
    assert "13800138000" not in page.text  # the province admin reads numbers masked


@pytest.mark.parametrize("role", ["village", "township", "county"])
def test_other_staff_may_not(staff_client: TestClient[Litestar], role: str) -> None:
    sign_in(staff_client, role)
    assert 'id="sent-sms"' not in staff_client.get("/staff/").text
    assert staff_client.get("/staff/sms").status_code == 403


def test_without_signing_in_it_is_the_sign_in_page(staff_client: TestClient[Litestar]) -> None:
    response = staff_client.get("/staff/sms", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/staff/login")
