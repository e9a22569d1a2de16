"""Reading the database beside a running app, with a plain connection: Piccolo binds its tables per process,
so a test that drives the app through a client reads what it wrote this way (SQLite or PostgreSQL alike)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from typing import Any

import asyncpg

from shenbao.notify.templates import template_of
from shenbao.settings import Settings
from shenbao.store.sealing import open_text
from shenbao.workflow.stored import history_of

__all__ = ["Flow", "count_applications", "fetch", "last_code"]


def fetch(url: str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """The rows ``sql`` selects in the database at ``url``; arguments are written ``$1``, ``$2``... as in PostgreSQL."""
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as connection:
            return list(connection.execute(re.sub(r"\$\d+", "?", sql), args).fetchall())

    async def rows() -> list[tuple[Any, ...]]:
        connection = await asyncpg.connect(url)
        try:
            return [tuple(row) for row in await connection.fetch(sql, *args)]
        finally:
            await connection.close()

    return asyncio.run(rows())


def count_applications(settings: Settings) -> int:
    """Rows in the application table."""
    return int(fetch(settings.database_url, "SELECT count(*) FROM application")[0][0])


def last_code(settings: Settings, phone: str) -> str:
    """The code in the newest text message the database gateway kept for ``phone``."""
    (text,) = fetch(
        settings.database_url, "SELECT text FROM sms_message WHERE phone = $1 ORDER BY id DESC LIMIT 1", phone
    )[0]
    match = re.search(r"验证码是(\d{6})", text)
    assert match, text
    return str(match.group(1))


class Flow:
    """One application the app works on, read beside it: its workflow state and the messages queued."""

    def __init__(self, settings: Settings, application_id: int) -> None:
        self.settings = settings
        self.id = application_id

    def fetch(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """The rows ``sql`` selects in the app's database (see :func:`fetch`)."""
        return fetch(self.settings.database_url, sql, *args)

    def state(self) -> tuple[str, int, str]:
        """The step, the number of history rows and the status."""
        (raw,) = self.fetch("SELECT workflow_state FROM application WHERE id = $1", self.id)[0]
        state, history = history_of(json.loads(raw) if isinstance(raw, str) else raw)
        return state.step, len(history), state.status

    def outbox(self) -> list[tuple[str, str, str]]:
        """``(phone, template, text)`` of each queued message, the template by its name in its chain."""
        return [
            (open_text(row[0], self.settings.keys), template_of(row[1]), row[2])
            for row in self.fetch("SELECT phone, template, text FROM outbox ORDER BY id")
        ]

    def outbox_params(self, template: str) -> list[dict[str, str]]:
        """The stored values of the queued messages made from ``template`` (any chain's template of that name)."""
        rows = self.fetch(
            "SELECT params FROM outbox WHERE template = $1 OR template LIKE $2 ORDER BY id",
            template,
            f"%.{template}",
        )
        return [json.loads(raw) if isinstance(raw, str) else raw for (raw,) in rows]
