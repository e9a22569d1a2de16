"""A dispatcher process that claims a batch, sends some of it, then hangs until it is killed:
``python -m tests.processes.claim_and_die URL SENT``. It prints ``hanging`` once it holds the rest unsent."""

from __future__ import annotations

import asyncio
import os
import sys

from shenbao.notify.dispatcher import dispatch_due
from shenbao.notify.sms import DatabaseGateway, Sms
from shenbao.privacy.keyring import Keyring
from shenbao.store import open_database


class _DiesMidBatch(DatabaseGateway):
    def __init__(self, *args: object, sends: int) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self.sends = sends

    async def send(self, message: Sms) -> None:
        if self.sends == 0:
            print("hanging", flush=True)
            await asyncio.Event().wait()  # killed here, its claim on the rest still held
        self.sends -= 1
        await super().send(message)


async def main(url: str, sends: int) -> None:
    database = await open_database(url, keys=Keyring.from_env(os.environ))
    await dispatch_due(database, _DiesMidBatch(database, sends=sends))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
