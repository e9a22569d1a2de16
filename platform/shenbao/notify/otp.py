"""Phone verification: a 6-digit code by SMS, valid 5 minutes, 5 tries, rate-limited by phone and address.

A code belongs to a *scope*: the draft it was asked for (``draft:<form>:<token>``) or an API submission's
idempotency key. A phone verified in one draft is not verified in another, and a number changed after it was
verified is a new, unverified number. Codes are kept only as a keyed digest (HMAC-SHA256 with the app's
secret), so the database never holds a usable code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta

from shenbao.metrics import count_sms_sent
from shenbao.notify.sms import Gateway, GatewayError, Sms
from shenbao.notify.templates import OTP_TEMPLATE
from shenbao.store import Database
from shenbao.store.database import as_utc
from shenbao.store.limits import Refused, clear_tries, take_try
from shenbao.store.sealing import phone_digests
from shenbao.store.verification import (
    add_challenge,
    latest_challenge,
    mark_verified,
    phone_verified,
    phones_verified,
    take_attempt,
)

__all__ = [
    "CODE_LIFETIME",
    "MAX_ATTEMPTS",
    "RESEND_AFTER",
    "CodeAlreadySent",
    "PhoneVerifier",
    "VerificationRefused",
]

CODE_LIFETIME = timedelta(minutes=5)
MAX_ATTEMPTS = 5
RESEND_AFTER = timedelta(seconds=60)
PER_PHONE_PER_HOUR = 5
PER_ADDRESS_PER_HOUR = 60
"""Generous: mobile carriers put many phones behind one address. ``SHENBAO_OTP_PER_ADDRESS_PER_HOUR`` sets it."""
_HOUR = timedelta(hours=1)
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_CODE = re.compile(r"^\d{6}$")


class VerificationRefused(Exception):
    """Sending or checking a code was refused; ``str(error)`` says why and what to do, in Chinese."""


class CodeAlreadySent(VerificationRefused):
    """A code was asked for again within the minute, and the last one went to this phone for this same scope.

    The code sent then is still good: a page may say so (a second tap on a slow network, or a first answer that
    never arrived, is not the farmer's mistake). ``wait``: seconds until another code may be asked for.
    """

    def __init__(self, message: str, *, wait: int) -> None:
        super().__init__(message)
        self.wait = wait


class PhoneVerifier:
    """Sends codes through a :class:`Gateway` and checks them against the database."""

    def __init__(
        self,
        database: Database,
        gateway: Gateway,
        secret: str | Sequence[str],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        per_address_per_hour: int = PER_ADDRESS_PER_HOUR,
    ) -> None:
        self.database = database
        self.per_address_per_hour = per_address_per_hour
        self.gateway = gateway
        given = [secret] if isinstance(secret, str) else list(secret)
        # The current secret digests new codes; a code sent under a retired one still checks (rotation).
        self._keys = [hashlib.sha256(("otp:" + each).encode()).digest() for each in given]
        self._key = self._keys[0]
        self._clock = clock

    def _digest(self, scope: str, phone: str, code: str, key: bytes | None = None) -> str:
        message = f"{scope}\n{phone}\n{code}".encode()
        return hmac.new(key or self._key, message, hashlib.sha256).hexdigest()

    def _matches(self, scope: str, phone: str, code: str, digest: str) -> bool:
        return any(hmac.compare_digest(self._digest(scope, phone, code, key), digest) for key in self._keys)

    async def send_code(self, *, scope: str, phone: str, client: str) -> None:
        """Send a new code to ``phone`` for ``scope``.

        Raises:
            VerificationRefused: not a mainland mobile number, asked again within 60 seconds, too many codes
                for this phone or from this address in the last hour, or the SMS could not be sent.
        """
        message = await self.issue_code(scope=scope, phone=phone, client=client)
        assert message is not None
        await self.deliver(message)

    async def issue_code(self, *, scope: str, phone: str, client: str, decoy: bool = False) -> Sms | None:
        """Record a new code for ``phone`` in ``scope`` under the rate limits; return its SMS, not sent yet.

        A ``decoy`` goes through the same checks and limits and leaves the same row, but no code can ever
        match it and there is no SMS (``None``): a page that must not tell whether a phone belongs to an
        application answers a wrong guess exactly as a right one.

        Raises:
            VerificationRefused: not a mainland mobile number, asked again within 60 seconds, or too many
                codes for this phone or from this address in the last hour.
        """
        if not _MOBILE.fullmatch(phone):
            raise VerificationRefused("请先填写正确的11位手机号码，再获取验证码")
        now = self._clock()
        code = f"{secrets.randbelow(10**6):06d}"
        # A decoy's digest is of a random string that is never six digits: no code typed can match it.
        digested = f"decoy:{secrets.token_hex(16)}" if decoy else code
        # The three limits and the code are one transaction: a refused request gives back the tries it took.
        async with self.database.transaction():
            # The phone in a key is its look-up digest (as the codes keep it), never the number.
            digest = phone_digests(self.database.require_keys(), phone)[0]
            await self._take(f"otp.resend:{digest}", 1, RESEND_AFTER, now, scope=scope, phone=phone)
            await self._take(f"otp.phone:{digest}", PER_PHONE_PER_HOUR, _HOUR, now)
            await self._take(f"otp.address:{client[:150]}", self.per_address_per_hour, _HOUR, now)
            await add_challenge(
                self.database,
                scope=scope,
                phone=phone,
                code_digest=self._digest(scope, phone, digested),
                client=client,
                now=now,
                expires_at=now + CODE_LIFETIME,
            )
        if decoy:
            return None
        params = {"code": code}
        return Sms(phone=phone, template="otp", text=OTP_TEMPLATE.format_map(params), params=params)

    async def _take(
        self, key: str, limit: int, window: timedelta, now: datetime, *, scope: str = "", phone: str = ""
    ) -> None:
        """Take a try of ``key``; a refusal says why. ``scope`` and ``phone``: this is the 60-second wait."""
        taken = await take_try(self.database, key, limit=limit, window=window, now=now)
        if not isinstance(taken, Refused):
            return
        if phone:
            wait = taken.seconds_left(now)
            message = f"验证码已经发出，请{wait}秒后再重新获取"
            last = await latest_challenge(self.database, scope, phone)
            if last is not None and now - as_utc(last.created_at) < RESEND_AFTER:
                raise CodeAlreadySent(message, wait=wait)
            raise VerificationRefused(message)
        if key.startswith("otp.phone:"):
            raise VerificationRefused("这个号码获取验证码太频繁了，请一小时后再试")
        raise VerificationRefused("获取验证码太频繁了，请稍后再试")

    async def deliver(self, message: Sms) -> None:
        """Send a code's SMS made by :meth:`issue_code`.

        A code the gateway could not send gives its 60-second wait back: the farmer may ask again at once (the
        hourly counts keep the try, so a failing gateway is still not asked without end).

        Raises:
            VerificationRefused: the gateway could not send it.
        """
        try:
            await self.gateway.send(message)
        except GatewayError as error:
            digest = phone_digests(self.database.require_keys(), message.phone)[0]
            await clear_tries(self.database, f"otp.resend:{digest}")
            raise VerificationRefused("短信没有发出去，请再点一次“发送验证码”") from error
        count_sms_sent(message.template)

    async def verify(self, *, scope: str, phone: str, code: str) -> None:
        """Check ``code`` for ``phone`` in ``scope``; on success the phone counts as verified for that scope.

        Raises:
            VerificationRefused: no code was sent, it expired, it is wrong (with the tries left), or it was
                wrong five times (then only a new code helps).
        """
        challenge = await latest_challenge(self.database, scope, phone)
        if challenge is None:
            raise VerificationRefused("请先点“发送验证码”，再填写短信里的验证码")
        if challenge.verified_at is not None:
            return
        now = self._clock()
        if now > as_utc(challenge.expires_at):
            raise VerificationRefused("验证码已过期（5分钟内有效），请重新获取验证码")
        code = code.strip()
        if not _CODE.fullmatch(code):
            raise VerificationRefused("请填写短信里的6位数字验证码")
        # The try is taken before the code is compared, by one statement: simultaneous guesses get five in all.
        attempt = await take_attempt(self.database, challenge.id, MAX_ATTEMPTS)
        if attempt is None:
            if await self.verified(scope=scope, phone=phone):
                return  # a simultaneous request with the right code got there first
            raise VerificationRefused("验证码错了5次，已经失效，请重新获取验证码")
        if self._matches(scope, phone, code, challenge.code_digest):
            await mark_verified(self.database, challenge.id, now)
            return
        left = MAX_ATTEMPTS - attempt
        if left <= 0:
            raise VerificationRefused("验证码错了5次，已经失效，请重新获取验证码")
        raise VerificationRefused(f"验证码不对，还可以再试{left}次")

    async def verified(self, *, scope: str, phone: str) -> bool:
        """Whether ``phone`` has been verified for ``scope``."""
        return await phone_verified(self.database, scope, phone)

    async def verified_among(self, *, scope: str, phones: Iterable[str]) -> set[str]:
        """Which of ``phones`` have been verified for ``scope`` (one look-up for them all)."""
        return await phones_verified(self.database, scope, phones)
