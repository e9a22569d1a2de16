"""A submit through the running app queues the village handler's SMS in the outbox."""

from __future__ import annotations

import json
import sqlite3

from litestar import Litestar
from litestar.testing import TestClient

from shenbao.settings import Settings
from shenbao.store.sealing import open_text
from tests.support.samples import one_click_2023
from tests.support.web import verify_by_api

Client = TestClient[Litestar]
HANDLER_PHONE = "13700137000"


def _add_village_handler(settings: Settings) -> None:
    """The demo's village handler (demo-village, 620102001001), with a phone."""
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute(
            "INSERT INTO staff (username, display_name, phone, role, region_code, password_hash, active, created_at)"
            " VALUES ('demo-village', '村级经办人', ?, 'village', '620102001001', '$argon2id$x', 1,"
            " '2026-01-01T00:00:00+00:00')",
            (HANDLER_PHONE,),
        )


def _outbox(settings: Settings) -> list[tuple[str, str, dict[str, str]]]:
    path = settings.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        rows = connection.execute("SELECT phone, text, params FROM outbox ORDER BY id").fetchall()
    return [(open_text(row[0], settings.keys), row[1], json.loads(row[2])) for row in rows]


def test_a_farmer_submit_queues_the_village_handlers_sms(client: Client, settings: Settings) -> None:
    _add_village_handler(settings)
    verify_by_api(client, "gansu-yijian-2023", "k-outbox-1", "13912345678")
    headers = {"Idempotency-Key": "k-outbox-1"}
    url = "/api/v1/forms/gansu-yijian-2023/submissions"
    response = client.post(url, json={"answers": one_click_2023()}, headers=headers)
    assert response.status_code == 201, response.text
    receipt = response.json()["receipt_number"]
    again = client.post(url, json={"answers": one_click_2023()}, headers=headers)
    assert again.json()["receipt_number"] == receipt
    [(phone, text, params)] = _outbox(settings)
    assert phone == HANDLER_PHONE and "".join(text.split()).count(receipt) == 1, text
    assert sorted(params) == ["due", "label", "receipt"] and params["receipt"] in text
    assert "".join(params["receipt"].split()) == receipt  # the receipt as the text shows it
