"""Submitting applications: one transaction, a fresh receipt number, exactly once per idempotency key."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from shenbao.china_time import to_china
from shenbao.forms.personal import NO_PERSONAL_FIELDS
from shenbao.store import (
    ApplicationRecord,
    Database,
    ReceiptNumbersExhaustedError,
    application_by_idempotency_key,
    application_by_receipt,
    count_applications,
    load_draft,
    parse_receipt,
    queries,
    save_draft,
    submit_application,
)
from shenbao.store.database import sqlite_path
from shenbao.store.receipts import check_digit, new_receipt_number

pytestmark = pytest.mark.anyio

FORM = "poverty-risk"
ANSWERS: dict[str, Any] = {
    "q1": "甘肃省定西市",
    "q2": ["因病", "因学"],
    "q5": {"code": "621102100201", "name": "安定区凤翔镇"},
    "q9": 4,
}


async def _submit(
    db: Database, key: str | None = "key-1", **overrides: Any
) -> tuple[ApplicationRecord, bool]:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "form_id": FORM,
        "form_version": 2,
        "answers": ANSWERS,
        "personal": NO_PERSONAL_FIELDS,
        "flags": [],
        "outcome_id": None,
        "region_code": "621102100201",
        "draft_token": None,
    }
    return await submit_application(db, **{**fields, **overrides})


def _numbers(*numbers: str) -> Iterator[str]:
    """Receipt numbers drawn in this order, then fresh ones."""
    yield from numbers
    while True:
        yield new_receipt_number()


async def test_submit_stores_the_application_with_a_fresh_receipt_number(db: Database) -> None:
    application, created = await _submit(
        db, flags=["policy_mismatch"], outcome_id="q49", draft_token="token-1"
    )
    assert created is True
    assert parse_receipt(application.receipt_display) == application.receipt_number
    assert application.receipt_number[:6] == to_china(application.created_at).strftime("%y%m%d")
    assert (application.form_id, application.form_version, application.status) == (FORM, 2, "submitted")
    assert application.flags == ("policy_mismatch",)
    assert application.outcome_id == "q49"
    assert application.answers == ANSWERS
    assert application.region_code == "621102100201"
    assert (application.idempotency_key, application.draft_token) == ("key-1", "token-1")
    assert application.created_at == application.updated_at
    assert await application_by_receipt(db, application.receipt_number) == application
    assert await count_applications(db) == 1


async def test_submit_deletes_the_draft(db: Database) -> None:
    await save_draft(db, "token-1", FORM, 2, ANSWERS, "review", personal=NO_PERSONAL_FIELDS)
    await save_draft(db, "token-1", "another-form", 1, {"q1": "是"}, "", personal=NO_PERSONAL_FIELDS)
    await _submit(db, draft_token="token-1")
    assert await load_draft(db, "token-1", FORM) is None
    assert await load_draft(db, "token-1", "another-form") is not None


async def test_a_failure_after_the_insert_keeps_the_draft_and_stores_nothing(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await save_draft(db, "token-1", FORM, 2, ANSWERS, "review", personal=NO_PERSONAL_FIELDS)

    async def broken_delete(token: str, form_id: str) -> bool:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(queries, "_delete_draft_rows", broken_delete)
    with pytest.raises(RuntimeError, match="disk is full"):
        await _submit(db, draft_token="token-1")
    assert await count_applications(db) == 0
    assert await load_draft(db, "token-1", FORM) is not None


async def test_submit_joins_the_callers_transaction(db: Database) -> None:
    # The web layer adds the first chain step and the outbox SMS in the same transaction: if they fail,
    # the application must not stay behind without them.
    await save_draft(db, "token-1", FORM, 2, ANSWERS, "review", personal=NO_PERSONAL_FIELDS)

    async def submit_then_fail_to_route() -> None:
        async with db.transaction():
            await _submit(db, draft_token="token-1")
            raise LookupError("no handler for this village")

    with pytest.raises(LookupError):
        await submit_then_fail_to_route()
    assert await count_applications(db) == 0
    assert await load_draft(db, "token-1", FORM) is not None


async def test_a_retry_with_the_same_key_returns_the_same_application(db: Database) -> None:
    first, first_created = await _submit(db)
    again, again_created = await _submit(db, answers={"q1": "changed"}, flags=["other"])
    assert (first_created, again_created) == (True, False)
    assert again == first
    assert await count_applications(db) == 1
    assert await application_by_idempotency_key(db, "key-1") == first


async def test_concurrent_duplicate_submits_create_exactly_one(db: Database) -> None:
    results = await asyncio.gather(*(_submit(db, key="double-tap") for _ in range(8)))
    assert sum(created for _, created in results) == 1
    assert len({application.receipt_number for application, _ in results}) == 1
    assert all(application == results[0][0] for application, _ in results)
    assert await count_applications(db) == 1


async def test_losing_the_race_on_the_key_returns_the_winners_application(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    winner, _ = await _submit(db)

    async def not_seen_yet(db: Database, key: str | None) -> None:
        return None  # as if the winner committed between our check and our insert

    monkeypatch.setattr(queries, "application_by_idempotency_key", not_seen_yet)
    loser, created = await _submit(db, draft_token="token-1")
    assert created is False
    assert loser == winner
    assert await count_applications(db) == 1


async def test_submits_without_a_key_always_create(db: Database) -> None:
    first, _ = await _submit(db, key=None)
    second, created = await _submit(db, key=None)
    assert created is True
    assert first.receipt_number != second.receipt_number
    assert await count_applications(db) == 2


@pytest.mark.parametrize("checked", [pytest.param(True, id="seen-before"), pytest.param(False, id="race")])
async def test_a_taken_receipt_number_is_drawn_again(
    db: Database, monkeypatch: pytest.MonkeyPatch, checked: bool
) -> None:
    first, _ = await _submit(db, key="first")
    draws = _numbers(first.receipt_number)
    monkeypatch.setattr(queries, "new_receipt_number", lambda now=None: next(draws))
    if not checked:

        async def looks_free(receipt: str) -> bool:
            return False  # another submit takes it between our check and our insert

        monkeypatch.setattr(queries, "_receipt_taken", looks_free)
    second, created = await _submit(db, key="second")
    assert created is True
    assert second.receipt_number != first.receipt_number
    assert await count_applications(db) == 2


async def test_no_free_receipt_number_is_a_clear_error(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    first, _ = await _submit(db, key="first")
    monkeypatch.setattr(queries, "new_receipt_number", lambda now=None: first.receipt_number)
    with pytest.raises(ReceiptNumbersExhaustedError, match="no free receipt number"):
        await _submit(db, key="second")
    assert await count_applications(db) == 1


@pytest.mark.parametrize("key", [pytest.param("", id="empty"), pytest.param("k" * 256, id="too-long")])
async def test_bad_idempotency_keys_are_refused(db: Database, key: str) -> None:
    with pytest.raises(ValueError, match="1 to 255 characters"):
        await _submit(db, key=key)


async def test_receipt_numbers_are_found_as_people_type_them(db: Database) -> None:
    application, _ = await _submit(db)
    number = application.receipt_number
    fullwidth = "".join(chr(ord(digit) + 0xFEE0) for digit in number)
    assert await application_by_receipt(db, application.receipt_display) == application
    assert await application_by_receipt(db, f" {number[:6]}-{number[6:]} ") == application
    assert await application_by_receipt(db, fullwidth) == application
    typo = number[:-2] + str((int(number[-2]) + 1) % 10) + number[-1]
    assert await application_by_receipt(db, typo) is None
    unknown_body = "000101" + "00000"
    assert await application_by_receipt(db, unknown_body + check_digit(unknown_body)) is None


async def test_applications_are_counted_per_form(db: Database) -> None:
    await _submit(db, key="a")
    await _submit(db, key="b")
    await _submit(db, key="c", form_id="housing")
    assert await count_applications(db) == 3
    assert await count_applications(db, FORM) == 2
    assert await count_applications(db, "housing") == 1
    assert await count_applications(db, "nothing") == 0


async def test_chinese_answers_are_stored_as_chinese_text(db: Database) -> None:
    await _submit(db)
    if db.kind == "sqlite":
        # Read the file with the standard library: what any other tool (or an export) would see.
        with sqlite3.connect(sqlite_path(db.url)) as connection:
            stored = connection.execute("SELECT answers FROM application").fetchone()[0]
    else:
        stored = (await db.fetch("SELECT answers::text AS answers FROM application"))[0]["answers"]
    assert "甘肃省定西市" in stored
    assert "安定区凤翔镇" in stored
    assert "\\u" not in stored
