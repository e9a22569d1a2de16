"""Phone verification codes: life, tries, rate limits and scope, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta

import pytest

from shenbao.notify.otp import CodeAlreadySent, PhoneVerifier, VerificationRefused
from shenbao.notify.sms import DatabaseGateway, GatewayError, Sms
from shenbao.store import Database
from shenbao.store.verification import recent_sms

pytestmark = pytest.mark.anyio

PHONE = "13800138000"
DRAFT = "draft:gansu-yijian-2023:token-a"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Outbox:
    """A gateway that keeps what it was asked to send."""

    def __init__(self) -> None:
        self.sent: list[Sms] = []

    async def send(self, message: Sms) -> None:
        self.sent.append(message)

    def last_code(self) -> str:
        match = re.search(r"验证码是(\d{6})", self.sent[-1].text)
        assert match
        assert self.sent[-1].params == {"code": match.group(1)}  # what a template provider is sent
        return match.group(1)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox()


@pytest.fixture
def verifier(db: Database, outbox: Outbox, clock: Clock) -> PhoneVerifier:
    return PhoneVerifier(db, outbox, "secret", clock=clock, per_address_per_hour=20)


async def test_the_right_code_verifies_the_phone_for_its_draft_only(
    verifier: PhoneVerifier, outbox: Outbox
) -> None:
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    assert outbox.sent[-1].phone == PHONE and "5分钟内有效" in outbox.sent[-1].text
    await verifier.verify(scope=DRAFT, phone=PHONE, code=outbox.last_code())
    assert await verifier.verified(scope=DRAFT, phone=PHONE)
    assert not await verifier.verified(scope="draft:gansu-yijian-2023:token-b", phone=PHONE)  # no replay
    assert not await verifier.verified(scope=DRAFT, phone="13900139000")  # a swapped number is not verified


async def test_five_wrong_codes_lock_it(verifier: PhoneVerifier, outbox: Outbox) -> None:
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    right = outbox.last_code()
    wrong = "000000" if right != "000000" else "111111"
    messages = []
    for _ in range(5):
        with pytest.raises(VerificationRefused) as refused:
            await verifier.verify(scope=DRAFT, phone=PHONE, code=wrong)
        messages.append(str(refused.value))
    assert messages[0] == "验证码不对，还可以再试4次"
    assert messages[-1].startswith("验证码错了5次")
    with pytest.raises(VerificationRefused, match="错了5次"):
        await verifier.verify(scope=DRAFT, phone=PHONE, code=right)
    assert not await verifier.verified(scope=DRAFT, phone=PHONE)


async def test_a_code_lives_five_minutes(verifier: PhoneVerifier, outbox: Outbox, clock: Clock) -> None:
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    clock.advance(minutes=5, seconds=1)
    with pytest.raises(VerificationRefused, match="过期"):
        await verifier.verify(scope=DRAFT, phone=PHONE, code=outbox.last_code())


async def test_resending_waits_sixty_seconds(verifier: PhoneVerifier, clock: Clock) -> None:
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    clock.advance(seconds=30)
    with pytest.raises(VerificationRefused, match="请31秒后再重新获取"):
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    clock.advance(seconds=31)
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")


async def test_asking_again_in_the_same_draft_points_to_the_code_sent(
    verifier: PhoneVerifier, outbox: Outbox, clock: Clock
) -> None:
    """Within the minute, the same draft is told the code it has is the one to type; another draft, to wait."""
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    clock.advance(seconds=20)
    with pytest.raises(CodeAlreadySent) as again:
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    assert again.value.wait == 41
    with pytest.raises(VerificationRefused, match="请41秒后再重新获取") as elsewhere:
        await verifier.send_code(scope="draft:gansu-yijian-2023:token-b", phone=PHONE, client="1.2.3.4")
    assert not isinstance(elsewhere.value, CodeAlreadySent)
    assert len(outbox.sent) == 1
    await verifier.verify(scope=DRAFT, phone=PHONE, code=outbox.last_code())  # the first code still works


async def test_codes_are_rate_limited_per_phone_and_per_address(
    verifier: PhoneVerifier, clock: Clock
) -> None:
    for _ in range(5):
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
        clock.advance(seconds=61)
    with pytest.raises(VerificationRefused, match="一小时后再试"):
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    for number in range(15):
        await verifier.send_code(scope=DRAFT, phone=f"1390013{number:04d}", client="1.2.3.4")
    with pytest.raises(VerificationRefused, match="稍后再试"):
        await verifier.send_code(scope=DRAFT, phone="13700137000", client="1.2.3.4")
    await verifier.send_code(scope=DRAFT, phone="13700137000", client="5.6.7.8")


async def test_a_code_needs_a_mobile_number(verifier: PhoneVerifier) -> None:
    with pytest.raises(VerificationRefused, match="11位手机号码"):
        await verifier.send_code(scope=DRAFT, phone="1380013800", client="1.2.3.4")


async def test_a_code_is_six_digits(verifier: PhoneVerifier) -> None:
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    with pytest.raises(VerificationRefused, match="6位数字"):
        await verifier.verify(scope=DRAFT, phone=PHONE, code="12345")


async def test_checking_before_sending_says_to_send_first(verifier: PhoneVerifier) -> None:
    with pytest.raises(VerificationRefused, match="先点“发送验证码”"):
        await verifier.verify(scope=DRAFT, phone=PHONE, code="123456")


async def test_the_database_gateway_keeps_what_it_sent(db: Database) -> None:
    await DatabaseGateway(db).send(Sms(phone=PHONE, template="otp", text="【申报】您的验证码是123456"))
    [message] = await recent_sms(db, phone=PHONE)
    assert message.template == "otp" and message.text.endswith("123456")


async def test_no_code_is_kept_in_clear(db: Database, verifier: PhoneVerifier, outbox: Outbox) -> None:
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    rows = await db.fetch("SELECT code_digest FROM otp_challenge")
    assert outbox.last_code() not in str(rows) and len(rows[0]["code_digest"]) == 64


async def test_a_decoy_code_sends_nothing_and_nothing_verifies_it(
    verifier: PhoneVerifier, outbox: Outbox
) -> None:
    scope = "status:261128000000:token-b"
    assert await verifier.issue_code(scope=scope, phone=PHONE, client="1.2.3.4", decoy=True) is None
    assert outbox.sent == []
    for code in ("000000", "123456", "999999"):
        with pytest.raises(VerificationRefused, match="验证码不对"):
            await verifier.verify(scope=scope, phone=PHONE, code=code)
    assert not await verifier.verified(scope=scope, phone=PHONE)


async def test_a_decoy_counts_against_the_limits_like_a_code(verifier: PhoneVerifier, clock: Clock) -> None:
    await verifier.issue_code(scope="status:a", phone=PHONE, client="1.2.3.4", decoy=True)
    with pytest.raises(VerificationRefused, match="秒后再重新获取"):
        await verifier.issue_code(scope="status:b", phone=PHONE, client="1.2.3.4")
    for _ in range(4):
        clock.advance(seconds=61)
        await verifier.issue_code(scope="status:a", phone=PHONE, client="1.2.3.4", decoy=True)
    clock.advance(seconds=61)
    with pytest.raises(VerificationRefused, match="一小时后再试"):
        await verifier.issue_code(scope="status:a", phone=PHONE, client="1.2.3.4")


async def test_an_issued_code_is_sent_when_delivered(verifier: PhoneVerifier, outbox: Outbox) -> None:
    message = await verifier.issue_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    assert message is not None and outbox.sent == []
    await verifier.deliver(message)
    await verifier.verify(scope=DRAFT, phone=PHONE, code=outbox.last_code())
    assert await verifier.verified(scope=DRAFT, phone=PHONE)


async def test_simultaneous_requests_get_no_more_codes_than_one_at_a_time(
    verifier: PhoneVerifier, outbox: Outbox
) -> None:
    async def ask(phone: str) -> bool:
        try:
            await verifier.send_code(scope=DRAFT, phone=phone, client="10.0.0.9")
        except VerificationRefused:
            return False
        return True

    assert sum(await asyncio.gather(*(ask(PHONE) for _ in range(30)))) == 1  # 60 seconds between codes
    phones = [f"1390000{number:04d}" for number in range(40)]
    assert sum(await asyncio.gather(*(ask(phone) for phone in phones))) == 19  # 20 an hour from one address
    assert len(outbox.sent) == 20


async def test_a_burst_of_taps_in_one_draft_sends_one_code_and_points_the_rest_to_it(
    verifier: PhoneVerifier, outbox: Outbox
) -> None:
    """Thirty simultaneous "发送验证码" of one draft: one code goes, every other tap is told that code is the one."""

    async def tap() -> int:
        """0 when this tap sent the code, else the seconds it was told to wait for another."""
        try:
            await verifier.send_code(scope=DRAFT, phone=PHONE, client="10.0.0.9")
        except CodeAlreadySent as again:
            return again.wait
        return 0

    waits = await asyncio.gather(*(tap() for _ in range(30)))
    assert waits.count(0) == 1
    assert all(
        60 <= wait <= 61 for wait in waits if wait
    )  # whole seconds, rounded up: the test clock stands still
    assert len(outbox.sent) == 1
    await verifier.verify(scope=DRAFT, phone=PHONE, code=outbox.last_code())


async def test_a_refused_code_takes_no_try_from_the_other_limits(verifier: PhoneVerifier) -> None:
    for number in range(20):
        await verifier.send_code(scope=DRAFT, phone=f"1390000{number:04d}", client="10.0.0.9")
    with pytest.raises(VerificationRefused, match="获取验证码太频繁"):
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="10.0.0.9")
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="10.0.0.10")  # its resend wait was given back


class FailingOnce(Outbox):
    """A gateway whose first send fails, as a provider does when it is briefly unreachable."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def send(self, message: Sms) -> None:
        if not self.failed:
            self.failed = True
            raise GatewayError("the provider did not answer")
        await super().send(message)


