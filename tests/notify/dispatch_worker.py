"""A dispatcher in a process of its own, for the two-process outbox test: ``python -m tests.notify.dispatch_worker URL``.

It sends through the database gateway (each send is a ``sms_message`` row) until the outbox has nothing pending,
a little slowly, so two such processes interleave their passes.
"""

from __future__ import annotations

import asyncio
import os
import sys

from shenbao.notify.dispatcher import dispatch_due
from shenbao.notify.sms import DatabaseGateway, Sms
from shenbao.privacy.keyring import Keyring
from shenbao.store import open_database
from shenbao.store.outbox import pending_count


class SlowGateway(DatabaseGateway):
    async def send(self, message: Sms) -> None:
        await asyncio.sleep(0.002)
        await super().send(message)


async def main(url: str) -> None:
    database = await open_database(url, keys=Keyring.from_env(os.environ))
    try:
        gateway = SlowGateway(database)
        while await pending_count(database):
            await dispatch_due(database, gateway)
    finally:
        await database.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
