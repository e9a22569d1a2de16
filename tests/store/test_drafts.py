"""Drafts: one per browser token and form, replaced on every save, gone when deleted."""

from __future__ import annotations

import pytest

from shenbao.forms.personal import NO_PERSONAL_FIELDS
from shenbao.store import Database, DraftRecord, delete_draft, load_draft, save_draft

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
