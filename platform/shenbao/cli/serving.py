"""``shenbao serve --workers N``: N app processes on one database, behind one listening socket.

One process (``--workers 1``, the default) serves the app object the parent built. With more, uvicorn starts N
worker processes that each build their own app from the environment (:func:`app_from_env`, an import string
with ``factory=True``: uvicorn cannot hand an app object to another process). The parent checks the settings
first (keys, secret, gateway), so a misconfiguration is told once, clearly, instead of N times by N dying workers.

Everything that matters is in the database (sessions, drafts, codes, rate limits, the outbox, reminders), and every
background job claims its rows, so the workers need nothing from each other. Metrics of several processes are
gathered through a folder they share: ``PROMETHEUS_MULTIPROC_DIR`` is set to a fresh temporary folder when it is
unset (and emptied at start when it is set), as ``prometheus_client`` asks.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path

import msgspec
from litestar import Litestar

from shenbao.settings import Settings, https_from_env

__all__ = [
    "MULTIPROC_VARIABLE",
    "SQLITE_WORKERS_WARNING",
    "app_from_env",
    "metrics_folder",
    "serve",
    "served_settings",
]

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
"""Where ``prometheus_client`` keeps each process's metrics so that any one of them can report the sum."""
SQLITE_WORKERS_WARNING = (
    "SHENBAO_DATABASE_URL is a SQLite file and --workers is {workers}: it works on one machine (WAL, each process "
    "queues its own writes, the processes wait for each other on the busy timeout), but writes are not faster than "
    "with one process. PostgreSQL is the production database: set SHENBAO_DATABASE_URL=postgresql://... "
    "(see deploy/README.md)."
)
"""Said once by the parent when several processes share a SQLite file."""


def served_settings(environ: MutableMapping[str, str] | None = None) -> Settings:
    """The settings a server runs with: the environment's, over HTTPS unless ``SHENBAO_HTTPS=0``.

    A server is reached through its proxy's HTTPS, so its cookies are Secure and it sends HSTS by default
    (``Settings.from_env`` alone defaults to plain HTTP, for the tools and tests that use it).

    Raises:
        SettingsError: a setting is missing or malformed.
    """
    env = os.environ if environ is None else environ
    settings = Settings.from_env(env)
    return msgspec.structs.replace(settings, https=https_from_env(env, default=True))


def app_from_env() -> Litestar:
    """The app of one worker process, built from the environment (uvicorn's ``factory=True`` import target)."""
    from shenbao.app import create_app

    return create_app(served_settings())


@contextmanager
def metrics_folder(workers: int, environ: MutableMapping[str, str] | None = None) -> Iterator[Path | None]:
    """Give several workers a metrics folder: a fresh temporary one when ``PROMETHEUS_MULTIPROC_DIR`` is unset
    (removed again at the end), the operator's own emptied of an earlier run's files when it is set.

    One worker needs none (``None``, the variable left as it is).
    """
    env = os.environ if environ is None else environ
    if workers <= 1:
        yield None
        return
    given = env.get(MULTIPROC_VARIABLE)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):  # an earlier run's counters would be summed into this one's
            stale.unlink()
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="shenbao-metrics-"))
    env[MULTIPROC_VARIABLE] = str(folder)
    try:
        yield folder
    finally:
        env.pop(MULTIPROC_VARIABLE, None)
        shutil.rmtree(folder, ignore_errors=True)


def serve(settings: Settings, host: str, port: int, *, workers: int = 1) -> None:
    """Serve the platform on ``host:port`` with ``workers`` processes (the settings are checked by the caller).

    Args:
        settings: what one process serves; with several, each worker reads the same environment again.
        host: the address to listen on.
        port: the port.
        workers: how many app processes share the socket.
    """
    import uvicorn

    if workers <= 1:
        from shenbao.app import create_app

        uvicorn.run(create_app(settings), host=host, port=port, log_level="info", proxy_headers=True)
        return
    if settings.database_url.startswith("sqlite:"):
        print(f"shenbao serve: {SQLITE_WORKERS_WARNING.format(workers=workers)}", file=sys.stderr)
    with metrics_folder(workers):
        uvicorn.run(
            "shenbao.cli.serving:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=True,
        )
