"""The Aliyun SMS gateway: the official SDK builds and signs each request, sent to a local fake of Aliyun's endpoint."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from shenbao.notify.aliyun import AliyunGateway, aliyun_client
from shenbao.notify.dispatcher import dispatch_due
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.sms import GatewayError, MessageRefused, Sms
from shenbao.notify.templates import chain_template, template_names
from shenbao.packs import ChainRegistry
from shenbao.settings import AliyunSms, Settings, SettingsError
from shenbao.store import Database, migrate, open_database, schema
from shenbao.store.outbox import QueuedSms, enqueue_sms, outbox_messages, undelivered_messages
from shenbao.workflow import Notify, sms_params, sms_text
from tests.notify.aliyun_fake import FakeAliyun, fake_aliyun
from tests.support.keys import TEST_KEYS

pytestmark = pytest.mark.anyio

CHAINS = ChainRegistry.from_packs(["gansu"])
TEMPLATES = template_names(CHAINS)
CODES = {name: f"SMS_{1000 + number}" for number, name in enumerate(sorted(TEMPLATES))}
REFUSED = chain_template("gansu-yijian-2023", "refused")
STEP_WAITING = chain_template("gansu-yijian-2023", "step_waiting")
PHONE = "13800138000"
_NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


def _environment(endpoint: str) -> dict[str, str]:
    return {
        "SHENBAO_SMS_GATEWAY": "aliyun",
        "SHENBAO_ALIYUN_SMS_ACCESS_KEY_ID": "test-key-id",
        "SHENBAO_ALIYUN_SMS_ACCESS_KEY_SECRET": "test-key-secret",
        "SHENBAO_ALIYUN_SMS_SIGN_NAME": "甘肃一键报贫",
        "SHENBAO_ALIYUN_SMS_TEMPLATES": ",".join(f"{name}={code}" for name, code in CODES.items()),
        "SHENBAO_ALIYUN_SMS_ENDPOINT": endpoint,
    }


@pytest.fixture
async def aliyun() -> AsyncIterator[tuple[FakeAliyun, AliyunGateway]]:
    async with fake_aliyun() as fake:
        config = Settings.from_env(_environment(fake.endpoint)).aliyun_sms
        assert config is not None
        # The real SDK client, over plain HTTP to the local fake (https in production).
        yield fake, AliyunGateway(config, TEMPLATES, client=aliyun_client(config, protocol="http"))


def _refusal() -> Sms:
    chain, _ = CHAINS.get("gansu-yijian-2023") or pytest.fail("no 2023 chain")
    event = Notify(
        to="applicant",
        role=None,
        region="620102001001",
        template="refused",
        values={"step": "村里答复", "reason": "家庭人均纯收入高于监测标准"},
    )
    return Sms(
        phone=PHONE,
        template=REFUSED,
        text=sms_text(chain, event, receipt="G2026-000123"),
        params=sms_params(chain, event, receipt="G2026-000123"),
    )


async def test_a_message_goes_as_its_aliyun_template_with_its_stored_values_as_parameters(
    aliyun: tuple[FakeAliyun, AliyunGateway],
) -> None:
    fake, gateway = aliyun
    await gateway.send(_refusal())
    [request] = fake.received
    assert request.method == "POST" and request.headers["x-acs-action"] == "SendSms"
    assert request.headers["x-acs-version"] == "2017-05-25"
    assert request.headers["authorization"].startswith("ACS3-HMAC-SHA256 Credential=test-key-id,")
    assert request.query["PhoneNumbers"] == PHONE
    assert request.query["SignName"] == "甘肃一键报贫"
    assert request.query["TemplateCode"] == CODES[REFUSED]
    assert json.loads(request.query["TemplateParam"]) == {
        "receipt": "G2026-000123",
        "step": "村里答复",
        "reason": "家庭人均纯收入高于监测标准",
    }


async def test_the_verification_code_goes_as_the_otp_template(
    aliyun: tuple[FakeAliyun, AliyunGateway], db: Database
) -> None:
    fake, gateway = aliyun
    await PhoneVerifier(db, gateway, "secret").send_code(scope="draft:f:t", phone=PHONE, client="1.2.3.4")
    [request] = fake.received
    assert request.query["TemplateCode"] == CODES["otp"]
    code = json.loads(request.query["TemplateParam"])["code"]
    assert json.loads(request.query["TemplateParam"]) == {"code": code} and re.fullmatch(r"\d{6}", code)
    await PhoneVerifier(db, gateway, "secret").verify(
        scope="draft:f:t", phone=PHONE, code=code
    )  # the real one


async def test_the_stored_values_go_whatever_the_text_says(aliyun: tuple[FakeAliyun, AliyunGateway]) -> None:
    """The text is never read back: a template reworded after queueing changes nothing that is sent."""
    fake, gateway = aliyun
    values = {"receipt": "2606 0100 0001", "step": "乡镇审核", "label": "", "due": "6月8日"}
    await gateway.send(Sms(phone=PHONE, template=STEP_WAITING, text="模板改过之后的正文", params=values))
    [request] = fake.received
    assert request.query["TemplateCode"] == CODES[STEP_WAITING]
    assert json.loads(request.query["TemplateParam"]) == values


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (200, "isv.BUSINESS_LIMIT_CONTROL"),  # the same number too often: Aliyun's flow control
        (200, "isv.AMOUNT_NOT_ENOUGH"),  # the balance ran out: goes once topped up
        (400, "Throttling.User"),  # the API's own throttling, as an HTTP error
        (503, "ServiceUnavailable"),
    ],
)
async def test_throttling_and_server_errors_are_retried(
    aliyun: tuple[FakeAliyun, AliyunGateway], status: int, code: str
) -> None:
    fake, gateway = aliyun
    fake.answer(status, Code=code, Message="稍后再试")
    with pytest.raises(GatewayError, match=code) as raised:
        await gateway.send(_refusal())
    assert not isinstance(raised.value, MessageRefused)
    assert len(fake.received) == 1  # the SDK does not retry on its own: the dispatcher does


async def test_an_unreachable_endpoint_is_retried() -> None:
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = Settings.from_env(_environment(f"127.0.0.1:{port}")).aliyun_sms
    assert config is not None
    gateway = AliyunGateway(config, TEMPLATES, client=aliyun_client(config, protocol="http"))
    with pytest.raises(GatewayError, match="连不上阿里云短信服务") as raised:
        await gateway.send(_refusal())
    assert not isinstance(raised.value, MessageRefused)


@pytest.mark.parametrize(
    ("code", "advice"),
    [
        ("isv.MOBILE_NUMBER_ILLEGAL", "请核对这个号码"),
        ("isv.SMS_TEMPLATE_ILLEGAL", "SHENBAO_ALIYUN_SMS_TEMPLATES"),
        ("isv.SMS_SIGNATURE_ILLEGAL", "SHENBAO_ALIYUN_SMS_SIGN_NAME"),
        ("isv.PARAM_LENGTH_LIMIT", "请缩短内容"),
    ],
)
async def test_a_refusal_for_good_is_not_retried(
    aliyun: tuple[FakeAliyun, AliyunGateway], code: str, advice: str
) -> None:
    fake, gateway = aliyun
    fake.answer(200, Code=code, Message="refused")
    with pytest.raises(MessageRefused, match=code) as raised:
        await gateway.send(_refusal())
    assert advice in str(raised.value) and "不再重试" in str(raised.value)


async def test_a_template_without_an_aliyun_code_is_refused_without_calling_aliyun(
    aliyun: tuple[FakeAliyun, AliyunGateway],
) -> None:
    fake, gateway = aliyun
    with pytest.raises(MessageRefused, match="没有对应的阿里云模板代码"):
        await gateway.send(
            Sms(phone=PHONE, template="no-such-template", text="hello", params={"receipt": "1"})
        )
    assert fake.received == []


async def test_a_message_queued_before_the_upgrade_fails_for_good_with_a_clear_error(
    aliyun: tuple[FakeAliyun, AliyunGateway],
    database_url: str,
    anyio_backend: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, gateway = aliyun
    kept = next(
        step.version for step in schema.STEPS if step.name == "the template parameters of each queued SMS"
    )
    async with await open_database(database_url, keys=TEST_KEYS) as db:
        with monkeypatch.context() as before:  # the schema as it was before the values were kept
            before.setattr(schema, "STEPS", tuple(step for step in schema.STEPS if step.version < kept))
            await migrate(db)
        await db.fetch(  # a message the earlier version queued: no values
            "INSERT INTO outbox (phone, template, text, status, attempts, next_attempt_at, last_error, created_at)"
            " VALUES ({}, 'refused', {}, 'pending', 0, {}, '', {})",
            PHONE,
            _refusal().text,
            _NOW,
            _NOW,
        )
        assert [step.version for step in await migrate(db)] == [
            s.version for s in schema.STEPS if s.version >= kept
        ]
        await enqueue_sms(db, [_queued(_refusal(), "13900139000")], now=_NOW)  # one queued after: goes
        assert await dispatch_due(db, gateway, _NOW) == 1
        old, new = await outbox_messages(db)
        assert old.params == {} and old.status == "failed" and old.attempts == 1
        assert "系统升级前排队" in old.last_error and "不再重试" in old.last_error
        assert new.status == "sent"
        [request] = fake.received
        assert request.query["PhoneNumbers"] == "13900139000"
        assert [message.id for message in await undelivered_messages(db)] == [old.id]


def _queued(message: Sms, phone: str) -> QueuedSms:
    return QueuedSms(phone=phone, template=message.template, text=message.text, params=message.params)


async def test_the_dispatcher_records_each_answer(
    aliyun: tuple[FakeAliyun, AliyunGateway], db: Database
) -> None:
    fake, gateway = aliyun
    refusal = _refusal()
    await enqueue_sms(db, [_queued(refusal, phone) for phone in ("1", "2", "3")], now=_NOW)
    fake.answer(200, Code="OK", Message="OK", BizId="9")
    fake.answer(200, Code="isv.BUSINESS_LIMIT_CONTROL", Message="触发分钟级流控")
    fake.answer(200, Code="isv.MOBILE_NUMBER_ILLEGAL", Message="非法手机号")
    assert await dispatch_due(db, gateway, _NOW) == 1
    sent, throttled, refused = await outbox_messages(db)
    assert sent.status == "sent"
    assert throttled.status == "pending" and throttled.next_attempt_at == _NOW + timedelta(seconds=30)
    assert "isv.BUSINESS_LIMIT_CONTROL" in throttled.last_error
    assert refused.status == "failed" and refused.attempts == 1
    assert "isv.MOBILE_NUMBER_ILLEGAL" in refused.last_error and "请核对这个号码" in refused.last_error
    assert [message.id for message in await undelivered_messages(db)] == [refused.id, throttled.id]
    assert await dispatch_due(db, gateway, _NOW + timedelta(seconds=30)) == 1  # the throttled one, once
    assert [message.status for message in await outbox_messages(db)] == ["sent", "sent", "failed"]
    assert len(fake.received) == 4
    # what went is what was stored with each message, read back from the database
    stored = [json.loads(request.query["TemplateParam"]) for request in fake.received]
    assert stored == [refusal.params] * 4 and refusal.params["reason"] == "家庭人均纯收入高于监测标准"


def test_every_template_needs_an_aliyun_code_at_start_up() -> None:
    codes = {name: code for name, code in CODES.items() if name not in {REFUSED, "otp"}}
    config = AliyunSms(access_key_id="k", access_key_secret="s", sign_name="签名", templates=codes)
    with pytest.raises(SettingsError, match="SHENBAO_ALIYUN_SMS_TEMPLATES") as raised:
        AliyunGateway(config, TEMPLATES)
    assert f"{REFUSED}、otp" in str(raised.value)


def test_a_bare_template_name_gives_the_code_of_every_chain_s_template_of_that_name() -> None:
    codes = {name: code for name, code in CODES.items() if not name.endswith(".refused")}
    config = AliyunSms(access_key_id="k", access_key_secret="s", sign_name="签名", templates=codes)
    with pytest.raises(SettingsError, match="refused"):
        AliyunGateway(config, TEMPLATES)
    bare = AliyunGateway(
        config.__class__(**{**_fields(config), "templates": codes | {"refused": "SMS_9"}}), TEMPLATES
    )
    assert bare.request(_refusal()).template_code == "SMS_9"
    own = {**codes, "refused": "SMS_9", REFUSED: "SMS_8"}  # the chain's own code wins over the bare one
    chosen = AliyunGateway(config.__class__(**{**_fields(config), "templates": own}), TEMPLATES)
    assert chosen.request(_refusal()).template_code == "SMS_8"


def test_each_chain_s_message_goes_under_its_pack_s_sign() -> None:
    config = AliyunSms(access_key_id="k", access_key_secret="s", sign_name="平台签名", templates=CODES)
    gateway = AliyunGateway(
        config, TEMPLATES, signs={"gansu-yijian-2023": "甘肃一键报贫", "other-chain": "别省申报"}
    )
    assert gateway.request(_refusal()).sign_name == "甘肃一键报贫"
    other = Sms(phone=PHONE, template="other-chain.refused", text="…", params={"receipt": "1"})
    with pytest.raises(
        MessageRefused
    ):  # a chain the gateway has no code for is refused, never sent as another's
        gateway.request(other)
    codes = AliyunGateway(
        config.__class__(**{**_fields(config), "templates": {**CODES, "refused": "SMS_9"}}),
        TEMPLATES,
        signs={"other-chain": "别省申报"},
    )
    assert codes.request(other).sign_name == "别省申报"
    otp = Sms(phone=PHONE, template="otp", text="…", params={"code": "123456"})
    assert gateway.request(otp).sign_name == "平台签名"  # the platform's own messages: the configured sign


def _fields(config: AliyunSms) -> dict[str, object]:
    return {field: getattr(config, field) for field in config.__struct_fields__}
