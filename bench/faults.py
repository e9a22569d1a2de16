"""Load and ``kill -9``: many farmers submit at once, the server is killed mid-run and started again.

What a province engineer wants to know after a crash: was anything acknowledged and then lost, stored twice, or
texted twice? Over real HTTP on loopback only, bounded in count and time:

1. ``shenbao serve`` on a fresh database (SQLite by default, ``--postgres`` for this machine's PostgreSQL), with a
   village handler, so every application queues one SMS to the village;
2. ``--farmers`` phones are verified by the API (code sent, read from the development gateway's table, typed);
3. they all submit at once, ``--connections`` at a time; after ``--kill-after`` seconds the server gets SIGKILL and
   a new one starts on the same database; a client whose request failed retries with the same ``Idempotency-Key``,
   as the API asks, until it is acknowledged or ``--deadline`` passes;
4. once the outbox is empty, it prints accepted (201 answers, distinct receipts) against stored (application rows),
   queued (new-application SMS), sent (marked sent) and delivered (what the gateway kept), the SMS delivered twice,
   and every 5xx.

Every figure must match: accepted = stored = queued = sent = delivered, 0 twice, 0 × 5xx (503 with ``Retry-After``
is retried, like a connection refused while the server restarts, and counted apart).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from _common import Row, report, temp_dir
from _postgres import drop_database, new_database
from _server import HOST, ROOT, die_with_parent, free_port, shenbao_env
from shenbao.forms.identity import check_char

FORM = "gansu-yijian-2023"
VILLAGE = "620102001001"


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farmers", type=int, default=400)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--kill-after", type=float, default=1.0, help="seconds into the submissions")
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds the whole run may take")
    parser.add_argument(
        "--postgres", action="store_true", help="PostgreSQL on 127.0.0.1:5432 instead of SQLite"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a figure does not hold")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON to PATH")
    return parser.parse_args()


def _id_number(serial: int) -> str:
    first17 = f"62010219800101{serial % 1000:03d}"
    return first17 + check_char(first17)


class Server:
    """``shenbao serve`` in a process of its own, which can be killed and started again on the same database."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log, self.port = env, log, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "shenbao", "serve", "--host", HOST, "--port", str(self.port)]
        output = self.log.open("ab")
        self.process = subprocess.Popen(
            command,
            env=self.env,
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/api/v1/forms", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the server did not start:\n{self.log.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


class Database:
    """Reads what the server stored, beside it."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite:///"):
            import sqlite3

            with sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=30) as connection:
                return list(connection.execute(sql).fetchall())
        connection = await asyncpg.connect(self.url)
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    async def code_for(self, phone: str) -> str:
        rows = await self.rows(
            f"SELECT text FROM sms_message WHERE phone = '{phone}' ORDER BY id DESC LIMIT 1"
        )
        match = re.search(r"验证码是(\d{6})", rows[0][0]) if rows else None
        if match is None:
            raise RuntimeError(f"no code was kept for {phone}")
        return match.group(1)


async def _verify(client: httpx.AsyncClient, database: Database, key: str, phone: str) -> None:
    headers = {"Idempotency-Key": key}
    sent = await client.post(f"/api/v1/forms/{FORM}/phone-codes", json={"phone": phone}, headers=headers)
    sent.raise_for_status()
    body = {"phone": phone, "code": await database.code_for(phone)}
    verified = await client.post(f"/api/v1/forms/{FORM}/phone-codes/verify", json=body, headers=headers)
    verified.raise_for_status()


class Tally:
    def __init__(self) -> None:
        self.receipts: set[str] = set()
        self.statuses: Counter[int] = Counter()
        self.retries = Counter[str]()


async def _submit(
    client: httpx.AsyncClient, key: str, answers: dict[str, Any], tally: Tally, deadline: float
) -> None:
    while time.monotonic() < deadline:
        try:
            answer = await client.post(
                f"/api/v1/forms/{FORM}/submissions",
                json={"answers": answers},
                headers={"Idempotency-Key": key},
            )
        except httpx.TransportError:
            tally.retries["connection failed (server down)"] += 1
            await asyncio.sleep(0.2)
            continue
        tally.statuses[answer.status_code] += 1
        if answer.status_code == 201:
            tally.receipts.add(answer.json()["receipt_number"])
            return
        if answer.status_code == 503:
            tally.retries["503 Retry-After"] += 1
            await asyncio.sleep(float(answer.headers.get("retry-after", "1")))
            continue
        return  # a 4xx is an answer, not a fault: counted in statuses


def _prepare(data_dir: Path, database_url: str) -> dict[str, str]:
    """The server's environment over a migrated database with a village handler."""
    env = {
        **shenbao_env(data_dir),
        "SHENBAO_DATABASE_URL": database_url,
        "SHENBAO_OTP_PER_ADDRESS_PER_HOUR": "100000",  # every farmer here shares 127.0.0.1
        "SHENBAO_REMIND_MINUTES": "0",
    }
    run = {"env": env, "cwd": ROOT, "check": True, "capture_output": True}
    subprocess.run([sys.executable, "-m", "shenbao", "migrate"], **run)  # type: ignore[call-overload]
    staff = ["staff", "add", "village", "--role", "village", "--region", VILLAGE, "--phone", "13700137000"]
    subprocess.run([sys.executable, "-m", "shenbao", *staff, "--password", "bench-village-pass"], **run)  # type: ignore[call-overload]
    return env


async def _run(args: argparse.Namespace, data_dir: Path, env: dict[str, str]) -> list[Row]:
    database_url = env["SHENBAO_DATABASE_URL"]
    database = Database(database_url)
    server = Server(env, data_dir / "server.log")
    server.start()
    try:
        limits = httpx.Limits(max_connections=args.connections)
        farmers = [(f"faults-{number:05d}", f"139{number:08d}") for number in range(args.farmers)]
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as client:
            for key, phone in farmers:
                await _verify(client, database, key, phone)
            tally, deadline = Tally(), time.monotonic() + args.deadline
            started = time.monotonic()
            answers = {"name": "李四", "phone": "", "address": VILLAGE, "consent": "agree"}
            submissions = [
                asyncio.create_task(
                    _submit(
                        client, key, {**answers, "phone": phone, "id_number": _id_number(n)}, tally, deadline
                    )
                )
                for n, (key, phone) in enumerate(farmers)
            ]
            await asyncio.sleep(args.kill_after)
            server.kill()
            killed_at = time.monotonic() - started
            await asyncio.to_thread(server.start)  # the clients keep retrying meanwhile
            await asyncio.gather(*submissions)
            took = time.monotonic() - started
        while (await database.rows("SELECT count(*) FROM outbox WHERE status = 'pending'"))[0][0]:
            if time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
    finally:
        server.stop()
    stored = (await database.rows(f"SELECT count(*) FROM application WHERE form_id = '{FORM}'"))[0][0]
    queued = (await database.rows("SELECT count(*) FROM outbox WHERE template LIKE '%.new_application'"))[0][
        0
    ]
    sent = (
        await database.rows(
            "SELECT count(*) FROM outbox WHERE template LIKE '%.new_application' AND status = 'sent'"
        )
    )[0][0]
    delivered = await database.rows(
        "SELECT text, count(*) FROM sms_message WHERE template LIKE '%.new_application' GROUP BY text"
    )
    twice = sum(1 for _, times in delivered if times > 1)
    errors = sum(times for status, times in tally.statuses.items() if status >= 500 and status != 503)
    accepted = len(tally.receipts)
    whole = accepted == stored == queued == sent == len(delivered) == args.farmers
    retries = ", ".join(f"{why}: {times}" for why, times in tally.retries.items()) or "none"
    return [
        Row("farmers, connections", f"{args.farmers}, {args.connections}"),
        Row("server killed (SIGKILL) after, restarted", f"{killed_at:.1f} s"),
        Row("all answered in", f"{took:.1f} s"),
        Row("answers by status", ", ".join(f"{s}: {n}" for s, n in sorted(tally.statuses.items()))),
        Row("retries by the clients", retries),
        Row(
            "accepted = stored = SMS queued = sent = delivered",
            f"{accepted} = {stored} = {queued} = {sent} = {len(delivered)}",
            "all equal to the farmers",
            whole,
        ),
        Row("SMS delivered twice", str(twice), "0", twice == 0),
        Row("5xx other than 503", str(errors), "0", errors == 0),
    ]


def main() -> int:
    args = _arguments()
    with temp_dir() as folder:
        data_dir = Path(folder)
        if args.postgres:
            name, url = asyncio.run(new_database("shenbao_faults"))
        else:
            name, url = "", f"sqlite:///{data_dir / 'faults.db'}"
        try:
            rows = asyncio.run(_run(args, data_dir, _prepare(data_dir, url)))
        finally:
            if name:
                asyncio.run(drop_database(name))
    engine = "PostgreSQL" if args.postgres else "SQLite"
    return report(f"Load and kill -9 ({engine})", rows, args)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
