"""The housekeeping job: the orphan sweep of stored pictures and the forgetting of old rate-limit counts.

The application runs a pass every hour (:class:`HousekeepingJob`, started and stopped by the plugin); the first
a few minutes after start-up, so a process restarted often still sweeps and a test app never does. Every step
is harmless to run twice or in several processes at once (:mod:`shenbao.files.sweep` says why), so nothing is
claimed. ``shenbao sweep-files`` runs the sweep once (for cron, or after a flood).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import msgspec

from shenbao import store
from shenbao.files import FileStore
from shenbao.files.sweep import GRACE, SweepReport, sweep_files
from shenbao.jobs import PeriodicJob
from shenbao.settings import Settings
from shenbao.store import Database
from shenbao.store.limits import forget_stale_limits

__all__ = ["FIRST_PASS_AFTER", "HOUSEKEEPING_INTERVAL", "HousekeepingJob", "HousekeepingReport", "sweep_once"]

log = logging.getLogger("shenbao.housekeeping")

HOUSEKEEPING_INTERVAL = 3600.0
"""Seconds between passes."""
FIRST_PASS_AFTER = 300.0
"""Seconds from start-up to the first pass."""
LIMITS_KEPT = timedelta(days=1)
"""Rate-limit counts whose window began longer ago are deleted (every window is shorter)."""


class HousekeepingReport(msgspec.Struct, kw_only=True):
    """What one pass did."""

    files: SweepReport
    limits_forgotten: int = 0


class HousekeepingJob(PeriodicJob):
    """Sweeps orphan pictures and forgets old rate-limit counts every ``interval`` seconds.

    Args:
        db: the open database.
        files: the file store to sweep.
        interval: seconds between passes.
        first_after: seconds from :meth:`start` to the first pass.
        grace: how old an unreferenced picture must be to be deleted.
    """

    name = "shenbao-housekeeping"

    def __init__(
        self,
        db: Database,
        files: FileStore,
        *,
        interval: float = HOUSEKEEPING_INTERVAL,
        first_after: float = FIRST_PASS_AFTER,
        grace: timedelta = GRACE,
    ) -> None:
        super().__init__(interval=interval, first_after=first_after)
        self.db = db
        self.files = files
        self.grace = grace

    async def run_once(self, now: datetime | None = None) -> HousekeepingReport:
        """One pass now."""
        now = now or datetime.now(UTC)
        swept = await sweep_files(self.db, self.files, now=now, grace=self.grace)
        forgotten = await forget_stale_limits(self.db, older_than=now - LIMITS_KEPT)
        return HousekeepingReport(files=swept, limits_forgotten=forgotten)

    async def tick(self) -> None:
        report = await self.run_once()
        if report.files.deleted or report.files.restored or report.limits_forgotten:
            log.info("housekeeping: %s", msgspec.json.encode(report).decode())


async def sweep_once(settings: Settings, *, grace_hours: float) -> SweepReport:
    """``shenbao sweep-files``: open the settings' database (migrated) and sweep its file store once."""
    database = await store.open_database(settings.database_url)
    try:
        await store.migrate(database)
        return await sweep_files(
            database,
            FileStore.for_settings(settings),
            now=datetime.now(UTC),
            grace=timedelta(hours=grace_hours),
        )
    finally:
        await database.close()
