"""``shenbao encrypt-existing``: rows an earlier version wrote in clear still read, and get sealed; keys rotate."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from shenbao import cli, store
from shenbao.privacy.keyring import Keyring, SealedValueError, new_key_entry
from shenbao.store import (
    Database,
    application_by_receipt,
    encrypt_existing,
    load_draft,
    open_database,
    receipt_belongs_to_phone,
    save_draft,
)
from shenbao.store.outbox import QueuedSms, enqueue_sms, outbox_messages
from shenbao.store.receipts import new_receipt_number
from shenbao.store.tables import Application, Draft, OtpChallenge, Outbox
from shenbao.store.verification import phone_verified
from tests.support.keys import TEST_DATA_KEY, TEST_LOOKUP_KEY
from tests.support.personal import (
    ANSWERS_2021,
    ID,
    PHONE,
    PROXY_PHONE,
    SECRETS,
    ZIZHU_FIELDS,
    row_text,
    submit,
)

pytestmark = pytest.mark.anyio

FORMS = {"gansu-zizhu-2021": ZIZHU_FIELDS}


async def _legacy_application(
    form_id: str = "gansu-zizhu-2021", answers: dict[str, Any] = ANSWERS_2021
) -> str:
    """An application as an earlier version stored it: answers in clear, no digests."""
    now = datetime.now(UTC)
    receipt = new_receipt_number()
    await Application.insert(
        Application(
            receipt_number=receipt,
            form_id=form_id,
            form_version=1,
            status="submitted",
            flags=[],
            answers=answers,
            region_code="620102001001",
            created_at=now,
            updated_at=now,
        )
    )
    return receipt


async def _legacy_rows() -> str:
    now = datetime.now(UTC)
    await Draft.insert(
        Draft(
            token="t",
            form_id="gansu-zizhu-2021",
            form_version=1,
            answers=ANSWERS_2021,
            section="",
            updated_at=now,
        )
    )
    await Outbox.insert(
        Outbox(phone=PROXY_PHONE, template="t", text="x", next_attempt_at=now, created_at=now)
    )
    await OtpChallenge.insert(
        OtpChallenge(
            scope="s",
            phone_hash=PHONE,
            code_digest="d",
            client="c",
            created_at=now,
            expires_at=now,
            verified_at=now,
        )
    )
    return await _legacy_application()


async def test_rows_written_in_clear_still_read(db: Database) -> None:
    receipt = await _legacy_rows()
    record = await application_by_receipt(db, receipt)
    draft = await load_draft(db, "t", "gansu-zizhu-2021")
    assert record is not None and record.answers == ANSWERS_2021
    assert draft is not None and draft.answers == ANSWERS_2021
    assert [message.phone for message in await outbox_messages(db)] == [PROXY_PHONE]
    assert await phone_verified(db, "s", PHONE)  # a verification made before the upgrade still counts


async def test_encrypt_existing_seals_them_and_a_second_run_changes_nothing(db: Database) -> None:
    receipt = await _legacy_rows()
    assert not await receipt_belongs_to_phone(db, receipt, PHONE)  # no digest yet
    report = await encrypt_existing(db, FORMS)
    assert (report.applications, report.drafts, report.outbox, report.otp_challenges) == (1, 1, 1, 1)
    for table in ("application", "draft", "outbox", "otp_challenge"):
        stored = await row_text(db, table)
        assert not [secret for secret in SECRETS if secret in stored], table
    record = await application_by_receipt(db, receipt)
    assert record is not None and record.answers == ANSWERS_2021
    assert await receipt_belongs_to_phone(db, receipt, PHONE)
    assert [entry.receipt_number for entry in await store.applications_by_id_number(db, ID, "62")] == [
        receipt
    ]
    assert [message.phone for message in await outbox_messages(db)] == [PROXY_PHONE]
    assert await phone_verified(db, "s", PHONE)
    again = await encrypt_existing(db, FORMS)
    assert (again.applications, again.drafts, again.outbox, again.otp_challenges) == (0, 0, 0, 0)


async def test_rows_of_a_form_no_pack_has_are_reported_and_left_readable(db: Database) -> None:
    answers = {"tel": PHONE}
    receipt = await _legacy_application("old-form", answers)
    report = await encrypt_existing(db, FORMS)
    assert report.unknown_forms == {"old-form": 1} and report.applications == 0
    record = await application_by_receipt(db, receipt)
    assert record is not None and record.answers == answers


async def test_a_draft_saved_meanwhile_is_left_to_its_save(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    await Draft.insert(
        Draft(
            token="t",
            form_id="gansu-zizhu-2021",
            form_version=1,
            answers=ANSWERS_2021,
            section="",
            updated_at=now,
        )
    )
    newer = {**ANSWERS_2021, "q1": "self"}
    begin = db.transaction

    class FarmerSavesFirst:
        """The command's batch transaction, in which the farmer's save lands after the command read the draft."""

        def __init__(self) -> None:
            self.transaction = begin()

        async def __aenter__(self) -> Any:
            entered = await self.transaction.__aenter__()
            await save_draft(db, "t", "gansu-zizhu-2021", 1, newer, "applicant", personal=ZIZHU_FIELDS)
            return entered

        async def __aexit__(self, *exc: Any) -> Any:
            return await self.transaction.__aexit__(*exc)

    monkeypatch.setattr(db, "transaction", FarmerSavesFirst)
    report = await encrypt_existing(db, FORMS)
    assert report.drafts == 0 and report.drafts_saved_meanwhile == 1
    draft = await load_draft(db, "t", "gansu-zizhu-2021")
    assert draft is not None and draft.answers == newer


async def test_a_new_key_reads_the_old_ones_then_reseals_everything(db: Database, database_url: str) -> None:
    record = await submit(db)
    await save_draft(db, "t", "gansu-zizhu-2021", 1, ANSWERS_2021, "", personal=ZIZHU_FIELDS)
    await enqueue_sms(db, [QueuedSms(phone=PHONE, template="t", text="x")], now=record.created_at)
    data_key, lookup_key = new_key_entry("k2"), new_key_entry("l2")
    only_new = Keyring.parse(data_key, lookup_key)
    rotating = Keyring.parse(f"{data_key},{TEST_DATA_KEY}", f"{lookup_key},{TEST_LOOKUP_KEY}")
    async with await open_database(database_url, keys=only_new) as too_early:
        with pytest.raises(SealedValueError, match="'test1'"):
            await application_by_receipt(too_early, record.receipt_number)
    async with await open_database(database_url, keys=rotating) as during:
        assert await _answers(during, record.receipt_number) == ANSWERS_2021
        assert await receipt_belongs_to_phone(during, record.receipt_number, PHONE)  # the old digest matches
        report = await encrypt_existing(during, FORMS)
        assert (report.applications, report.drafts, report.outbox) == (1, 1, 1)
        stored = await row_text(during, "application") + await row_text(during, "draft")
        assert "v1:test1:" not in stored and "v1:k2:" in stored and "'l2:" in stored
    async with await open_database(database_url, keys=only_new) as after:
        assert await _answers(after, record.receipt_number) == ANSWERS_2021
        assert await receipt_belongs_to_phone(after, record.receipt_number, PHONE)
        assert [message.phone for message in await outbox_messages(after)] == [PHONE]
        draft = await load_draft(after, "t", "gansu-zizhu-2021")
        assert draft is not None and draft.answers == ANSWERS_2021


async def _answers(db: Database, receipt: str) -> dict[str, Any]:
    record = await application_by_receipt(db, receipt)
    assert record is not None
    return record.answers


def test_the_command_refuses_to_run_without_keys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.delenv("SHENBAO_DATA_KEY", raising=False)
    monkeypatch.delenv("SHENBAO_LOOKUP_KEY", raising=False)
    assert cli.main(["encrypt-existing"]) == 2
    assert "SHENBAO_DATA_KEY and SHENBAO_LOOKUP_KEY" in capsys.readouterr().err
