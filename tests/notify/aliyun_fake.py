"""A local stand-in for Aliyun's SMS endpoint: it records each HTTP request the SDK makes and answers as told."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from aiohttp import web
from aiohttp.test_utils import TestServer


class Received(msgspec.Struct, frozen=True, kw_only=True):
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


class FakeAliyun:
    """Answers each request with the next queued answer (``OK`` when none is queued)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.endpoint = ""

    def answer(self, status: int = 200, **body: Any) -> None:
        """Queue an answer: the HTTP status and the JSON body (``Code=...``, ``Message=...``)."""
        self.answers.append((status, {"RequestId": "fake-request", **body}))

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(
            Received(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={key.lower(): value for key, value in request.headers.items()},
            )
        )
        status, body = (
            self.answers.pop(0) if self.answers else (200, {"Code": "OK", "Message": "OK", "BizId": "1"})
        )
        return web.Response(status=status, text=json.dumps(body), content_type="application/json")


@asynccontextmanager
async def fake_aliyun() -> AsyncIterator[FakeAliyun]:
    fake = FakeAliyun()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", fake.handle)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    fake.endpoint = f"127.0.0.1:{server.port}"
    try:
        yield fake
    finally:
        await server.close()
