"""The chain editor's use cases on both engines: edits saved as revisions (a stale one told), the draft published as
the chain's next version (two admins at once: one wins), a new case started on it while an open one keeps its own
chain version and deadlines, and a step whose role has no account warned."""

from __future__ import annotations

import asyncio
import datetime as dt
from types import SimpleNamespace
from typing import Any, cast

import pytest
import time_machine

from shenbao import store
from shenbao.cases import chain_editing as editing
from shenbao.cases.catalog import sync_pack_versions
from shenbao.cases.publishing import NotPublished, Published
from shenbao.cases.submission import submit_evaluated
from shenbao.cases.workflows import workflow_of
from shenbao.forms import evaluate
from shenbao.packs import ChainRegistry, PackForms
from shenbao.store import versions as stored
from shenbao.store.audit import AuditFilter, audit_page
from shenbao.store.staff import StaffRecord, application_in_region
from shenbao.web.services import Services
from shenbao.workflow.chain_edits import SetStepDeadline
from tests.support.samples import one_click_2023
from tests.support.staff import add_account

pytestmark = pytest.mark.anyio
CHAIN = "gansu-yijian-2023"
SUBMITTED = dt.datetime(2026, 9, 28, 2, 0, tzinfo=dt.UTC)  # Monday 28 September, 10:00 in China


async def _setup(db: store.Database) -> tuple[StaffRecord, PackForms, ChainRegistry]:
    admin = await add_account(db, "province", "62", username="admin1", display_name="王芳")
    packs = PackForms.from_packs(["gansu"])
    chains = ChainRegistry.from_packs(["gansu"])
    await sync_pack_versions(db, packs, chains)
    return admin, packs, chains


def _forms(packs: PackForms) -> dict[str, Any]:
    return {form.id: form.definition for form in [*packs.forms, *packs.step_forms]}


async def _submit(db: store.Database, packs: PackForms, chains: ChainRegistry, key: str) -> int:
    form = packs.forms.get(CHAIN)
    assert form is not None
    services = cast(Services, SimpleNamespace(database=db, chains=chains, forms=packs.forms))
    with time_machine.travel(SUBMITTED, tick=False):
        record, _ = await submit_evaluated(
            services, form, evaluate(form, one_click_2023()), idempotency_key=key, draft_token=None
        )
    return record.id


async def _due(db: store.Database, application: int) -> dt.date:
    rows = await db.fetch("SELECT deadline FROM application WHERE id = {}", application)
    deadline = rows[0]["deadline"]
    return dt.date.fromisoformat(deadline) if isinstance(deadline, str) else deadline


async def test_an_open_case_keeps_its_chain_version_and_a_new_one_starts_on_the_published_one(
    db: store.Database,
) -> None:
    admin, packs, chains = await _setup(db)
    first = await _submit(db, packs, chains, "k1")
    assert await _due(db, first) == dt.date(2026, 10, 10)  # 5 working days, 10 October a 调休 Saturday

    draft = await editing.open_chain_draft(db, chains, admin, CHAIN)
    assert draft is not None and draft.base_version == 1
    saved = await editing.edit_chain(
        db, admin, CHAIN, [SetStepDeadline(step="household_check", working_days=7)], expected=draft.revision
    )
    assert isinstance(saved, editing.ChainSaved) and saved.draft.revision == 2
    stale = await editing.edit_chain(
        db, admin, CHAIN, [SetStepDeadline(step="household_check", working_days=9)], expected=1
    )
    assert isinstance(stale, editing.ChainStale)

    published = await editing.publish_chain(
        db, chains, admin, CHAIN, seen_revision=2, seen_current=1, reason="核查放宽到7天", forms=_forms(packs)
    )
    assert published == Published(item_id=CHAIN, version=2, previous=1)
    second = await _submit(db, packs, chains, "k2")

    assert await _due(db, second) == dt.date(2026, 10, 13)  # the new version's 7 working days
    assert await _due(db, first) == dt.date(2026, 10, 10)  # the open case keeps its own
    platform = SimpleNamespace(database=db, chains=chains, forms=packs.forms, step_forms=packs.step_forms)
    found = await application_in_region(db, first, "62")
    assert found is not None
    workflow = workflow_of(platform, found)  # type: ignore[arg-type]
    assert workflow is not None and workflow.chain.version == 1
    assert workflow.chain.step("household_check").deadline.working_days == 5
    record = await stored.version_record(db, CHAIN, 2, kind="chain")
    assert record is not None and record.username == "admin1"
    rows = (await audit_page(db, AuditFilter(action="chain.*"))).entries
    assert [row.action for row in rows] == ["chain.publish", "chain.edit"]


