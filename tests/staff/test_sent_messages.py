"""The province admin reads the text messages the database gateway kept, numbers masked; nobody else does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.notify.aliyun import AliyunGateway, aliyun_client
from shenbao.notify.dispatcher import dispatch_due
from shenbao.notify.templates import OTP_TEMPLATE, template_names
from shenbao.packs import ChainRegistry
from shenbao.settings import AliyunSms, Settings
from shenbao.store.outbox import QueuedSms, enqueue_sms, mark_failed, outbox_messages
from tests.support.beside import last_code
from tests.support.web import sign_in


def test_the_province_admin_sees_the_sent_messages_without_their_codes(
    seeded: tuple[Settings, dict[str, str]], staff_client: TestClient[Litestar]
) -> None:
    staff_client.post(
        "/widgets/phone/send", data={"form": "gansu-yijian-2023", "name": "phone", "phone": "13800138000"}
    )
    code = last_code(seeded[0], "13800138000")
    sign_in(staff_client, "province")
    assert 'id="sent-sms"' in staff_client.get("/staff/").text
    page = staff_client.get("/staff/sms")
    assert page.status_code == 200
    assert "发给 138****8000" in page.text and "您的验证码是******，5分钟内有效" in page.text
    assert "13800138000" not in page.text  # the province admin reads numbers masked
    assert code not in page.text  # and no code: it is the farmer's


def test_a_queued_code_the_gateway_refused_is_not_shown_either(
    seeded: tuple[Settings, dict[str, str]],
) -> None:
    later = datetime.now(UTC) + timedelta(
        hours=1
    )  # not due while the page is read: the app's dispatcher runs
    code = "987654"

    async def refuse() -> None:
        database = await store.open_database(seeded[0].database_url, keys=seeded[0].keys)
        try:
            queued = QueuedSms(
                phone="13900139001",
                template="otp",
                text=OTP_TEMPLATE.format(code=code),
                params={"code": code},
            )
            await enqueue_sms(database, [queued], now=later)
            (message,) = await outbox_messages(database)
            await mark_failed(database, message.id, f"短信网关拒绝了验证码 {code}", later)
        finally:
            await database.close()

    asyncio.run(refuse())
    with TestClient(create_app(seeded[0]), base_url="http://127.0.0.1") as client:
        sign_in(client, "province")
        page = client.get("/staff/sms").text
    assert 'id="undelivered"' in page and "发给 13900139001" in page and "模板 otp" in page
    assert "您的验证码是******，5分钟内有效" in page and "短信网关拒绝了验证码 ******" in page
    assert code not in page


@pytest.mark.parametrize("role", ["village", "township", "county"])
def test_other_staff_may_not(staff_client: TestClient[Litestar], role: str) -> None:
    sign_in(staff_client, role)
    assert 'id="sent-sms"' not in staff_client.get("/staff/").text
    assert staff_client.get("/staff/sms").status_code == 403


def test_without_signing_in_it_is_the_sign_in_page(staff_client: TestClient[Litestar]) -> None:
    response = staff_client.get("/staff/sms", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].endswith("/staff/login")


def test_the_messages_the_gateway_refused_come_first_with_its_error(
    seeded: tuple[Settings, dict[str, str]],
) -> None:
    later = datetime.now(UTC) + timedelta(
        hours=1
    )  # not due while the page is read: the app's dispatcher runs

    async def refuse() -> None:
        database = await store.open_database(seeded[0].database_url, keys=seeded[0].keys)
        try:
            queued = [
                QueuedSms(phone=phone, template="refused", text=f"不予认定 {phone}")
                for phone in ("13900139001", "13900139002", "13900139003")
            ]
            await enqueue_sms(database, queued, now=later)
            given_up, retrying, _ = await outbox_messages(database)
            await mark_failed(
                database, given_up.id, "阿里云拒绝发送（isv.MOBILE_NUMBER_ILLEGAL：非法手机号）", None
            )
            await mark_failed(database, retrying.id, "阿里云短信暂时没有发出（isv.AMOUNT_NOT_ENOUGH）", later)
        finally:
            await database.close()

    asyncio.run(refuse())
    with TestClient(create_app(seeded[0]), base_url="http://127.0.0.1") as client:
        sign_in(client, "province")
        page = client.get("/staff/sms").text
    assert 'id="undelivered"' in page
    assert "发给 13900139001" in page and "已放弃（试了1次）" in page and "isv.MOBILE_NUMBER_ILLEGAL" in page
    assert "发给 13900139002" in page and "已试1次" in page and "isv.AMOUNT_NOT_ENOUGH" in page
    assert "13900139003" not in page  # not tried yet: nothing wrong with it


def test_a_message_queued_before_the_upgrade_shows_why_aliyun_could_not_send_it(
    seeded: tuple[Settings, dict[str, str]],
) -> None:
    settings = seeded[0]
    config = AliyunSms(
        access_key_id="k",
        access_key_secret="s",
        sign_name="甘肃一键报贫",
        templates={name: "SMS_1" for name in template_names(ChainRegistry.from_packs(["gansu"]))},
        endpoint="127.0.0.1:9",  # never called: a call would fail as "retry later", not as refused
    )
    now = datetime.now(UTC) - timedelta(minutes=1)

    async def dispatch() -> None:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await database.fetch(  # as an earlier version queued it: the upgrade left its values empty
                "INSERT INTO outbox (phone, template, text, status, attempts, next_attempt_at, last_error,"
                " created_at) VALUES ('13900139009', 'refused', {}, 'pending', 0, {}, '', {})",
                "【甘肃一键报贫】您的申请2606 0100 0001经答复农户不符合认定标准：收入高。",
                now,
                now,
            )
            gateway = AliyunGateway(
                config, template_names(ChainRegistry.from_packs(["gansu"])), client=aliyun_client(config)
            )
            assert await dispatch_due(database, gateway, now) == 0
        finally:
            await database.close()

    asyncio.run(dispatch())
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        sign_in(client, "province")
        page = client.get("/staff/sms").text
    assert 'id="undelivered"' in page and "发给 13900139009" in page and "已放弃（试了1次）" in page
    assert "这条短信是系统升级前排队的，没有存下阿里云模板要填的变量" in page
    assert "经答复农户不符合认定标准：收入高。" in page  # the text, to tell the farmer another way
