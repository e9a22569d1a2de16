"""SMS gateways behind one small protocol, like httpx's transports: the platform never knows which is in use.

``console``
    prints each message (development).
``database``
    keeps each message in the ``sms_message`` table (the demo's ``/demo/sms`` shows them, codes included) and
    prints it with its number masked and any verification code hidden. For development and the demo only.
``aliyun``
    Aliyun SMS (dysms) through its official SDK (:mod:`shenbao.notify.aliyun`, ``pip install 'shenbao[aliyun]'``).

A message carries its text and the values its template was filled with (``params``): the console and database
gateways send the text, a provider that only sends approved templates (Aliyun) sends the template's code with the
values as its parameters.

A gateway that cannot send a message raises :class:`GatewayError` (the dispatcher tries again later) or, when
trying again cannot help (a wrong number, a template the provider does not know), :class:`MessageRefused`.
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol

import msgspec

from shenbao.notify.templates import template_names
from shenbao.privacy.masking import mask_code, mask_phone
from shenbao.settings import Settings, SettingsError, check_sms_gateway
from shenbao.store import Database
from shenbao.store.verification import record_sms
from shenbao.workflow import Chain

__all__ = [
    "ConsoleGateway",
    "DatabaseGateway",
    "Gateway",
    "GatewayError",
    "MessageRefused",
    "Sms",
    "gateway_for",
]

log = logging.getLogger("shenbao.sms")


class Sms(msgspec.Struct, frozen=True, kw_only=True):
    """One text message: the number, the template it was made from, its text and the values that filled it."""

    phone: str
    template: str
    text: str
    params: dict[str, str] = {}
    """The values the template was filled with to give ``text``; ``{}`` for a message queued before they were
    kept with it."""


class GatewayError(RuntimeError):
    """The gateway could not send the message, this time; the error says why (in Chinese, for the admins)."""


class MessageRefused(GatewayError):
    """The provider refused the message for good (a wrong number, an unknown template): trying again cannot help."""


class Gateway(Protocol):
    async def send(self, message: Sms) -> None:
        """Send ``message`` or raise :class:`GatewayError` (or :class:`MessageRefused`)."""
        ...


def _for_the_log(message: Sms) -> tuple[str, str]:
    """The number masked and the text with any verification code masked: a log is read by more people than SMS."""
    text = (
        mask_code(message.text, message.params.get("code", "")) if message.template == "otp" else message.text
    )
    return mask_phone(message.phone), text


class ConsoleGateway:
    """Prints each message, its number masked and a verification code hidden: for development."""

    async def send(self, message: Sms) -> None:
        log.warning("SMS to %s: %s", *_for_the_log(message))


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
        log.warning("SMS to %s: %s", *_for_the_log(message))


def gateway_for(
    settings: Settings,
    database: Database,
    chains: Iterable[Chain],
    *,
    signs: Mapping[str, str] | None = None,
) -> Gateway:
    """The gateway ``SHENBAO_SMS_GATEWAY`` names, ready to send the SMS of ``chains`` (each chain's under its
    pack's sign, ``signs`` by chain id, where the provider sends the sign itself).

    Raises:
        SettingsError: an unknown gateway; the Aliyun gateway without its settings, without its SDK, or
            without a template code for one of the templates it may have to send.
    """
    name = settings.sms_gateway
    if name == "database":
        return DatabaseGateway(database)
    if name == "console":
        return ConsoleGateway()
    check_sms_gateway(name)
    if settings.aliyun_sms is None:
        raise SettingsError("SHENBAO_SMS_GATEWAY=aliyun 时必须设置 SHENBAO_ALIYUN_SMS_* 变量（见 README）")
    if importlib.util.find_spec("alibabacloud_dysmsapi20170525") is None:
        raise SettingsError(
            "SHENBAO_SMS_GATEWAY=aliyun 需要阿里云短信的 SDK：请先安装 pip install 'shenbao[aliyun]'"
        )
    from shenbao.notify.aliyun import AliyunGateway  # the SDK is an optional dependency: imported when used

    return AliyunGateway(settings.aliyun_sms, template_names(chains), signs=signs)
