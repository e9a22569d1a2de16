"""SMS gateways behind one small protocol, like httpx's transports: the platform never knows which is in use.

``console``
    prints each message (development).
``database``
    keeps each message in the ``sms_message`` table and prints it too: the demo's messages can be read
    without a phone. The default.

A provider adapter built on the provider's official SDK plugs in the same way (the approval chain's issue).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Protocol

import msgspec

from shenbao.store import Database
from shenbao.store.verification import record_sms

__all__ = ["ConsoleGateway", "DatabaseGateway", "Gateway", "GatewayError", "Sms", "gateway_named"]

log = logging.getLogger("shenbao.sms")


class Sms(msgspec.Struct, frozen=True, kw_only=True):
    """One text message: the number, the template it was made from (for the records) and its text."""

    phone: str
    template: str
    text: str


class GatewayError(RuntimeError):
    """The gateway could not send the message; the message says why."""


class Gateway(Protocol):
    async def send(self, message: Sms) -> None:
        """Send ``message`` or raise :class:`GatewayError`."""
        ...


class ConsoleGateway:
    """Prints each message: for development."""

    async def send(self, message: Sms) -> None:
        log.warning("SMS to %s: %s", message.phone, message.text)


class DatabaseGateway:
    """Keeps each message in the database (and prints it), for demos and tests."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def send(self, message: Sms) -> None:
        await record_sms(
            self.database,
            phone=message.phone,
            template=message.template,
            text=message.text,
            now=datetime.now(UTC),
        )
        log.warning("SMS to %s: %s", message.phone, message.text)


def gateway_named(name: str, database: Database) -> Gateway:
    """The gateway ``SHENBAO_SMS_GATEWAY`` names.

    Raises:
        ValueError: an unknown name; the message lists the known ones.
    """
    if name == "console":
        return ConsoleGateway()
    if name == "database":
        return DatabaseGateway(database)
    raise ValueError(f"unknown SMS gateway {name!r}: set SHENBAO_SMS_GATEWAY to console or database")
