"""The deadline job end to end: a farmer submits, days pass, the job's passes queue the reminder and the
escalation to the right phones, and the application's history shows them; in the app and as ``shenbao remind``."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3
import time
from pathlib import Path

import msgspec
import pytest
import time_machine
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import cli, store
from shenbao.app import create_app
from shenbao.china_time import CHINA
from shenbao.notify.reminders import ReminderReport
from shenbao.notify.templates import template_of
from shenbao.settings import Settings
from shenbao.staff.accounts import StaffAccounts
from shenbao.store.sealing import open_text
from tests.support.keys import TEST_DATA_KEY, TEST_LOOKUP_KEY
from tests.support.packs import gansu_divisions
from tests.support.samples import one_click_2023
from tests.support.staff import PASSWORD
from tests.support.web import migrated_settings, sign_in, verify_by_api

Client = TestClient[Litestar]
VILLAGE_PHONE = "13700137000"
TOWNSHIP_PHONE = "13600136000"
FORM = "gansu-yijian-2023"


def at(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=CHINA)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A migrated database with the village's handler and its township's staff, each with a phone."""
    settings = migrated_settings(tmp_path)

    async def seed() -> None:
        async with await store.open_database(settings.database_url, keys=settings.keys) as database:
            accounts = StaffAccounts(database)
            for role, region, phone in (
                ("village", "620102001001", VILLAGE_PHONE),
                ("township", "620102001", TOWNSHIP_PHONE),
            ):
                await accounts.add(
                    username=role,
                    role=role,
                    region_code=region,
                    password=PASSWORD,
                    phone=phone,
                    divisions=gansu_divisions(),
                )

    asyncio.run(seed())
    return settings


def _outbox(settings: Settings) -> list[tuple[str, str, str]]:
    """``(phone, template, text)`` of each queued message, the template by its name in its chain."""
    with sqlite3.connect(settings.database_url.removeprefix("sqlite:///")) as connection:
        rows = connection.execute("SELECT phone, template, text FROM outbox ORDER BY id").fetchall()
    return [(open_text(phone, settings.keys), template_of(template), text) for phone, template, text in rows]


def _submit(client: Client) -> str:
    verify_by_api(client, FORM, "k-remind", "13912345678")
    response = client.post(
        f"/api/v1/forms/{FORM}/submissions",
        json={"answers": one_click_2023()},
        headers={"Idempotency-Key": "k-remind"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["receipt_number"])


def _pass(client: Client) -> ReminderReport:
    job = client.app.state["shenbao"].reminders
    assert job is not None
    with client.portal() as portal:  # the app's own event loop, where its database lives
        return portal.call(job.run_once)


def test_submission_then_reminder_then_escalation(settings: Settings) -> None:
    with (
        time_machine.travel(at("2026-06-01", 9), tick=True) as traveller,
        TestClient(create_app(settings), base_url="http://127.0.0.1") as client,
    ):
        receipt = _submit(client)  # Monday 1 June: the household check is due Monday 8 June
        assert [(phone, template) for phone, template, _ in _outbox(settings)] == [
            (VILLAGE_PHONE, "new_application")
        ]

        traveller.move_to(at("2026-06-04"))
        assert _pass(client) == ReminderReport()

        traveller.move_to(at("2026-06-05"))  # Friday: the next working day is the deadline
        assert msgspec.structs.astuple(_pass(client))[:3] == (1, 0, 1)
        phone, template, text = _outbox(settings)[-1]
        assert (phone, template) == (VILLAGE_PHONE, "reminder")
        assert receipt in "".join(text.split()) and "村级入户核查环节将于6月8日到期" in text

        traveller.move_to(at("2026-06-08", 15))
        assert _pass(client) == ReminderReport()  # the deadline day: already reminded

        traveller.move_to(at("2026-06-09"))  # Tuesday: one working day late
        assert msgspec.structs.astuple(_pass(client))[:3] == (0, 1, 1)
        phone, template, text = _outbox(settings)[-1]
        assert (phone, template) == (TOWNSHIP_PHONE, "overdue")
        assert receipt in "".join(text.split()) and "已超期1个工作日（期限6月8日）" in text
        assert _pass(client) == ReminderReport() and len(_outbox(settings)) == 3

        sign_in(client, "village")
        application = client.get("/staff/").text
        link = application.split('href="/staff/a/', 1)[1].split('"', 1)[0]
        page = client.get(f"/staff/a/{link}")
        assert page.status_code == 200
        assert "已提醒" in page.text and "期限6月8日，已短信通知村级办理人员" in page.text
        assert "已上报催办" in page.text and "已超期1个工作日，已短信通知乡镇办理人员" in page.text


@pytest.fixture
def running_job(settings: Settings) -> Settings:
    return msgspec.structs.replace(settings, remind_minutes=0.001)


@pytest.mark.parametrize(
    ("hour", "sent"), [pytest.param(10, True, id="at 10:00"), pytest.param(23, False, id="not at 23:00")]
)
def test_the_app_runs_the_job_when_configured_and_only_by_day(
    settings: Settings, running_job: Settings, hour: int, sent: bool
) -> None:
    with time_machine.travel(at("2026-06-01", 9), tick=True) as traveller:
        with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:  # the job is off
            _submit(client)
            traveller.move_to(at("2026-06-05", hour))
            time.sleep(0.3)
            assert len(_outbox(settings)) == 1
        with TestClient(create_app(running_job), base_url="http://127.0.0.1"):
            # Passes run every 0.06 s: the first, at start-up, sends the reminder when it is due at all.
            deadline = time.monotonic() + (5 if sent else 1)
            while len(_outbox(settings)) == 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.2)  # and no pass after it sends it again
    templates = [template for _, template, _ in _outbox(settings)]
    assert templates == (["new_application", "reminder"] if sent else ["new_application"])


def test_shenbao_remind_runs_one_pass(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHENBAO_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SHENBAO_DATA_KEY", TEST_DATA_KEY)  # the keys of `settings`
    monkeypatch.setenv("SHENBAO_LOOKUP_KEY", TEST_LOOKUP_KEY)
    with time_machine.travel(at("2026-06-01", 9), tick=True) as traveller:
        with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
            _submit(client)
        traveller.move_to(at("2026-06-05", 8))
        assert cli.main(["remind"]) == 0
        assert "1 reminder(s) and 0 escalation(s) sent as 1 SMS" in capsys.readouterr().out
        assert cli.main(["remind"]) == 0  # cron runs it again: nothing more
        assert "0 reminder(s) and 0 escalation(s) sent as 0 SMS" in capsys.readouterr().out
    assert [template for _, template, _ in _outbox(settings)] == ["new_application", "reminder"]
