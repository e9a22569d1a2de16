"""Real servers for the benchmarks: uvicorn processes with one fixed set of settings, always stopped at the end.

Every server started here runs ``python -m uvicorn`` with the same flags (one worker, no access log, the
asyncio loop, httptools when it is installed and h11 otherwise, log level warning), so two servers differ only
in the application they serve. A server is stopped when its ``with`` block ends, on error too; should this
process die without running its ``finally`` blocks (killed by a timeout), Linux's parent-death signal stops
the server as well, so no benchmark leaves a server behind.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from _common import SECRET
from _wire import request

HOST = "127.0.0.1"
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
_PR_SET_PDEATHSIG = 1


def http_implementation() -> str:
    """uvicorn's fastest HTTP parser available here: ``httptools`` if installed, else ``h11``."""
    return "httptools" if importlib.util.find_spec("httptools") is not None else "h11"


def uvicorn_flags() -> list[str]:
    """The flags every benchmark server gets, whatever it serves."""
    return [
        "--host",
        HOST,
        "--workers",
        "1",
        "--no-access-log",
        "--loop",
        "asyncio",
        "--http",
        http_implementation(),
        "--log-level",
        "warning",
        "--app-dir",
        str(HERE),
    ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def bench_keys() -> dict[str, str]:
    """Fresh ``SHENBAO_DATA_KEY`` and ``SHENBAO_LOOKUP_KEY`` (``shenbao serve`` refuses to start without them)."""
    from shenbao.privacy.keyring import key_file_lines

    keys = dict(line.split("=", 1) for line in key_file_lines("bench").splitlines())
    return {name: keys[name] for name in ("SHENBAO_DATA_KEY", "SHENBAO_LOOKUP_KEY")}


def shenbao_env(data_dir: Path) -> dict[str, str]:
    """The environment of a platform over a fresh SQLite file in ``data_dir``."""
    return {
        **os.environ,
        "SHENBAO_DATABASE_URL": f"sqlite:///{data_dir / 'b.db'}",
        "SHENBAO_DATA_DIR": str(data_dir),
        "SHENBAO_SECRET_KEY": SECRET,
        "SHENBAO_SMS_GATEWAY": "database",
        **bench_keys(),
    }


def migrate(env: dict[str, str]) -> None:
    """``python -m shenbao migrate`` with ``env``."""
    subprocess.run(
        [sys.executable, "-m", "shenbao", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=60,
    )


def die_with_parent() -> None:
    """In a child, before it runs: get SIGTERM when this (the parent) process dies, however it dies."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the finally blocks still stop the servers


def exit_on_sigterm() -> None:
    """Turn SIGTERM into ``SystemExit`` so that the ``finally`` blocks stop the servers."""
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


@contextmanager
def uvicorn(
    target: str, env: dict[str, str], log: Path, *, factory: bool = False, ready: str = "/"
) -> Iterator[int]:
    """Serve ``target`` (``module:attribute``) with the common flags on a free port; yield the port.

    Waits until ``GET ready`` answers 200 (30 s at most); stops the server when the block ends.
    """
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", target, *uvicorn_flags(), "--port", str(port)]
    if factory:
        command.append("--factory")
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{target} exited:\n{log.read_text(errors='replace')[-3000:]}")
                try:
                    if request(HOST, port, "GET", ready, timeout=2).status == 200:
                        break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{target} did not answer within 30 s")
                time.sleep(0.1)
            yield port
        finally:
            stop(process)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Terminate ``process`` (this one, by its handle), killing it if it does not stop within 10 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
