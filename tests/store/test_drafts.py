"""Drafts: one per browser token and form, replaced on every save, gone when deleted."""

from __future__ import annotations

import asyncio
import json

import pytest

from shenbao.forms.personal import NO_PERSONAL_FIELDS, PersonalFields
from shenbao.store import (
    Database,
    DraftRecord,
    delete_draft,
    load_draft,
    save_draft,
    save_draft_changes,
)
from shenbao.store.sealing import is_sealed

pytestmark = pytest.mark.anyio

ANSWERS = {
    "q1": "是",
    "q3": ["住房", "医疗"],
    "q7": {"code": "620102001001", "name": "甘肃省兰州市"},
    "q9": 3,
}


async def _draft_rows(db: Database) -> int:
    return int((await db.fetch("SELECT count(*) AS n FROM draft"))[0]["n"])


async def test_a_saved_draft_loads_as_it_was_saved(db: Database) -> None:
    saved = await save_draft(
        db, "token-1", "poverty-risk", 3, ANSWERS, "household", personal=NO_PERSONAL_FIELDS
    )
    loaded = await load_draft(db, "token-1", "poverty-risk")
    assert loaded == saved
    assert loaded == DraftRecord(
        token="token-1",
        form_id="poverty-risk",
        form_version=3,
        answers=ANSWERS,
        section="household",
        updated_at=saved.updated_at,
    )


async def test_saving_again_replaces_the_draft(db: Database) -> None:
    first = await save_draft(
        db, "token-1", "poverty-risk", 3, ANSWERS, "household", personal=NO_PERSONAL_FIELDS
    )
    second = await save_draft(
        db, "token-1", "poverty-risk", 4, {"q1": "否"}, "income", personal=NO_PERSONAL_FIELDS
    )
    assert await load_draft(db, "token-1", "poverty-risk") == second
    assert second.updated_at >= first.updated_at
    assert await _draft_rows(db) == 1


async def test_drafts_are_kept_per_token_and_form(db: Database) -> None:
    await save_draft(db, "token-1", "poverty-risk", 1, {"q1": "是"}, "", personal=NO_PERSONAL_FIELDS)
    await save_draft(db, "token-1", "housing", 1, {"q1": "否"}, "", personal=NO_PERSONAL_FIELDS)
    await save_draft(db, "token-2", "poverty-risk", 1, {"q1": "不确定"}, "", personal=NO_PERSONAL_FIELDS)
    assert await _draft_rows(db) == 3
    mine = await load_draft(db, "token-1", "poverty-risk")
    assert mine is not None
    assert mine.answers == {"q1": "是"}


async def test_no_draft_loads_as_none(db: Database) -> None:
    assert await load_draft(db, "never-saved", "poverty-risk") is None


async def test_deleting_a_draft_says_whether_there_was_one(db: Database) -> None:
    await save_draft(db, "token-1", "poverty-risk", 1, ANSWERS, "", personal=NO_PERSONAL_FIELDS)
    assert await delete_draft(db, "token-1", "poverty-risk") is True
    assert await delete_draft(db, "token-1", "poverty-risk") is False
    assert await load_draft(db, "token-1", "poverty-risk") is None


PERSONAL = PersonalFields(phones=("phone", "q4.phone"), applicant_phone="phone")


async def test_changes_are_merged_into_the_draft_and_phones_stay_sealed(db: Database) -> None:
    first = await save_draft_changes(
        db, "token-m", "f", 1, {"q1": "是", "phone": "13912345678"}, "a", personal=PERSONAL
    )
    assert first.answers == {"q1": "是", "phone": "13912345678"}
    changes = {"q1": "", "q4": {"name": "张三", "phone": "13800138000"}, "q9": [1, 2]}
    second = await save_draft_changes(db, "token-m", "f", 2, changes, "b", personal=PERSONAL)
    expected = {"phone": "13912345678", "q4": {"name": "张三", "phone": "13800138000"}, "q9": [1, 2]}
    assert second.answers == expected
    loaded = await load_draft(db, "token-m", "f")
    assert loaded is not None and loaded.answers == expected
    assert (loaded.form_version, loaded.section) == (2, "b")
    raw = (await db.fetch("SELECT answers FROM draft WHERE token = {}", "token-m"))[0]["answers"]
    stored = json.loads(raw) if isinstance(raw, str) else raw
    assert is_sealed(stored["phone"]) and is_sealed(stored["q4"]["phone"]) and stored["q4"]["name"] == "张三"
    assert "13912345678" not in json.dumps(stored) and "13800138000" not in json.dumps(stored)


async def test_simultaneous_changes_to_one_draft_all_stay(db: Database) -> None:
    changes = [{f"q{number}": f"answer {number}"} for number in range(40)]
    await asyncio.gather(
        *(save_draft_changes(db, "token-c", "f", 1, change, "a", personal=PERSONAL) for change in changes)
    )
    loaded = await load_draft(db, "token-c", "f")
    assert loaded is not None
    assert loaded.answers == {key: value for change in changes for key, value in change.items()}


async def test_a_question_id_that_is_not_a_name_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="not a question id"):
        await save_draft_changes(db, "t", "f", 1, {'q1"]': "x"}, "a", personal=PERSONAL)


async def test_only_the_drafts_own_commit_skips_the_wait_for_the_disk(db: Database) -> None:
    """A draft's commit does not wait for an fsync; nothing else's does not either (no setting leaks)."""
    for number in range(5):
        await save_draft_changes(db, f"t{number}", "f", 1, {"q1": "x"}, "a", personal=PERSONAL)
    if db.kind == "postgres":
        for _ in range(5):  # whichever pooled connection answers
            assert (await db.fetch("SHOW synchronous_commit"))[0]["synchronous_commit"] == "on"
        async with db.transaction():
            await save_draft_changes(db, "t-in", "f", 1, {"q1": "y"}, "a", personal=PERSONAL)
            assert (await db.fetch("SHOW synchronous_commit"))[0]["synchronous_commit"] == "on"
    else:
        assert (await db.fetch("PRAGMA synchronous"))[0]["synchronous"] == 2  # FULL, as before
        with db.on_loop():
            assert (await db.fetch("PRAGMA synchronous"))[0]["synchronous"] == 1  # NORMAL, the loop's own
    loaded = await load_draft(db, "t4", "f")
    assert loaded is not None and loaded.answers == {"q1": "x"}
