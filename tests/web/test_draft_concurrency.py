"""Many answers posted at the same moment, on SQLite and PostgreSQL: every answer is kept, none is a 500.

Each htmx answer is merged into its draft in the database (``store.save_draft_changes``), so two posts for one
draft that cross (two quick taps, two tabs) both stay. On SQLite most statements run on the event loop; a write
transaction held by someone else sends them the threaded way, which must lose nothing either.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from shenbao import store
from shenbao.app import create_app
from shenbao.settings import Settings
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, sign_mark
from tests.support.keys import TEST_KEYS

ZIZHU = "gansu-zizhu-2021"
SECRET = "test"
# Answers that need nothing else to be saved, on four of the form's pages.
ANSWERS: dict[str, Any] = {
    "q1": "self", "q5": "agri", "q8": "yes", "q13": "7", "q15": "2", "q16": "2", "q17": "1", "q18": "1",
    "q19": "1", "q20": "yes", "q23": "no", "q24": "no", "q26": "no", "q27": "no", "q28": "no", "q29": "no",
    "q30": "no", "q31": "no", "q34": "yes", "q38": "no", "q44": "no",
}  # fmt: skip


@pytest.fixture
async def app(database_url: str, tmp_path: Path) -> AsyncIterator[Litestar]:
    """The app started in the test's own loop (Litestar's test clients answer one request at a time)."""
    await store.migrate_url(database_url)
    settings = Settings(database_url=database_url, data_dir=tmp_path, secret_key=SECRET, keys=TEST_KEYS)
    app = create_app(settings)
    async with app.lifespan():
        yield app


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Requests sent into the app at once: each is a task of the test's loop."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


def _cookie(token: str) -> str:
    mark = sign_mark(SECRET, ZIZHU, opened=time.time() - 61)
    return f"{GUIDE_COOKIE}={mark}; sb_draft={token}"


async def _post_all(
    client: httpx.AsyncClient, app: Litestar, posts: list[tuple[str, str, str]], hold_writer: bool
) -> list[int]:
    """Send every ``(token, question, value)`` answer at once; the status of each."""
    services = app.state["shenbao"]
    section_of = services.forms.get(ZIZHU).section_of

    async def post(token: str, question: str, value: str) -> int:
        response = await client.post(
            f"/f/{ZIZHU}/s/{section_of[question]}/answer",
            data={"_q": [question], question: value},
            headers={"cookie": _cookie(token), "hx-request": "true"},
        )
        return response.status_code

    async def held() -> int:
        async with services.database.transaction():  # someone else's write transaction, held a moment
            await asyncio.sleep(0.05)
        return 200

    jobs = [post(*item) for item in posts]
    if hold_writer:
        jobs.insert(len(jobs) // 3, held())
    return list(await asyncio.gather(*jobs))


async def _draft_of(app: Litestar, token: str) -> dict[str, Any]:
    draft = await store.load_draft(app.state["shenbao"].database, token, ZIZHU)
    assert draft is not None
    return dict(draft.answers)


@pytest.mark.anyio
@pytest.mark.parametrize("hold_writer", [False, True], ids=["free", "writer-held"])
async def test_simultaneous_answers_to_one_draft_are_all_kept(
    app: Litestar, client: httpx.AsyncClient, hold_writer: bool
) -> None:
    token = secrets.token_urlsafe(18)
    statuses = await _post_all(client, app, [(token, q, v) for q, v in ANSWERS.items()], hold_writer)
    assert statuses == [200] * len(statuses)
    assert await _draft_of(app, token) == ANSWERS


@pytest.mark.anyio
async def test_simultaneous_answers_to_many_drafts_are_all_kept(
    app: Litestar, client: httpx.AsyncClient
) -> None:
    tokens = [secrets.token_urlsafe(18) for _ in range(12)]
    questions = list(ANSWERS)[:8]
    posts = [(token, question, ANSWERS[question]) for question in questions for token in tokens]
    statuses = await _post_all(client, app, posts, hold_writer=True)
    assert statuses == [200] * len(statuses)
    for token in tokens:
        assert await _draft_of(app, token) == {q: ANSWERS[q] for q in questions}


@pytest.mark.anyio
async def test_a_removed_answer_goes_and_the_others_stay(app: Litestar, client: httpx.AsyncClient) -> None:
    token = secrets.token_urlsafe(18)
    await _post_all(client, app, [(token, "q8", "yes"), (token, "q5", "agri")], hold_writer=False)
    await _post_all(client, app, [(token, "q8", ""), (token, "q20", "yes")], hold_writer=False)
    assert await _draft_of(app, token) == {"q5": "agri", "q20": "yes"}
