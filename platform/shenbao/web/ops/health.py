"""``/healthz`` and ``/readyz``: is the process up, and can it serve now.

``/healthz`` answers 200 as long as the process answers HTTP at all: no database, no file, nothing that could be
slow; a supervisor restarts the process when it stops answering. ``/readyz`` answers 200 only when every check
passes, else 503; a load balancer sends no farmer to a process that is not ready, and a failing database or
object store does not get the processes restarted for nothing. The body lists each check, ``"ok"`` or its
problem, in words for the operator and without a secret (no URL, no key, no path):

- ``database``: it answers a trivial query within :data:`CHECK_SECONDS`;
- ``schema``: every schema step this shenbao knows is applied (else: run ``shenbao migrate``);
- ``keys``: the keys that seal identity numbers and phones are loaded and seal and open a value;
- ``files``: the file store (a folder, or an object store) takes a file now.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Final

import msgspec

from shenbao.files import FileStoreUnavailableError
from shenbao.privacy.keyring import Keyring
from shenbao.store import Database
from shenbao.store.readings import database_answers
from shenbao.store.schema import STEPS, schema_version

__all__ = ["CHECK_SECONDS", "OK", "Readiness", "readiness"]

log = logging.getLogger("shenbao.health")

CHECK_SECONDS: Final = 2.0
"""How long a check may take before it counts as failed: a load balancer's probe waits a few seconds at most."""
OK: Final = "ok"
_NOT_CHECKED = "not checked: the database does not answer"
_LATEST = max(step.version for step in STEPS)
_reported: dict[str, str] = {}
"""The problem last logged per check: a probe every few seconds logs a problem once, and once when it is over."""


class Readiness(msgspec.Struct, frozen=True, kw_only=True):
    """What ``/readyz`` answers: ``ready`` when every check is ``"ok"``."""

    ready: bool
    checks: dict[str, str]


async def readiness(
    database: Database | None, keys: Keyring | None, ping_files: Callable[[], Awaitable[None]] | None
) -> Readiness:
    """Run the checks (the database's and the file store's at the same time), each within :data:`CHECK_SECONDS`.

    Args:
        database: the platform's database; ``None`` while the platform has not started.
        keys: the keys the database was opened with.
        ping_files: the file store's ``ping``; ``None`` while the platform has not started.

    Returns:
        Each check's result, in a fixed order: database, schema, keys, files.
    """
    if database is None or ping_files is None:
        reason = "not started: the platform has not finished starting (or has stopped)"
        return Readiness(ready=False, checks=dict.fromkeys(("database", "schema", "keys", "files"), reason))
    (answered, schema), files = await asyncio.gather(_database(database), _files(ping_files))
    checks = {"database": answered, "schema": schema, "keys": _keys(keys), "files": files}
    for check, result in checks.items():
        _report(check, result)
    return Readiness(ready=all(result == OK for result in checks.values()), checks=checks)


async def _database(database: Database) -> tuple[str, str]:
    """The ``database`` and ``schema`` checks: the schema is only asked about once the database answers."""
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await database_answers(database)
    except TimeoutError:
        return f"no answer within {CHECK_SECONDS:g} s", _NOT_CHECKED
    except Exception as error:  # the drivers' errors are many; each means the same here
        _report("database error", str(error))
        return f"does not answer ({type(error).__name__})", _NOT_CHECKED
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            applied = await schema_version(database)
    except Exception as error:  # a timeout too: the database answered a moment ago
        _report("schema error", str(error))
        return OK, f"could not be read ({type(error).__name__})"
    if applied < _LATEST:
        return OK, f"behind: step {applied} of {_LATEST} is applied; run shenbao migrate"
    if applied > _LATEST:
        return (
            OK,
            f"ahead: step {applied} was applied by a newer shenbao (this one knows {_LATEST}); upgrade it",
        )
    return OK, OK


def _keys(keys: Keyring | None) -> str:
    if keys is None:
        return "missing: set SHENBAO_DATA_KEY and SHENBAO_LOOKUP_KEY"
    try:
        usable = keys.open(keys.seal(b"ready")) == b"ready" and bool(keys.digest("readyz", "ready"))
    except Exception as error:  # a damaged keyring raises whatever its cipher raises
        _report("keys error", str(error))
        usable = False
    return OK if usable else "unusable: the keys do not seal and open a value"


async def _files(ping: Callable[[], Awaitable[None]]) -> str:
    try:
        async with asyncio.timeout(CHECK_SECONDS):
            await ping()
    except TimeoutError:
        return f"no answer within {CHECK_SECONDS:g} s"
    except FileStoreUnavailableError as error:
        _report("files error", str(error))
        return "unavailable: it does not take a file now (the log says why)"
    return OK


def _report(check: str, result: str) -> None:
    """Log a check's problem when it starts or changes, and its recovery; stay quiet while nothing changes."""
    if result == OK:
        _reported.pop(f"{check} error", None)  # the error behind it, if any, is over too
    before = _reported.get(check)
    if result == before or (result == OK and before is None):
        return
    if result == OK:
        del _reported[check]
        log.info("readyz: %s ok again", check)
        return
    _reported[check] = result
    log.warning("readyz: %s: %s", check, result)