async def test_a_code_the_gateway_could_not_send_may_be_asked_for_again_at_once(
    db: Database, clock: Clock
) -> None:
    gateway = FailingOnce()
    verifier = PhoneVerifier(db, gateway, "secret", clock=clock, per_address_per_hour=20)
    with pytest.raises(VerificationRefused, match="短信没有发出去"):
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")
    await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")  # no 60-second wait
    await verifier.verify(scope=DRAFT, phone=PHONE, code=gateway.last_code())
    with pytest.raises(VerificationRefused, match="秒后"):  # a code that went out keeps its wait
        await verifier.send_code(scope=DRAFT, phone=PHONE, client="1.2.3.4")


async def test_a_drafts_phones_are_checked_in_one_look_up(verifier: PhoneVerifier, outbox: Outbox) -> None:
    other = "13900139000"
    for phone in (PHONE, other):
        await verifier.send_code(scope=DRAFT, phone=phone, client="1.2.3.4")
    await verifier.verify(scope=DRAFT, phone=PHONE, code=outbox.sent[0].params["code"])
    asked = {PHONE, other, "138 0013 8000"}  # the same number as typed with spaces counts as verified
    assert await verifier.verified_among(scope=DRAFT, phones=asked) == {PHONE, "138 0013 8000"}
    assert await verifier.verified_among(scope="draft:gansu-yijian-2023:token-b", phones=asked) == set()
    assert await verifier.verified_among(scope=DRAFT, phones=()) == set()
