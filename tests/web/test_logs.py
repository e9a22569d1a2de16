"""Logs as JSON lines (``SHENBAO_LOG_FORMAT=json``), each with the request's id, uvicorn's own lines included; the
probes' successful access lines left out; a hostile ``X-Request-ID`` replaced."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shenbao import store
from shenbao.privacy.keyring import key_file_lines
from shenbao.settings import Settings, SettingsError
from shenbao.web.ops.logs import CURRENT_REQUEST_ID, JsonLines, RequestIdFilter

_ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``uvicorn --factory shenbao.app:create_app`` in its own process, logging JSON lines to a file."""
    url = f"sqlite:///{tmp_path / 'served.db'}"
    asyncio.run(store.migrate_url(url))
    keys = dict(line.split("=", 1) for line in key_file_lines().splitlines())
    env = {
        **os.environ,
        **keys,
        "SHENBAO_DATABASE_URL": url,
        "SHENBAO_DATA_DIR": str(tmp_path),
        "SHENBAO_SMS_GATEWAY": "database",
        "SHENBAO_REMIND_MINUTES": "0",
        "SHENBAO_LOG_FORMAT": "json",
    }
    port = _free_port()
    log_path = tmp_path / "stderr.log"
    with log_path.open("wb") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "shenbao.app:create_app", "--port", str(port)],
            env=env,
            stderr=stderr,
            stdout=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.2)
        yield base, log_path
    finally:
        process.terminate()
        process.wait(timeout=30)


def _lines(path: Path) -> list[dict[str, object]]:
    """Every line the process wrote to stderr, each of which must be a JSON object."""
    lines = [line for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_json_lines_carry_the_request_id_of_the_response(served: tuple[str, Path]) -> None:
    base, log_path = served
    sane = httpx.get(f"{base}/", headers={"X-Request-ID": "lb-7f3a.42"})
    hostile = httpx.get(f"{base}/", headers={"X-Request-ID": 'x" {"level": "ERROR"} ' + "y" * 80})
    made = httpx.get(f"{base}/")
    httpx.get(f"{base}/healthz")
    httpx.get(f"{base}/readyz")
    assert sane.headers["x-request-id"] == "lb-7f3a.42"
    assert re.fullmatch(r"[0-9A-F]{8}", hostile.headers["x-request-id"])
    time.sleep(0.5)  # the access lines are written as the responses start; let the process flush them
    lines = _lines(log_path)
    assert lines, "no log line at all"
    for line in lines:
        assert set(line) >= {"time", "level", "logger", "message", "request_id"}, line
        assert _ISO_UTC.match(str(line["time"])), line
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    by_id = {line["request_id"]: line for line in access}
    for response in (sane, hostile, made):
        line = by_id[response.headers["x-request-id"]]
        assert '"GET / HTTP/1.1" 200' in str(line["message"]) and line["level"] == "INFO"
    assert not any("/healthz" in str(line["message"]) or "/readyz" in str(line["message"]) for line in access)
    started = [line for line in lines if line["logger"] == "uvicorn.error"]
    assert any("Application startup complete" in str(line["message"]) for line in started)
    assert any(str(line["logger"]).startswith("shenbao") for line in lines)


def test_a_json_line_holds_the_traceback_and_chinese_as_written() -> None:
    formatter = JsonLines()
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logging.LogRecord(
            "shenbao.x", logging.ERROR, __file__, 1, "申请 %s 失败", ("A1",), sys.exc_info()
        )
    token = CURRENT_REQUEST_ID.set("ABCD1234")
    try:
        RequestIdFilter().filter(record)
    finally:
        CURRENT_REQUEST_ID.reset(token)
    text = formatter.format(record)
    assert "\n" not in text and "申请 A1 失败" in text
    line = json.loads(text)
    assert line["message"] == "申请 A1 失败" and line["request_id"] == "ABCD1234" and line["level"] == "ERROR"
    assert "ValueError: 坏了" in line["error"]


def test_log_format_is_text_json_or_refused() -> None:
    base = {"SHENBAO_SECRET_KEY": "s" * 40}
    assert Settings.from_env(base).log_format == "text"
    assert Settings.from_env({**base, "SHENBAO_LOG_FORMAT": "JSON"}).log_format == "json"
    assert Settings.from_env({**base, "SHENBAO_METRICS_TOKEN": " t0k "}).metrics_token == "t0k"
    with pytest.raises(SettingsError, match="SHENBAO_LOG_FORMAT"):
        Settings.from_env({**base, "SHENBAO_LOG_FORMAT": "xml"})
