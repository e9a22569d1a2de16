"""A minimal in-process ASGI driver: the application's lifespan, and one HTTP request at a time.

Calling the ASGI app directly keeps the client's own cost out of the figures (httpx's ASGI transport adds about
a hundred microseconds per request, which would flatter a ratio against a hello-world and blur a 5 ms budget).
The same driver serves every app measured, so ratios compare like with like.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Coroutine, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    ..., Coroutine[Any, Any, None]
]  # (scope, receive, send); loose so Litestar's precise types fit

PHONE_HEADERS = [
    (b"host", b"127.0.0.1"),
    (
        b"user-agent",
        b"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 "
        b"Mobile Safari/537.36",
    ),
    (b"accept", b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
    (b"accept-encoding", b"gzip"),
    (b"accept-language", b"zh-CN,zh;q=0.9"),
]


@dataclass
class Reply:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes = field(repr=False)

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for key, value in self.headers:
            if key.lower() == b"set-cookie":
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(value.decode("latin-1"))
                jar.update({name: morsel.value for name, morsel in cookie.items()})
        return jar

    def header(self, name: str) -> str:
        wanted = name.lower().encode()
        return next((value.decode("latin-1") for key, value in self.headers if key.lower() == wanted), "")

    @property
    def text(self) -> str:
        if self.header("content-encoding") == "gzip":
            import gzip

            return gzip.decompress(self.body).decode()
        return self.body.decode()


@asynccontextmanager
async def lifespan(app: ASGIApp) -> AsyncIterator[dict[str, Any]]:
    """Run the app's ASGI lifespan (start-up hooks open the database); yield the lifespan state."""
    inbox: asyncio.Queue[Message] = asyncio.Queue()
    outbox: asyncio.Queue[Message] = asyncio.Queue()
    state: dict[str, Any] = {}
    scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.3"}, "state": state}
    task: asyncio.Task[None] = asyncio.create_task(app(scope, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    started = await outbox.get()
    if started["type"] != "lifespan.startup.complete":
        raise RuntimeError(f"start-up failed: {started}")
    try:
        yield state
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await outbox.get()
        await task


def form_body(fields: list[tuple[str, str]]) -> tuple[list[tuple[bytes, bytes]], bytes]:
    body = urlencode(fields).encode()
    headers = [
        (b"content-type", b"application/x-www-form-urlencoded"),
        (b"content-length", str(len(body)).encode()),
    ]
    return headers, body


def cookie_header(cookies: dict[str, str]) -> list[tuple[bytes, bytes]]:
    if not cookies:
        return []
    return [(b"cookie", "; ".join(f"{key}={value}" for key, value in cookies.items()).encode())]


async def call(
    app: ASGIApp,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
    state: dict[str, Any] | None = None,
) -> Reply:
    """One HTTP request straight into the ASGI app; the whole response collected."""
    path, _, query = path.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": dict(state or {}),
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # a client that never disconnects
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status = 0
    response_headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        nonlocal status, response_headers
        if message["type"] == "http.response.start":
            status = message["status"]
            response_headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return Reply(status, response_headers, b"".join(chunks))
