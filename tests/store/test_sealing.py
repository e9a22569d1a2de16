"""Identity numbers and phones at rest: sealed in every stored row, clear in every record read, found by digest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shenbao.forms.personal import NO_PERSONAL_FIELDS
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.sms import Sms
from shenbao.privacy.keyring import DATA_KEY_VARIABLE, LOOKUP_KEY_VARIABLE, KeysMissingError
from shenbao.store import (
    Database,
    application_by_idempotency_key,
    application_by_receipt,
    applications_by_id_number,
    load_draft,
    open_database,
    receipt_belongs_to_phone,
    save_draft,
    submit_application,
)
from shenbao.store.outbox import QueuedSms, enqueue_sms, outbox_messages
from shenbao.store.staff import application_in_region
from tests.support.personal import (
    ANSWERS_2021,
    ANSWERS_2023,
    ID,
    PHONE,
    PROXY_ID,
    PROXY_PHONE,
    SECRETS,
    VILLAGE,
    YIJIAN_FIELDS,
    ZIZHU_FIELDS,
    row_text,
    submit,
)

pytestmark = pytest.mark.anyio


async def test_the_stored_application_holds_no_clear_id_number_or_phone(db: Database) -> None:
    record = await submit(db)
    stored = await row_text(db, "application")
    for secret in SECRETS:
        assert secret not in stored
    assert (
        "v1:test1:" in stored and "张三" in stored and "畅家巷社区" in stored
    )  # names and places stay in clear
    assert record.answers == ANSWERS_2021


async def test_other_answers_stay_queryable_in_the_database(db: Database) -> None:
    await submit(db)
    if db.kind == "sqlite":
        sql = "SELECT json_extract(answers, '$.q4.name') AS name, json_type(answers, '$.q4.phone') AS phone FROM application"
    else:
        sql = "SELECT answers->'q4'->>'name' AS name, jsonb_typeof(answers->'q4'->'phone') AS phone FROM application"
    assert await db.fetch(sql) == [{"name": "张三", "phone": "object"}]


async def test_every_read_path_gives_clear_answers(db: Database) -> None:
    record = await submit(db)
    by_receipt = await application_by_receipt(db, record.receipt_number)
    by_key = await application_by_idempotency_key(db, "k1")
    in_region = await application_in_region(db, record.id, "620102")
    assert by_receipt is not None and by_key is not None and in_region is not None
    assert by_receipt.answers == by_key.answers == in_region.record.answers == ANSWERS_2021


async def test_a_question_answer_is_sealed_whole_and_keeps_its_type(db: Database) -> None:
    answers = {**ANSWERS_2023, "phone": PHONE}
    record, _ = await submit_application(
        db,
        idempotency_key=None,
        form_id="gansu-yijian-2023",
        form_version=1,
        answers=answers,
        personal=YIJIAN_FIELDS,
        region_code=VILLAGE,
    )
    stored = await row_text(db, "application")
    assert ID not in stored and PHONE not in stored and "illness" in stored
    stored_record = await application_by_receipt(db, record.receipt_number)
    assert stored_record is not None and stored_record.answers == answers


async def test_drafts_are_sealed_too_whatever_shape_the_farmer_left(db: Database) -> None:
    answers = {
        "q3": "a stray value where a multi-field answer belongs: " + PROXY_PHONE,
        "q4": {"name": "张三", "id_number": ID.lower(), "phone": "138 0013 8000"},
        "q1": "proxy",
    }
    await save_draft(db, "token-1", "gansu-zizhu-2021", 1, answers, "applicant", personal=ZIZHU_FIELDS)
    stored = await row_text(db, "draft")
    assert PROXY_PHONE not in stored and ID.lower() not in stored and "138 0013 8000" not in stored
    loaded = await load_draft(db, "token-1", "gansu-zizhu-2021")
    assert loaded is not None and loaded.answers == answers


async def test_staff_find_an_applicants_applications_by_id_number_in_their_region(db: Database) -> None:
    first = await submit(db, "k1")
    second = await submit(db, "k2")
    await submit(db, "k3", answers={**ANSWERS_2021, "q4": {"name": "赵六", "id_number": PROXY_ID}})
    typed = " ".join([ID[:6], ID[6:14], ID[14:]]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    found = await applications_by_id_number(db, typed.lower(), "620102001")
    assert [entry.id for entry in found] == [second.id, first.id]
    assert await applications_by_id_number(db, ID, "620103") == []  # another county sees none of them
    assert await applications_by_id_number(db, PROXY_ID, "62") != []  # the household head of the third


async def test_a_receipt_belongs_only_to_the_applicants_phone(db: Database) -> None:
    record = await submit(db)
    spaced = " ".join(record.receipt_number[i : i + 4] for i in range(0, 12, 4))
    assert await receipt_belongs_to_phone(db, spaced, "138-0013-8000")
    assert not await receipt_belongs_to_phone(db, record.receipt_number, PROXY_PHONE)  # the proxy's
    assert not await receipt_belongs_to_phone(db, record.receipt_number, "13900139000")
    assert not await receipt_belongs_to_phone(db, "1234", PHONE)


async def test_without_keys_personal_data_is_neither_written_nor_read(
    db: Database, database_url: str
) -> None:
    await save_draft(db, "token-1", "gansu-zizhu-2021", 1, ANSWERS_2021, "applicant", personal=ZIZHU_FIELDS)
    keyless = await open_database(database_url)
    try:
        with pytest.raises(KeysMissingError, match=f"{DATA_KEY_VARIABLE} and {LOOKUP_KEY_VARIABLE}"):
            await save_draft(
                keyless, "token-2", "gansu-zizhu-2021", 1, ANSWERS_2021, "", personal=ZIZHU_FIELDS
            )
        with pytest.raises(KeysMissingError):
            await load_draft(keyless, "token-1", "gansu-zizhu-2021")
        await save_draft(keyless, "token-3", "f", 1, {"q1": "是"}, "", personal=NO_PERSONAL_FIELDS)
    finally:
        await keyless.close()


async def test_the_outbox_keeps_phones_sealed_and_gives_them_back(db: Database) -> None:
    now = datetime.now(UTC)
    await enqueue_sms(db, [QueuedSms(phone=PHONE, template="t", text="您的申请已受理")], now=now)
    stored = await row_text(db, "outbox")
    assert PHONE not in stored and "v1:test1:" in stored
    [message] = await outbox_messages(db)
    assert message.phone == PHONE


async def test_verification_codes_keep_only_the_phones_digest(db: Database) -> None:
    sent: list[Sms] = []

    class Gateway:
        async def send(self, message: Sms) -> None:
            sent.append(message)

    verifier = PhoneVerifier(db, Gateway(), "secret")
    await verifier.send_code(scope="s", phone=PHONE, client="127.0.0.1")
    code = sent[-1].text.split("验证码是")[1][:6]
    await verifier.verify(scope="s", phone=PHONE, code=code)
    assert await verifier.verified(scope="s", phone=PHONE)
    assert not await verifier.verified(scope="s", phone=PROXY_PHONE)
    assert PHONE not in await row_text(db, "otp_challenge")
