"""Background jobs: a pass every ``interval`` seconds while the application runs, restarted after any failure.

Each job is claimed where it matters (the outbox's lease, the reminders' unique rows, the sweep's re-check), so any
number of processes may run the same job; this class only keeps one process's loop going.
"""

from __future__ import annotations

import asyncio
import logging

__all__ = ["PeriodicJob"]

log = logging.getLogger("shenbao.jobs")


class PeriodicJob:
    """Calls :meth:`tick` every ``interval`` seconds, the first ``first_after`` seconds after :meth:`start`.

    A failing pass is logged with its traceback and the loop goes on: a database hiccup must not end it.

    Args:
        interval: seconds between passes.
        first_after: seconds from :meth:`start` to the first pass.
    """

    name = "shenbao-job"
    """The asyncio task's name, and what the log calls the job."""

    def __init__(self, *, interval: float, first_after: float = 0.0) -> None:
        self.interval = interval
        self.first_after = first_after
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> None:
        """One pass; subclasses say what it does."""
        raise NotImplementedError

    def start(self) -> None:
        """Start the passes (once; a second call does nothing)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """Stop the passes and wait for the task to end."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if current is not None and current.cancelling():
                    raise  # the caller itself is being cancelled, not only the job

    async def _run(self) -> None:
        await asyncio.sleep(self.first_after)
        task = asyncio.current_task()
        while True:
            try:
                await self.tick()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s failed; trying again in %.0f s", self.name, self.interval)
            if task is not None and task.cancelling():
                # Stopped while a pass ran, and something in it swallowed the cancellation: stop all the same,
                # or the application would wait for this job for ever when it shuts down.
                raise asyncio.CancelledError
            await asyncio.sleep(self.interval)
