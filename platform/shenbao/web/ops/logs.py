"""Logs as JSON lines when asked (``SHENBAO_LOG_FORMAT=json``), each line with its request's id.

- :class:`RequestIdMiddleware` puts the request's id (:func:`shenbao.web.security.request_id`: the proxy's sane
  ``X-Request-ID``, else a new one; the same id the response echoes) in a context variable for the time the
  request is served, so every record logged while serving it carries it, uvicorn's access line included (uvicorn
  logs it from the ``send`` the application calls, inside the request's context);
- :class:`RequestIdFilter` copies it onto each record (``record.request_id``, ``""`` outside a request);
- :class:`JsonLines` formats a record as one JSON object: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
  ``message``, ``request_id``, and ``error`` with the traceback when there is one;
- :func:`configure_logging` sets it up when the platform starts (after uvicorn has configured its loggers);
  with ``text`` it leaves the handlers alone.

Both formats drop uvicorn's access lines of the probes that succeed (``/healthz``, ``/readyz``, ``/metrics``
answered 2xx): a load balancer asks every few seconds, and a thousand identical lines an hour hide the ones that
matter. A probe that fails is still logged.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Collection
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Final

import orjson
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Receive, Scope, Send

from shenbao.web.security import request_id

__all__ = [
    "CURRENT_REQUEST_ID",
    "JsonLines",
    "ProbeLines",
    "RequestIdFilter",
    "RequestIdMiddleware",
    "configure_logging",
]

CURRENT_REQUEST_ID: ContextVar[str] = ContextVar("shenbao_request_id", default="")
"""The id of the request being served in this context (``""`` outside one)."""
_OURS: Final = "_shenbao_json"
"""Marks the handler :func:`configure_logging` installs, so starting twice replaces it instead of adding one."""
_PRINTING = ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar")
"""Loggers that uvicorn and Litestar give handlers of their own: in JSON mode their records go to the root's."""


class RequestIdMiddleware:
    """ASGI middleware: the request's id in :data:`CURRENT_REQUEST_ID` while the request is served."""

    __slots__ = ("app",)

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        token = CURRENT_REQUEST_ID.set(request_id(scope))
        try:
            await self.app(scope, receive, send)
        finally:
            CURRENT_REQUEST_ID.reset(token)


class RequestIdFilter(logging.Filter):
    """Give every record the id of the request it was logged in (``record.request_id``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = CURRENT_REQUEST_ID.get()
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record, on one line (non-ASCII kept as it is: the messages are often Chinese)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or CURRENT_REQUEST_ID.get(),
        }
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["error"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str).decode()


class ProbeLines(logging.Filter):
    """Drop uvicorn's access lines of the probes that succeeded (``paths``, any 2xx status)."""

    def __init__(self, paths: Collection[str]) -> None:
        super().__init__()
        self.paths = frozenset(paths)

    def filter(self, record: logging.LogRecord) -> bool:
        # uvicorn's access record: args = (client, method, path with query, http version, status)
        args = record.args
        if not isinstance(args, tuple) or len(args) != 5:
            return True
        path, status = str(args[2]).partition("?")[0], args[4]
        return not (path in self.paths and isinstance(status, int) and 200 <= status < 300)


def configure_logging(log_format: str, *, probes: Collection[str] = ()) -> None:
    """Set up the process's logging for the platform: JSON lines on stderr for ``json``; for either format,
    uvicorn's access lines of successful ``probes`` dropped.

    With ``json`` the root logger gets one handler (JSON lines with the request id, at INFO) instead of those that
    printed to the terminal, and uvicorn's and Litestar's loggers hand their records to it instead of printing
    them in their own format (a file handler or a test's capture is left in place).
    Calling it again replaces what it installed.

    Args:
        log_format: ``text`` or ``json`` (:attr:`shenbao.settings.Settings.log_format`).
        probes: the paths of the health and metrics endpoints.
    """
    access = logging.getLogger("uvicorn.access")
    for probe_filter in [each for each in access.filters if isinstance(each, ProbeLines)]:
        access.removeFilter(probe_filter)
    if probes:
        access.addFilter(ProbeLines(probes))
    if log_format != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    handler.addFilter(RequestIdFilter())
    setattr(handler, _OURS, True)
    root = logging.getLogger()
    for old in [each for each in root.handlers if _console(each)]:
        root.removeHandler(old)  # a file or a test's capture stays; what printed to the terminal is replaced
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > logging.INFO:
        root.setLevel(logging.INFO)
    for name in _PRINTING:
        logger = logging.getLogger(name)
        for old in [each for each in logger.handlers if _console(each)]:
            logger.removeHandler(old)
        logger.propagate = True


def _console(handler: logging.Handler) -> bool:
    """Whether ``handler`` prints to the terminal (or is the one installed here before)."""
    if getattr(handler, _OURS, False) or type(handler).__module__.startswith("litestar.logging"):
        return True  # Litestar's default logging prints through a queue to stderr
    stream = getattr(handler, "stream", None)
    return type(handler) is logging.StreamHandler and stream in (
        sys.stderr,
        sys.stdout,
        sys.__stderr__,
        sys.__stdout__,
    )
