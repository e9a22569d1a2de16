"""Staff tests: accounts in every role for 兰州市城关区, and applications inside and outside each region."""

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
from shenbao.app import create_app
from shenbao.forms import evaluate
from shenbao.forms.personal import NO_PERSONAL_FIELDS
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.settings import Settings
from shenbao.staff.accounts import StaffAccounts
from shenbao.store.sealing import open_text
from shenbao.workflow import start
from shenbao.workflow.stored import history_of, workflow_json
from tests.conftest import TEST_KEYS
from tests.web.conftest import migrated_settings
from tests.web.samples import household_2021, one_click_2023

PASSWORD = "correct-horse-9"
ACCOUNTS = {
    "province": "62",
    "county": "620102",
    "township": "620102001",
    "village": "620102001001",
}
"""Role to region: one account each, username = the role."""
PLACES = {
    "village": "620102001001",  # in every account's subtree
    "sibling_village": "620102001002",  # same township, another village
    "other_township": "620102002001",  # same county, another township
    "other_county": "620103001001",  # same province, another county
    "other_province": "640104001001",  # Ningxia
}
INSIDE = {
    "province": {"village", "sibling_village", "other_township", "other_county"},
    "county": {"village", "sibling_village", "other_township"},
    "township": {"village", "sibling_village"},
    "village": {"village"},
}


async def add_accounts(db: store.Database) -> None:
    accounts = StaffAccounts(db)
    for role, region in ACCOUNTS.items():
        await accounts.add(username=role, role=role, region_code=region, password=PASSWORD)


async def add_applications(db: store.Database) -> dict[str, str]:
    """One application per place; returns place to receipt number."""
    receipts = {}
    for place, region in PLACES.items():
        record, _ = await store.submit_application(
            db,
            idempotency_key=None,
            form_id="gansu-yijian-2023",
            form_version=1,
            answers={},
            personal=NO_PERSONAL_FIELDS,
            region_code=region,
        )
        receipts[place] = record.receipt_number
    await store.submit_application(
        db,
        idempotency_key=None,
        form_id="gansu-yijian-2023",
        form_version=1,
        answers={},
        personal=NO_PERSONAL_FIELDS,
        region_code=None,
    )
    return receipts


def csrf_of(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def sign_in(client: TestClient[Litestar], username: str, password: str = PASSWORD) -> object:
    page = client.get("/staff/login")
    return client.post(
        "/staff/login",
        data={"_csrf": csrf_of(page.text), "username": username, "password": password},
        follow_redirects=False,
    )


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Settings, dict[str, str]]:
    settings = migrated_settings(tmp_path)

    async def seed() -> dict[str, str]:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await add_accounts(database)
            return await add_applications(database)
        finally:
            await database.close()

    return settings, asyncio.run(seed())


@pytest.fixture
def staff_client(seeded: tuple[Settings, dict[str, str]]) -> Iterator[TestClient[Litestar]]:
    with TestClient(create_app(seeded[0]), base_url="http://127.0.0.1") as client:
        yield client


# An application on the 2023 chain (or, with ``@pytest.mark.parametrize("flow", [ZIZHU_ID], indirect=True)``,
# the 2021 chain) in 城关区's first village, and a client for the app around it.

Client = TestClient[Litestar]
FORM_ID = "gansu-yijian-2023"
ZIZHU_ID = "gansu-zizhu-2021"
APPLICANT_PHONE = "13912345678"
TODAY = dt.date(2026, 6, 1)
"""The day the tests submit and act on (pinned: every deadline stays in a year chinesecalendar knows)."""


async def _add_chain_application(db: store.Database, region: str, form_id: str = FORM_ID) -> int:
    form = FormRegistry.from_packs(["gansu"]).get(form_id)
    found = ChainRegistry.from_packs(["gansu"]).get(form_id)
    assert form is not None and found is not None
    chain, calendar = found
    # (The 2021 pledge's signature and photo are uploads, which evaluation alone does not store: left out.)
    raw = one_click_2023() if form_id == FORM_ID else household_2021(q45=None, q46=None)
    answers = evaluate(form, raw).answers
    record, _ = await store.submit_application(
        db,
        idempotency_key=None,
        form_id=form_id,
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

    def outbox_params(self, template: str) -> list[dict[str, str]]:
        """The stored values of the queued messages made from ``template``."""
        rows = self._fetch(f"SELECT params FROM outbox WHERE template = '{template}' ORDER BY id")
        return [json.loads(raw) if isinstance(raw, str) else raw for (raw,) in rows]


@pytest.fixture
def flow(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Flow:
    """The application in the village, on the 2023 chain unless the test names another form (``indirect``)."""
    form_id = getattr(request, "param", FORM_ID)
    monkeypatch.setattr("shenbao.web.staff_applications.today_in_china", lambda: TODAY)
    monkeypatch.setattr("shenbao.web.household_check.today_in_china", lambda: TODAY)
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key="test", keys=TEST_KEYS)

    async def seed() -> int:
        await store.migrate_url(database_url)
        database = await store.open_database(database_url, keys=TEST_KEYS)
        try:
            await add_accounts(database)
            await StaffAccounts(database).add(
                username="other", role="village", region_code=PLACES["sibling_village"], password=PASSWORD
            )
            return await _add_chain_application(database, PLACES["village"], form_id)
        finally:
            await database.close()

    return Flow(settings, asyncio.run(seed()))


@pytest.fixture
def client(flow: Flow) -> Iterator[Client]:
    with TestClient(create_app(flow.settings), base_url="http://127.0.0.1") as test_client:
        yield test_client
