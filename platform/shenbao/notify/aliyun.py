"""Aliyun SMS (dysms, API version 2017-05-25) through its official SDK: ``pip install 'shenbao[aliyun]'``.

Aliyun sends only templates approved in its console, each known by a code and filled with parameters. A message
names its template (a chain's ``new_application``, ``refused``, ..., or ``otp``); ``SHENBAO_ALIYUN_SMS_TEMPLATES``
gives that template's Aliyun code, and the values the message was made from, stored with it when it was queued
(:attr:`~shenbao.notify.sms.Sms.params`), go as the template parameters under the same names (``{receipt}`` in
the chain is ``${receipt}`` in the Aliyun template). Every stored value goes, none is picked here: they are the
receipt number and one value per placeholder of the chain's template (:func:`shenbao.workflow.sms_params`;
``{code}`` for ``otp``), what the Aliyun template, approved with the same variables, asks for. An Aliyun template
with a variable the chain's lacks is refused by Aliyun (``isv.TEMPLATE_MISSING_PARAMETERS``), shown with its
code on ``/staff/sms``. A chain's message is queued under ``<chain id>.<template>``
(:mod:`shenbao.notify.templates`): its code is the one given for that name, else the one given for the bare
template name. The sign (``【...】``) of a chain's message is its pack's ``sms_sign``, so two provinces served
side by side each send under their own; the platform's own messages (the verification code) and those queued
before names carried their chain go under ``SHENBAO_ALIYUN_SMS_SIGN_NAME``.

The text is never parsed: the wording of a template edited between queueing and sending does not matter, the
message goes with the values it was made from. Every message queued since the values are kept has some (the
receipt number, or the code); one queued before (``params`` empty) is refused for good with an error saying so,
shown on ``/staff/sms``: its values are not guessed from its text.

Aliyun's answers become the gateway's: ``OK`` is sent; throttling, quotas, an empty balance, credentials, server
errors and the network raise :class:`~shenbao.notify.sms.GatewayError` (the dispatcher tries again with backoff);
a wrong number, a template or sign Aliyun does not accept, or parameters it refuses raise
:class:`~shenbao.notify.sms.MessageRefused` (marked failed at once). Either way the error, in Chinese with
Aliyun's code, is what the province admin reads on ``/staff/sms``.

The SDK's own retries stay off: the outbox's dispatcher owns retrying, and a message is never lost while it waits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.models import Config

from shenbao.notify.sms import GatewayError, MessageRefused, Sms
from shenbao.notify.templates import chain_of, provider_code
from shenbao.settings import AliyunSms, SettingsError

__all__ = ["AliyunGateway", "aliyun_client"]

log = logging.getLogger("shenbao.sms")

CONNECT_TIMEOUT_MS = 5_000
READ_TIMEOUT_MS = 10_000
"""A provider that hangs must not hold up the dispatcher's other messages for long."""

_SIGN = "请在阿里云短信控制台核对签名已审核通过，并改正 SHENBAO_ALIYUN_SMS_SIGN_NAME"
_TEMPLATE = "请在阿里云短信控制台核对模板已审核通过，并改正 SHENBAO_ALIYUN_SMS_TEMPLATES 里这个模板的代码"
_PARAMETERS = "阿里云模板的变量要和申报短信模板的变量同名（如 ${receipt}），请核对模板"
_QUEUED_BEFORE_UPGRADE = (
    "这条短信是系统升级前排队的，没有存下阿里云模板要填的变量，无法按模板发出。这条短信不再重试"
)
"""A message without stored values: its text is not parsed to guess them (``/staff/sms`` shows the text, and
says to tell the recipient another way)."""
_REFUSED = {
    "isv.MOBILE_NUMBER_ILLEGAL": "手机号码格式不对，请核对这个号码",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED": "这是国际/港澳台模板，不能发往内地号码，请改用国内消息模板",
    "isv.SMS_TEMPLATE_ILLEGAL": _TEMPLATE,
    "isv.SMS_SIGNATURE_ILLEGAL": _SIGN,
    "isv.SMS_SIGN_ILLEGAL": _SIGN,
    "isv.SIGN_STATE_ILLEGAL": _SIGN,
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "签名和模板类型不一致：验证码签名只能发验证码模板，请改用通用签名",
    "isv.TEMPLATE_MISSING_PARAMETERS": _PARAMETERS,
    "isv.INVALID_JSON_PARAM": _PARAMETERS,
    "isv.INVALID_PARAMETERS": "请核对号码、签名和模板代码",
    "isv.PARAM_LENGTH_LIMIT": "有变量超过了阿里云允许的长度（如不予认定的理由太长），请缩短内容或在阿里云申请放宽",
    "isv.PARAM_NOT_SUPPORT_URL": "变量里不能有网址，请把网址写进模板",
    "isv.BLACK_KEY_CONTROL_LIMIT": "变量里有阿里云禁止的关键词，请修改内容",
    "isv.SMS_CONTENT_ILLEGAL": "短信内容有禁止发送的内容，请修改模板文案",
}
"""Aliyun's codes for a message that trying again cannot send, with what to do."""
_CREDENTIALS = "请核对 SHENBAO_ALIYUN_SMS_ACCESS_KEY_ID 和 SHENBAO_ALIYUN_SMS_ACCESS_KEY_SECRET"
_BALANCE = "阿里云账户欠费或余额不足，请尽快充值"
_LIMIT = "达到了阿里云短信控制台设置的发送量上限，请在控制台提高限额"
_RETRIED = {
    "isv.BUSINESS_LIMIT_CONTROL": "同一号码发送太频繁，被阿里云限流；如果常出现，请在阿里云短信控制台调整流控",
    "isv.DAY_LIMIT_CONTROL": _LIMIT,
    "isv.MONTH_LIMIT_CONTROL": _LIMIT,
    "isv.OUT_OF_SERVICE": _BALANCE,
    "isv.AMOUNT_NOT_ENOUGH": _BALANCE,
    "isp.RAM_PERMISSION_DENY": "这个 AccessKey 没有发短信的权限，请给它的 RAM 用户授权 AliyunDysmsFullAccess",
    "isv.PRODUCT_UN_SUBSCRIPT": "这个阿里云账号还没有开通短信服务，请先开通",
    "isv.ACCOUNT_NOT_EXISTS": _CREDENTIALS,
    "InvalidAccessKeyId.NotFound": _CREDENTIALS,
    "InvalidAccessKeyId.Inactive": _CREDENTIALS,
    "SignatureDoesNotMatch": _CREDENTIALS,
    "isv.DENY_IP_RANGE": "服务器的地址不在中国内地，阿里云不从这里发国内短信",
}
"""Aliyun's codes for a message that may go later (once the limit resets, or an operator acts)."""


