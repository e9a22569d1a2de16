"""Three app processes on one PostgreSQL database, as a province runs them behind its proxy: farmers, staff and the
background jobs are driven through all of them in turn, and every SMS is sent once, every reminder once, every
decision once. It runs twice: with the processes on PostgreSQL itself, and through PgBouncer in transaction mode
(``deploy/pgbouncer.ini``), where every transaction may get a server connection another process had just used.

Each farmer asks for the code on one process, types it on the next and submits on the third (then retries the
submit on the first, with the same ``Idempotency-Key``); a farmer's page answer saved on one process is read back on
another; the village handler signs in on one, opens the inbox on another and accepts a case on two at the same
moment (one wins, the other gets the Chinese 409 page). The deadlines of the cases left open are moved into the past
and ``shenbao remind`` runs in three processes at once. Then every outbox row must be sent, and the development
gateway's table must hold each message once.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from shenbao.forms.identity import check_char
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, sign_mark
from tests.conftest import _run
from tests.processes.support import ROOT, SECRET, Pooler, Serving, code_sent_to, server_env, shenbao
from tests.support.postgres import execute

pytestmark = pytest.mark.postgres

FORM = "gansu-yijian-2023"
QUESTIONNAIRE = "gansu-zizhu-2021"
VILLAGE = "620102001001"
PASSWORD = "three-processes-pass"
FARMERS = 12
ALREADY_DONE = "这份申请已处理过"


@pytest.fixture
def database(postgres_database_url: str) -> str:
    """This run's PostgreSQL database, emptied."""
    _run(lambda: execute(postgres_database_url, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
    return postgres_database_url


@pytest.fixture(params=["postgresql", "pgbouncer"])
def app_database(request: pytest.FixtureRequest, database: str) -> Iterator[str]:
    """The URL the app processes are given: the database itself, or PgBouncer in transaction mode in front of it
    with three server connections for the three processes' pools (the reference deployment's pooler)."""
    if request.param == "postgresql":
        yield database
        return
    pooler = Pooler(database)
    try:
        yield pooler.url()
        name = database.rsplit("/", 1)[-1]
        assert f"login attempt: db={name}" in pooler.log()  # the processes went through it
    finally:
        pooler.stop()


@pytest.fixture
def servers(database: str, app_database: str, tmp_path: Path) -> Iterator[list[str]]:
    """Three ``shenbao serve`` processes over ``app_database``, each on its own port; their base URLs. The schema
    and the staff account are made on the database itself, as the deployment's ``shenbao migrate`` is."""
    direct = server_env(database, tmp_path / "data")
    shenbao(direct, "migrate")
    shenbao(direct, "staff", "add", "village", "--role", "village", "--region", VILLAGE, "--phone", "13700137000",
            "--password", PASSWORD)  # fmt: skip
    env = server_env(app_database, tmp_path / "data")
    serving = Serving(env, tmp_path)
    try:
        with ThreadPoolExecutor(3) as pool:  # they start at once: each syncs the packs' versions at start
            yield list(pool.map(lambda _: serving.start(), range(3)))
    finally:
        serving.stop_all()


class _Rows:
    def __init__(self, url: str) -> None:
        self.url = url

    async def __call__(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        connection = await asyncpg.connect(self.url)
        try:
            return list(await connection.fetch(sql, *args))
        finally:
            await connection.close()


def _id_number(serial: int) -> str:
    first17 = f"62010219800101{serial:03d}"
    return first17 + check_char(first17)


async def _farmer(serial: int, urls: list[str], rows: _Rows) -> str:
    """Code on one process, verify on the next, submit on the third and again on the first; the receipt."""
    phone, key = f"139{serial:08d}", f"three-processes-{serial:04d}"
    first, second, third = (urls[(serial + turn) % 3] for turn in range(3))
    headers = {"Idempotency-Key": key}
    async with httpx.AsyncClient(timeout=30) as client:
        sent = await client.post(
            f"{first}/api/v1/forms/{FORM}/phone-codes", json={"phone": phone}, headers=headers
        )
        assert sent.status_code < 300, sent.text
        code = code_sent_to(
            [row["text"] for row in await rows("SELECT text FROM sms_message WHERE phone = $1", phone)]
        )
        verified = await client.post(
            f"{second}/api/v1/forms/{FORM}/phone-codes/verify",
            json={"phone": phone, "code": code},
            headers=headers,
        )
        assert verified.status_code < 300, verified.text
        answers = {
            "name": "李四",
            "phone": phone,
            "address": VILLAGE,
            "consent": "agree",
            "id_number": _id_number(serial),
        }
        receipts = []
        for url in (third, first):  # the retry reaches another process: the same application comes back
            submitted = await client.post(
                f"{url}/api/v1/forms/{FORM}/submissions", json={"answers": answers}, headers=headers
            )
            assert submitted.status_code in (200, 201), submitted.text
            receipts.append(submitted.json()["receipt_number"])
    assert receipts[0] == receipts[1]
    return str(receipts[0])


async def _page_answer_travels(urls: list[str]) -> None:
    """An answer saved through one process's page is in the draft another process shows."""
    mark = sign_mark(SECRET, QUESTIONNAIRE, opened=time.time() - 61)
    async with httpx.AsyncClient(timeout=30, cookies={GUIDE_COOKIE: mark}) as client:
        for turn in range(3):
            saved = await client.post(
                f"{urls[turn]}/f/{QUESTIONNAIRE}/s/household/answer",
                data={"_q": "q8", "q8": "yes" if turn % 2 == 0 else "no"},
                headers={"HX-Request": "true"},
            )
            assert saved.status_code == 200, saved.text
            shown = await client.get(f"{urls[(turn + 1) % 3]}/f/{QUESTIONNAIRE}/s/household")
            assert shown.status_code == 200
            chosen = re.search(r'<input[^>]*name="q8"[^>]*value="(yes|no)"[^>]*checked', shown.text)
            assert chosen is not None and chosen.group(1) == ("yes" if turn % 2 == 0 else "no")


def _csrf(html: str) -> str:
    match = re.search(r'name="_csrf" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


async def _handler(urls: list[str]) -> httpx.AsyncClient:
    """The village handler signed in on the first process; the session serves on every process."""
    client = httpx.AsyncClient(timeout=30)
    page = await client.get(f"{urls[0]}/staff/login")
    signed = await client.post(
        f"{urls[0]}/staff/login",
        data={"_csrf": _csrf(page.text), "username": "village", "password": PASSWORD},
    )
    assert signed.status_code == 303 and "/login" not in signed.headers["location"], signed.text[:2000]
    return client


async def _accept_on_two_processes(
    client: httpx.AsyncClient, urls: list[str], application_id: int, turn: int
) -> None:
    """The handler's two tabs, on two processes, accept the same case at the same moment: one wins."""
    first, second = urls[turn % 3], urls[(turn + 1) % 3]
    page = await client.get(f"{urls[(turn + 2) % 3]}/staff/a/{application_id}")
    assert page.status_code == 200, page.text[:2000]
    seen = re.search(r'name="seen" value="(\d+)"', page.text)
    data = {"_csrf": _csrf(page.text), "action": "accept", "seen": seen.group(1) if seen else "0"}
    answers = await asyncio.gather(
        *(
            client.post(f"{url}/staff/a/{application_id}/act", data=data, follow_redirects=False)
            for url in (first, second)
        )
    )
    assert sorted(answer.status_code for answer in answers) == [303, 409], [a.status_code for a in answers]
    refused = next(answer for answer in answers if answer.status_code == 409)
    assert ALREADY_DONE in refused.text


def _remind(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "shenbao", "remind"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _drive(urls: list[str], database: str, env: dict[str, str]) -> None:
    rows = _Rows(database)
    receipts = await asyncio.gather(*(_farmer(serial, urls, rows) for serial in range(FARMERS)))
    await _page_answer_travels(urls)
    assert len(set(receipts)) == FARMERS
    stored = await rows("SELECT id FROM application WHERE form_id = $1 ORDER BY id", FORM)
    assert len(stored) == FARMERS

    handler = await _handler(urls)
    try:
        inbox = await handler.get(f"{urls[1]}/staff/")
        assert inbox.status_code == 200 and inbox.text.count("/staff/a/") >= FARMERS // 2
        decided = [row["id"] for row in stored[: FARMERS // 2]]
        for turn, application_id in enumerate(decided):
            await _accept_on_two_processes(handler, urls, application_id, turn)
    finally:
        await handler.aclose()
    decisions = await rows(
        "SELECT target, count(*) AS times FROM audit_log WHERE action = 'decision.accept' GROUP BY target"
    )
    assert len(decisions) == len(decided) and {row["times"] for row in decisions} == {1}

    # Time travel: the open cases' deadlines ten days ago; three cron runs at once.
    past = date.today() - timedelta(days=10)
    await rows(
        "UPDATE application SET deadline = $1, workflow_state = jsonb_set(workflow_state, '{due_on}', to_jsonb($2::text)) "
        "WHERE form_id = $3 AND id <> ALL($4::int[])",
        past,
        past.isoformat(),
        FORM,
        decided,
    )
    runs = [_remind(env) for _ in range(3)]
    outputs = [run.communicate(timeout=60) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    notices = await rows(
        "SELECT application_id, kind, round, count(*) AS times FROM deadline_notice GROUP BY 1, 2, 3"
    )
    assert {row["application_id"] for row in notices} == {row["id"] for row in stored[FARMERS // 2 :]}
    assert {row["times"] for row in notices} == {1}

    deadline = time.monotonic() + 30  # the three processes' dispatchers empty the outbox
    while (await rows("SELECT count(*) AS n FROM outbox WHERE status <> 'sent'"))[0]["n"]:
        assert time.monotonic() < deadline, await rows("SELECT status, count(*) FROM outbox GROUP BY status")
        await asyncio.sleep(0.5)
    queued = (await rows("SELECT count(*) AS n FROM outbox"))[0]["n"]
    kept = await rows("SELECT phone, text, count(*) AS times FROM sms_message GROUP BY phone, text")
    assert {row["times"] for row in kept} == {1}  # no message twice
    codes = sum(1 for row in kept if "验证码" in row["text"])
    assert codes == FARMERS and len(kept) == queued + codes  # none lost: every queued message was delivered
    by_template = await rows("SELECT template, count(*) AS n FROM outbox GROUP BY template")
    templates = {row["template"]: row["n"] for row in by_template}
    assert templates[f"{FORM}.new_application"] == FARMERS and len(templates) >= 2, templates


def test_three_processes_send_each_sms_reminder_and_decision_once(
    servers: list[str], database: str, app_database: str, tmp_path: Path
) -> None:
    started = time.monotonic()
    env = server_env(app_database, tmp_path / "data")  # `shenbao remind` goes where the processes go
    asyncio.run(_drive(servers, database, env))
    assert time.monotonic() - started < 60
