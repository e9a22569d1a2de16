"""Real app processes and a PostgreSQL cluster of their own, for the tests of many processes and of faults.

- :class:`Serving`: ``shenbao serve`` processes on free loopback ports over one database, each with its own
  folder; started, killed (SIGKILL) and stopped by their own process handles.
- :class:`Cluster`: a throwaway PostgreSQL cluster (``initdb`` of the installed version into a temp folder, on a
  free port) that a test can stop and start, so a restart never touches the shared server on 5432. As root, its
  commands run as the ``postgres`` system user (``initdb`` refuses root).
- :class:`Pooler`: PgBouncer in transaction mode in front of a database, as the reference deployment runs it
  (``deploy/pgbouncer.ini``), with few server connections so that the app processes really share them. As root it
  runs as the ``postgres`` system user too (PgBouncer refuses root).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx

from shenbao.privacy.keyring import new_secret
from tests.support.keys import TEST_DATA_KEY, TEST_LOOKUP_KEY

__all__ = ["HOST", "SECRET", "Cluster", "Pooler", "Serving", "code_sent_to", "free_port", "server_env"]

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[2]
SECRET = new_secret()
"""Every process's ``SHENBAO_SECRET_KEY``: cookies signed in one are read in the others."""


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_env(database_url: str, data_dir: Path, **more: str) -> dict[str, str]:
    """The environment of a server (and of its ``shenbao`` commands) over ``database_url``."""
    return {
        **os.environ,
        "SHENBAO_DATABASE_URL": database_url,
        "SHENBAO_DATA_DIR": str(data_dir),
        "SHENBAO_SECRET_KEY": SECRET,
        "SHENBAO_DATA_KEY": TEST_DATA_KEY,
        "SHENBAO_LOOKUP_KEY": TEST_LOOKUP_KEY,
        "SHENBAO_SMS_GATEWAY": "database",  # the tests read what was sent from the gateway's table
        "SHENBAO_OTP_PER_ADDRESS_PER_HOUR": "100000",  # every test phone shares 127.0.0.1
        "SHENBAO_HTTPS": "0",
        "SHENBAO_REMIND_MINUTES": "0",
        **more,
    }


def shenbao(env: dict[str, str], *args: str) -> str:
    """Run ``python -m shenbao ARGS`` with ``env``; its output (fails the test when it fails)."""
    done = subprocess.run(
        [sys.executable, "-m", "shenbao", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"shenbao {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


class Serving:
    """``shenbao serve`` processes, one per port, all over the same environment."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    def start(self, port: int | None = None, *, workers: int = 1) -> str:
        """Start one server (``workers`` processes behind its port); its base URL once it answers."""
        port = port or free_port()
        command = [sys.executable, "-m", "shenbao", "serve", "--host", HOST, "--port", str(port)]
        command += ["--workers", str(workers)]
        log = (self.folder / f"server-{port}.log").open("ab")
        self.processes[port] = subprocess.Popen(
            command, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        url = f"http://{HOST}:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.processes[port].poll() is not None:
                raise AssertionError(f"the server on {port} exited:\n{self.log(port)[-3000:]}")
            try:
                if httpx.get(f"{url}/api/v1/forms", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.1)
        raise AssertionError(f"the server on {port} did not answer within 60 s:\n{self.log(port)[-3000:]}")

    def log(self, port: int) -> str:
        """What the server on ``port`` printed."""
        return (self.folder / f"server-{port}.log").read_text(errors="replace")

    def kill(self, port: int) -> None:
        """SIGKILL the server on ``port`` (its whole process group: the workers of ``--workers N`` too)."""
        process = self.processes.pop(port)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        """Stop every server still running (SIGTERM, then SIGKILL after 15 s)."""
        for port in list(self.processes):
            process = self.processes.pop(port)
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def code_sent_to(rows: list[str]) -> str:
    """The 6-digit code in the newest of ``rows`` (texts the development gateway kept for one phone)."""
    for text in reversed(rows):
        if match := re.search(r"验证码是(\d{6})", text):
            return match.group(1)
    raise AssertionError(f"no verification code among {rows!r}")


def _binaries() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert found, "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
    return found[-1].parent


class Cluster:
    """A PostgreSQL cluster of this test's own, in a temporary folder (outside pytest's, which only root may
    enter), on a free port; :meth:`stop` and :meth:`start` it, :meth:`remove` it at the end."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="shenbao-pg-"))
        self.port, self.bin = free_port(), _binaries()
        self.data = self.folder / "pgdata"
        self._as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")

    @property
    def url(self) -> str:
        """The URL of its ``postgres`` database."""
        return f"postgresql://postgres@{HOST}:{self.port}/postgres"

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run(
            [*self._as, str(self.bin / program), *args], capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, f"{program} {' '.join(args)}:\n{done.stdout}\n{done.stderr}"

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off -c max_connections=200"
        )
        self._run(
            "pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start"
        )

    def stop(self) -> None:
        """Stop it the way a restart does: connections are cut, the running transactions rolled back."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop it if it runs and delete its files."""
        subprocess.run(
            [*self._as, str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


def _pgbouncer() -> str:
    found = shutil.which("pgbouncer") or next(
        (str(path) for path in (Path("/usr/sbin/pgbouncer"), Path("/usr/bin/pgbouncer")) if path.exists()),
        None,
    )
    assert found, "PgBouncer is not installed (apt-get install pgbouncer; .ci/run installs it)"
    return found


class Pooler:
    """PgBouncer in transaction mode on a free port, in front of the server of ``database_url``.

    ``server_connections`` is its pool per database and user: each app process opens a pool of its own client
    connections, so with a few server connections every transaction of every process goes through a connection
    another client had a moment before, the case the reference deployment must survive.
    """

    def __init__(self, database_url: str, *, server_connections: int = 3) -> None:
        target = urlsplit(database_url)
        self.user = target.username or "postgres"
        self.folder = Path(tempfile.mkdtemp(prefix="shenbao-pgbouncer-"))
        self.port = free_port()
        self._target = target
        (self.folder / "users.txt").write_text(f'"{self.user}" ""\n')
        (self.folder / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={target.hostname or HOST} port={target.port or 5432}\n"
            "[pgbouncer]\n"
            f"listen_addr = {HOST}\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.folder / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {server_connections}\n"
            "max_client_conn = 500\n"
            "server_reset_query =\n"
            "query_wait_timeout = 30\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.folder / 'pgbouncer.log'}\n"
        )
        as_user = ["-u", "postgres"] if os.geteuid() == 0 else []
        if as_user:
            shutil.chown(self.folder, "postgres", "postgres")
            for each in self.folder.iterdir():
                shutil.chown(each, "postgres", "postgres")
        self.process = subprocess.Popen(
            [_pgbouncer(), *as_user, str(self.folder / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"pgbouncer exited:\n{self.log()}"
            with socket.socket() as probe:
                if probe.connect_ex((HOST, self.port)) == 0:
                    return
            time.sleep(0.05)
        raise AssertionError(f"pgbouncer did not listen within 15 s:\n{self.log()}")

    def url(self) -> str:
        """The database's URL through the pooler, as the reference deployment writes it."""
        netloc = f"{self.user}@{HOST}:{self.port}"
        return urlunsplit(self._target._replace(netloc=netloc, query="statement_cache_size=0"))

    def log(self) -> str:
        """What PgBouncer wrote to its log."""
        path = self.folder / "pgbouncer.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop it and delete its files."""
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)