async def test_two_admins_publishing_a_chain_at_once_one_wins(db: store.Database) -> None:
    admin, packs, chains = await _setup(db)
    other = await add_account(db, "province", "62", username="admin2", display_name="李明")
    draft = await editing.open_chain_draft(db, chains, admin, CHAIN)
    assert draft is not None
    await editing.edit_chain(
        db, admin, CHAIN, [SetStepDeadline(step="household_check", working_days=6)], expected=draft.revision
    )

    results = await asyncio.gather(
        *(
            editing.publish_chain(
                db,
                chains,
                who,
                CHAIN,
                seen_revision=2,
                seen_current=1,
                reason="同时发布",
                forms=_forms(packs),
            )
            for who in (admin, other)
        )
    )

    assert sorted(type(result).__name__ for result in results) == ["NotPublished", "Published"]
    assert [record.version for record in await stored.versions_of(db, CHAIN, kind="chain")] == [2, 1]


async def test_publishing_a_chain_with_a_problem_or_without_a_reason_is_refused(db: store.Database) -> None:
    admin, packs, chains = await _setup(db)
    draft = await editing.open_chain_draft(db, chains, admin, CHAIN)
    assert draft is not None
    no_reason = await editing.publish_chain(
        db, chains, admin, CHAIN, seen_revision=1, seen_current=1, reason=" ", forms=_forms(packs)
    )
    assert isinstance(no_reason, NotPublished) and "请写明为什么发布" in no_reason.message
    broken = await editing.edit_chain(
        db, admin, CHAIN, [editing_sms("refused", "您的申请{receipt}未通过：{nonsense}")], expected=1
    )
    assert isinstance(broken, editing.ChainSaved)

    refused = await editing.publish_chain(
        db, chains, admin, CHAIN, seen_revision=2, seen_current=1, reason="改短信", forms=_forms(packs)
    )

    assert isinstance(refused, NotPublished)
    assert any("{nonsense}不是可用的变量" in message for message in refused.problems[None])
    assert await stored.current_version(db, CHAIN, kind="chain") == 1


def editing_sms(template: str, text: str) -> Any:
    from shenbao.workflow.chain_edits import SetSmsTemplate

    return SetSmsTemplate(template=template, text=text)


def test_a_step_whose_role_has_no_account_is_warned_by_name() -> None:
    chains = ChainRegistry.from_packs(["gansu"])
    found = chains.get(CHAIN)
    assert found is not None
    checked = editing.check_chain(found.chain, {}, roles_with_accounts={"village", "township"})
    county = [message for messages in checked.warnings.values() for message in messages if "县级" in message]
    assert county and "全省还没有一个县级账号" in county[0]


def test_a_chain_whose_forms_would_no_longer_reach_its_steps_is_not_published() -> None:
    """A form's region question picks down to the township; a chain whose first step is the village's would leave
    every application with nobody: the chain's check says so, naming the form."""
    import msgspec

    packs = PackForms.from_packs(["gansu"])
    chains = ChainRegistry.from_packs(["gansu"])
    found = chains.get(CHAIN)
    assert found is not None
    form = packs.forms.get(CHAIN)
    assert form is not None
    shallow = msgspec.to_builtins(form.definition)
    for section in shallow["sections"]:
        for question in section["questions"]:
            if question["type"] == "region":
                question["depth"] = "township"
    checked = editing.check_chain(found.chain, {CHAIN: msgspec.convert(shallow, type(form.definition))})
    assert any(
        message.startswith("表单“甘肃一键报贫”：") and "乡镇" in message for message in checked.problems[None]
    )
