"""What the browser tests share besides fixtures: the phone, the server's settings, the keys it seals data with."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shenbao.privacy.keyring import Keyring, key_file_lines

__all__ = [
    "ARTIFACTS",
    "CHROMIUM",
    "KEYS",
    "LANZHOU",
    "PHONE",
    "SECRET",
    "Server",
    "environment",
    "free_port",
    "serving",
]

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "Asia/Shanghai",
}
LANZHOU = {"latitude": 36.0611, "longitude": 103.8343}
SECRET = "e2e-secret-key-of-at-least-32-characters"
"""The server's ``SHENBAO_SECRET_KEY``: tests sign the cookies a phone would have been given with it."""


@dataclass(frozen=True)
class Server:
    """A running platform: its address and its database, for tests that check what was stored."""

    url: str
    database_url: str
    data_dir: Path
    settings: dict[str, str] = field(default_factory=dict, hash=False)
    """More of the server's environment (``SHENBAO_PACKS``, ``SHENBAO_FORM_DEFS``), for its commands too."""

    def shenbao(self, *args: str) -> str:
        """Run a ``shenbao`` command against this server's database and return its output."""
        return subprocess.run(
            [sys.executable, "-m", "shenbao", *args],
            env=environment(self),
            capture_output=True,
            text=True,
            check=True,
        ).stdout


_KEYS = dict(line.split("=", 1) for line in key_file_lines("e2e").splitlines())
"""The keys the server encrypts ID numbers and phones with (fresh for each run), as environment variables."""
KEYS = Keyring.parse(_KEYS["SHENBAO_DATA_KEY"], _KEYS["SHENBAO_LOOKUP_KEY"])
"""The same keys, for tests that read what the server stored."""


def environment(server: Server) -> dict[str, str]:
    return {
        **os.environ,
        **_KEYS,
        "SHENBAO_DATABASE_URL": server.database_url,
        "SHENBAO_DATA_DIR": str(server.data_dir),
        "SHENBAO_SECRET_KEY": SECRET,
        "SHENBAO_SMS_GATEWAY": "database",  # the tests read the codes the phones were sent
        "SHENBAO_OTP_PER_ADDRESS_PER_HOUR": "1000",  # every test phone shares 127.0.0.1
        "SHENBAO_HTTPS": "0",  # plain http on loopback: no Secure cookies, no HSTS
        **server.settings,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(server: Server) -> Iterator[Server]:
    """Run ``shenbao serve`` for ``server`` (its database migrated and seeded by the caller) until the block ends."""
    port = server.url.rsplit(":", 1)[1]
    log = (server.data_dir / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "shenbao", "serve", "--port", port],
        env=environment(server),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(server.url + "/", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    raise RuntimeError(
                        f"the server did not start:\n{(server.data_dir / 'server.log').read_text()}"
                    ) from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
