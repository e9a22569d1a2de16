"""Background jobs: a failing pass does not end the loop, and a stopped job stops, whatever its pass did."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from shenbao.jobs import PeriodicJob

pytestmark = pytest.mark.anyio


class Swallowing(PeriodicJob):
    """A pass that swallows a cancellation, as Python 3.11's ``asyncio.wait_for`` may in a race."""

    def __init__(self) -> None:
        super().__init__(interval=0.01)
        self.passes = 0
        self.running = asyncio.Event()

    async def tick(self) -> None:
        self.passes += 1
        self.running.set()
        if self.passes > 1:  # only the first pass swallows: a failing test must not hang the run
            await asyncio.sleep(10)
            return
        with contextlib.suppress(asyncio.CancelledError):  # swallowed
            await asyncio.sleep(10)


class Failing(PeriodicJob):
    def __init__(self) -> None:
        super().__init__(interval=0.01)
        self.passes = 0

    async def tick(self) -> None:
        self.passes += 1
        raise RuntimeError("the database hiccuped")


async def test_a_job_stopped_during_a_pass_stops_even_if_the_pass_swallowed_it() -> None:
    job = Swallowing()
    job.start()
    await job.running.wait()
    stopping = asyncio.create_task(job.stop())
    done, _ = await asyncio.wait({stopping}, timeout=2)
    assert stopping in done, "the job went on after stop()"
    assert job.passes == 1


async def test_a_failing_pass_is_logged_and_the_next_one_comes(caplog: pytest.LogCaptureFixture) -> None:
    job = Failing()
    job.start()
    for _ in range(200):
        if job.passes >= 3:
            break
        await asyncio.sleep(0.01)
    await job.stop()
    assert job.passes >= 3 and "failed; trying again" in caplog.text