def aliyun_client(config: AliyunSms, *, protocol: str = "https") -> Any:
    """The SDK's client for ``config`` (``protocol`` is for tests talking to a local fake server)."""
    return Client(
        Config(
            access_key_id=config.access_key_id,
            access_key_secret=config.access_key_secret,
            endpoint=config.endpoint,
            protocol=protocol,
            connect_timeout=CONNECT_TIMEOUT_MS,
            read_timeout=READ_TIMEOUT_MS,
        )
    )


class AliyunGateway:
    """Sends each message as the Aliyun template its template name maps to, filled with its stored values.

    Args:
        config: the ``SHENBAO_ALIYUN_SMS_*`` settings.
        templates: every template name a message may carry (the chains' and the platform's own:
            :func:`~shenbao.notify.templates.template_names`).
        signs: each chain's sign, by chain id (its pack's ``sms_sign``); a message of another chain goes under
            ``config.sign_name``.
        client: the SDK's client; made from ``config`` when omitted.

    Raises:
        SettingsError: a template without an Aliyun code (checked at start-up, not at the first refusal).
    """

    def __init__(
        self,
        config: AliyunSms,
        templates: Iterable[str],
        *,
        signs: Mapping[str, str] | None = None,
        client: Any = None,
    ) -> None:
        missing = sorted(name for name in set(templates) if provider_code(config.templates, name) is None)
        if missing:
            raise SettingsError(
                f"SHENBAO_ALIYUN_SMS_TEMPLATES 缺少这些短信模板的阿里云模板代码：{'、'.join(missing)}；"
                f"请在阿里云短信控制台申请这些模板，审核通过后把代码加上，如 {missing[0]}=SMS_123456789"
            )
        self.config = config
        self.signs = dict(signs or {})
        self.client = client if client is not None else aliyun_client(config)

    def request(self, message: Sms) -> Any:
        """The SDK's ``SendSmsRequest`` for ``message``.

        Raises:
            MessageRefused: the template has no Aliyun code, or the message has no stored values (queued
                before they were kept).
        """
        if not message.params:  # queued before they were kept: every message since has a receipt or a code
            raise MessageRefused(_QUEUED_BEFORE_UPGRADE)
        code = provider_code(self.config.templates, message.template)
        if code is None:
            raise MessageRefused(
                f"短信模板 {message.template} 没有对应的阿里云模板代码：请在 SHENBAO_ALIYUN_SMS_TEMPLATES 里加上"
            )
        return SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=self.signs.get(chain_of(message.template)) or self.config.sign_name,
            template_code=code,
            template_param=json.dumps(message.params, ensure_ascii=False),
        )

    async def send(self, message: Sms) -> None:
        request = self.request(message)
        try:
            response = await self.client.send_sms_async(request)
        except Exception as error:  # every failure of the call becomes the dispatcher's to retry or record
            raise _call_failed(error) from error
        body = response.body
        answer = getattr(body, "code", None)
        if answer == "OK":
            log.info("SMS to %s sent by Aliyun (%s)", message.phone, getattr(body, "biz_id", ""))
            return
        raise _answered(str(answer), str(getattr(body, "message", "") or ""))


def _answered(code: str, said: str) -> GatewayError:
    """The error for Aliyun's answer ``code`` (with its message ``said``)."""
    if code in _REFUSED:
        return MessageRefused(f"阿里云拒绝发送（{code}：{said}）：{_REFUSED[code]}。这条短信不再重试")
    advice = _RETRIED.get(code, "稍后自动重试")
    return GatewayError(f"阿里云短信暂时没有发出（{code}：{said}）：{advice}")


def _call_failed(error: Exception) -> GatewayError:
    """The error for an exception of the SDK's call: Aliyun answered with an HTTP error, or never answered."""
    code = getattr(error, "code", None)
    if isinstance(code, str) and code not in {"", "None"}:  # the SDK writes a missing code as "None"
        return _answered(code, str(getattr(error, "message", "") or error))
    cause = getattr(error, "inner_exception", None) or error  # the SDK wraps network errors
    detail = f"{type(cause).__name__}：{cause}" if str(cause) else type(cause).__name__
    return GatewayError(f"连不上阿里云短信服务（{detail}），稍后自动重试")
