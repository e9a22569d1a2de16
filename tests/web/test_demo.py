"""The demo's page of sent text messages: there in ``shenbao demo``, absent anywhere else."""

from __future__ import annotations

from pathlib import Path

import msgspec
from litestar.testing import TestClient

from shenbao.app import create_app
from tests.support.beside import last_code
from tests.support.web import migrated_settings


def test_the_demo_shows_the_codes_it_sent(tmp_path: Path) -> None:
    settings = msgspec.structs.replace(migrated_settings(tmp_path), demo=True)
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        client.post(
            "/widgets/phone/send", data={"form": "gansu-yijian-2023", "name": "phone", "phone": "13800138000"}
        )
        page = client.get("/demo/sms")
        assert page.status_code == 200
        assert "发给 13800138000" in page.text
        assert (
            f"您的验证码是{last_code(settings, '13800138000')}" in page.text
        )  # the demo's reader gets the code


def test_a_real_deployment_has_no_such_page(client: TestClient) -> None:  # type: ignore[type-arg]
    assert client.get("/demo/sms").status_code == 404
