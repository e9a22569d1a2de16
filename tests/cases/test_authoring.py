"""Authoring a form: start, edit, undo and redo as revisions; a stale save refused with what changed, on both engines."""

from __future__ import annotations

import asyncio

import pytest

from shenbao import store
from shenbao.cases import authoring
from shenbao.forms.editing import AddQuestion, DeleteQuestion, UpdateQuestion, new_form
from shenbao.store import authoring as stored
from shenbao.store.audit import AuditFilter, audit_page
from shenbao.store.staff import StaffRecord
from tests.support.staff import add_account

pytestmark = pytest.mark.anyio


async def _admins(db: store.Database) -> tuple[StaffRecord, StaffRecord]:
    first = await add_account(db, "province", "62", username="admin1", display_name="王芳")
    second = await add_account(db, "province", "62", username="admin2", display_name="李明")
    return first, second


async def _started(db: store.Database, staff: StaffRecord) -> stored.AuthoredFormRecord:
    form = await authoring.start_form(
        db, staff, new_form("relief-2027", "临时救助申请"), source="", summary="新建表单"
    )
    assert form is not None
    return form


async def _reload(db: store.Database, form: stored.AuthoredFormRecord) -> stored.AuthoredFormRecord:
    found = await stored.authored_form(db, form.id)
    assert found is not None
    return found


def _ids(form: stored.AuthoredFormRecord) -> list[str]:
    return [question.id for question in authoring.definition_of(form).questions()]


async def test_an_edit_is_a_new_revision_with_its_audit_row(db: store.Database) -> None:
    admin, _ = await _admins(db)
    form = await _started(db, admin)
    assert (form.revision, form.state, form.owner_region) == (1, "draft", "62")

    saved = await authoring.apply_to_form(
        db, admin, form, AddQuestion(kind="number", section="s1"), expected=1, address="10.0.0.1"
    )

    assert isinstance(saved, authoring.Saved)
    assert saved.form.revision == 2
    assert _ids(saved.form) == ["q1", "q2"]
    history = await stored.revisions_after(db, form.id, 0)
    assert [(each.number, each.action, each.summary) for each in history] == [
        (1, "create", "新建表单"),
        (2, "edit", "添加了一道数字题"),
    ]
    rows = (await audit_page(db, AuditFilter(action="form.edit"))).entries
    assert [(row.username, row.target, row.detail) for row in rows] == [
        ("admin1", "relief-2027", "第2次保存：添加了一道数字题")
    ]


async def test_a_save_on_an_older_revision_is_refused_with_what_changed_since(db: store.Database) -> None:
    first, second = await _admins(db)
    form = await _started(db, first)
    await authoring.apply_to_form(
        db, first, form, UpdateQuestion(question="q1", values={"label": "户主姓名"}), expected=1
    )

    stale = await authoring.apply_to_form(db, second, form, DeleteQuestion(question="q1"), expected=1)

    assert isinstance(stale, authoring.Stale)
    assert [(each.number, each.username, each.summary) for each in stale.since] == [
        (2, "admin1", "修改了“申请人姓名”")
    ]
    current = await _reload(db, form)
    assert current.revision == 2 and _ids(current) == ["q1"]


async def test_of_two_admins_saving_on_one_revision_at_once_exactly_one_wins(db: store.Database) -> None:
    first, second = await _admins(db)
    form = await _started(db, first)

    results = await asyncio.gather(
        *(
            authoring.apply_to_form(db, staff, form, AddQuestion(kind="text", section="s1"), expected=1)
            for staff in (first, second)
        )
    )

    assert sorted(type(each).__name__ for each in results) == ["Saved", "Stale"]
    current = await _reload(db, form)
    assert current.revision == 2 and _ids(current) == ["q1", "q2"]


async def test_one_admins_own_saves_on_one_revision_all_land(db: store.Database) -> None:
    """A field saved as the admin clicks a button: both were made on the same revision, both are theirs."""
    admin, _ = await _admins(db)
    form = await _started(db, admin)

    results = await asyncio.gather(
        *(
            authoring.apply_to_form(db, admin, form, AddQuestion(kind="text", section="s1"), expected=1)
            for _ in range(4)
        )
    )

    assert [type(each).__name__ for each in results] == ["Saved"] * 4
    current = await _reload(db, form)
    assert current.revision == 5 and _ids(current) == ["q1", "q2", "q3", "q4", "q5"]


async def test_undo_and_redo_walk_the_history_and_a_new_edit_ends_redo(db: store.Database) -> None:
    admin, _ = await _admins(db)
    form = await _started(db, admin)
    for kind in ("number", "text"):
        form = await _reload(db, form)
        await authoring.apply_to_form(
            db, admin, form, AddQuestion(kind=kind, section="s1"), expected=form.revision
        )  # type: ignore[arg-type]
    form = await _reload(db, form)
    assert _ids(form) == ["q1", "q2", "q3"]

    async def step(action: str) -> stored.AuthoredFormRecord | authoring.Refused:
        current = await _reload(db, form)
        result = await getattr(authoring, action)(db, admin, current, expected=current.revision)
        return result if isinstance(result, authoring.Refused) else result.form

    assert _ids(await step("undo")) == ["q1", "q2"]  # type: ignore[arg-type]
    assert _ids(await step("undo")) == ["q1"]  # type: ignore[arg-type]
    assert await step("undo") == authoring.Refused(message="没有可以撤销的修改了")
    assert _ids(await step("redo")) == ["q1", "q2"]  # type: ignore[arg-type]
    assert _ids(await step("redo")) == ["q1", "q2", "q3"]  # type: ignore[arg-type]
    assert await step("redo") == authoring.Refused(message="没有可以重做的修改")
    assert _ids(await step("undo")) == ["q1", "q2"]  # type: ignore[arg-type]

    current = await _reload(db, form)
    await authoring.apply_to_form(
        db, admin, current, AddQuestion(kind="phone", section="s1"), expected=current.revision
    )
    assert await step("redo") == authoring.Refused(message="没有可以重做的修改")
    assert _ids(await step("undo")) == ["q1", "q2"]  # type: ignore[arg-type]
    summaries = [each.summary for each in await stored.latest_revisions(db, form.id, limit=3)]
    assert summaries == ["撤销：添加了一道手机号码", "添加了一道手机号码", "撤销：添加了一道填空题"]


async def test_a_refused_edit_saves_nothing(db: store.Database) -> None:
    admin, _ = await _admins(db)
    form = await _started(db, admin)

    refused = await authoring.apply_to_form(db, admin, form, DeleteQuestion(question="q9"), expected=1)

    assert refused == authoring.Refused(message="这道题已不存在（可能刚被删除），请刷新后再试")
    assert (await _reload(db, form)).revision == 1


async def test_a_form_id_already_taken_is_not_started_twice(db: store.Database) -> None:
    admin, _ = await _admins(db)
    await _started(db, admin)
    again = await authoring.start_form(
        db, admin, new_form("relief-2027", "另一张"), source="", summary="新建表单"
    )
    assert again is None


async def test_who_else_has_the_form_open(db: store.Database) -> None:
    first, second = await _admins(db)
    form = await _started(db, first)

    assert await authoring.note_editor(db, first, form) == []
    others = await authoring.note_editor(db, second, form)

    assert [each.display_name for each in others] == ["王芳"]
