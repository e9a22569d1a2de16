"""The application page and the decisions on it: region and turn checks, reasons, double posts, the SMS."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.accounts import StaffAccounts
from shenbao.app import create_app
from shenbao.forms import evaluate
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.settings import Settings
from shenbao.store.sealing import open_text
from shenbao.web.submission import history_of, workflow_json
from shenbao.workflow import start
from tests.conftest import TEST_KEYS
from tests.staff.conftest import PASSWORD, PLACES, add_accounts, csrf_of, sign_in
from tests.web.samples import one_click_2023

Client = TestClient[Litestar]
FORM_ID = "gansu-yijian-2023"
APPLICANT_PHONE = "13912345678"
TODAY = dt.date(2026, 6, 1)
"""The day the tests submit and act on (pinned: every deadline stays in a year chinesecalendar knows)."""


async def _add_chain_application(db: store.Database, region: str) -> int:
    form = FormRegistry.from_packs(["gansu"]).get(FORM_ID)
    found = ChainRegistry.from_packs(["gansu"]).get(FORM_ID)
    assert form is not None and found is not None
    chain, calendar = found
    answers = evaluate(form, one_click_2023()).answers
    record, _ = await store.submit_application(
        db,
        idempotency_key=None,
        form_id=FORM_ID,
        form_version=form.version,
        answers=answers,
        personal=form.personal,
        region_code=region,
    )
    today = TODAY
    state, events = start(chain, region=region, submitted_on=today, answers=answers, calendar=calendar)
    await store.set_workflow_state(
        db, record.id, state=workflow_json(state, [], events), deadline=state.due_on, green=state.green
    )
    return record.id


class Flow:
    """The seeded application, read beside the running app with a plain connection (Piccolo binds per process)."""

    def __init__(self, settings: Settings, application_id: int) -> None:
        self.settings = settings
        self.id = application_id

    def _fetch(self, sql: str) -> list[tuple[Any, ...]]:
        url = self.settings.database_url
        if url.startswith("sqlite:///"):
            with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
                return list(connection.execute(sql).fetchall())

        async def fetch() -> list[tuple[Any, ...]]:
            connection = await asyncpg.connect(url)
            try:
                return [tuple(row) for row in await connection.fetch(sql)]
            finally:
                await connection.close()

        return asyncio.run(fetch())

    def state(self) -> tuple[str, int, str]:
        """The step, the number of history rows and the status."""
        (raw,) = self._fetch(f"SELECT workflow_state FROM application WHERE id = {self.id}")[0]
        state, history = history_of(json.loads(raw) if isinstance(raw, str) else raw)
        return state.step, len(history), state.status

    def outbox(self) -> list[tuple[str, str, str]]:
        return [
            (open_text(row[0], self.settings.keys), row[1], row[2])
            for row in self._fetch("SELECT phone, template, text FROM outbox ORDER BY id")
        ]


@pytest.fixture
def flow(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flow:
    monkeypatch.setattr("shenbao.web.staff_applications._today", lambda: TODAY)
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)

    async def seed() -> int:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            await add_accounts(database)
            await StaffAccounts(database).add(
                username="other", role="village", region_code=PLACES["sibling_village"], password=PASSWORD
            )
            return await _add_chain_application(database, PLACES["village"])
        finally:
            await database.close()

    return Flow(settings, asyncio.run(seed()))


@pytest.fixture
def client(flow: Flow) -> Iterator[Client]:
    with TestClient(create_app(flow.settings), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _act(client: Client, flow: Flow, action: str, **fields: str) -> Any:
    page = client.get(f"/staff/a/{flow.id}")
    assert page.status_code == 200, page.text
    seen = re.search(r'name="seen" value="(\d+)"', page.text)
    data = {"_csrf": csrf_of(page.text), "action": action, "seen": seen.group(1) if seen else "0", **fields}
    return client.post(f"/staff/a/{flow.id}/act", data=data, follow_redirects=False)


def test_the_page_shows_the_application_and_the_village_handlers_actions(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert f'href="/staff/a/{flow.id}"' in client.get("/staff/").text
    page = client.get(f"/staff/a/{flow.id}")
    assert page.status_code == 200
    assert "甘肃一键报贫" in page.text and "当前环节" in page.text and "个工作日" in page.text
    assert APPLICANT_PHONE in page.text and "提交申请" in page.text and "申请人" in page.text
    assert 'id="act-accept"' in page.text and 'id="act-record_check"' in page.text
    assert 'id="act-refuse"' not in page.text


def test_a_village_handler_accepts_records_and_passes_up(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    assert flow.state() == ("household_check", 1, "in_progress")
    response = _act(client, flow, "accept")
    assert response.status_code == 303
    assert flow.state() == ("household_check", 2, "in_progress")
    assert (APPLICANT_PHONE, "accepted") in [(phone, template) for phone, template, _ in flow.outbox()]
    assert _act(client, flow, "record_check", summary="入户核查，情况属实").status_code == 303
    assert flow.state() == ("check_answer", 3, "in_progress")
    assert _act(client, flow, "pass_up", note="").status_code == 303
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
    _act(client, flow, "record_check", summary="入户核查，家庭困难")
    response = _act(client, flow, "refuse", reason="")
    assert response.status_code == 422
    assert 'id="error-reason"' in response.text and "reason" in response.text
    assert flow.state() == ("check_answer", 2, "in_progress")


def test_a_refusal_sends_the_applicant_its_reason(client: Client, flow: Flow) -> None:
    sign_in(client, "village")
    _act(client, flow, "record_check", summary="入户核查，家庭困难")
    assert _act(client, flow, "refuse", reason="家庭收入高于标准").status_code == 303
    assert flow.state() == ("check_answer", 3, "refused")
    assert flow._fetch(f"SELECT status FROM application WHERE id = {flow.id}") == [("refused",)]
    assert "未通过" in client.get("/staff/").text  # the inbox says so too
    refused = [(phone, text) for phone, template, text in flow.outbox() if template == "refused"]
    assert len(refused) == 1 and refused[0][0] == APPLICANT_PHONE and "家庭收入高于标准" in refused[0][1]


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
