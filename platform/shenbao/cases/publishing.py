"""Publishing a form: a draft becomes a version farmers get, or an older version is served again (a rollback).

A draft is published only when it lints clean and every scenario passes, and when no change from the current
version is one a published form may not make (a question's type changed under the same id). Each use case is one
transaction: the draft's row held, the next version number stored once (``ON CONFLICT DO NOTHING``) and the
current version moved by one conditional statement, so of two admins publishing at once exactly one wins and the
other is told. The publication and the audit row commit with it; this process serves the new version at once
(every other within a second: :class:`~shenbao.cases.catalog.Catalog`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from shenbao.cases.authoring import may_author
from shenbao.forms.diff import Change, FormDiff, diff_forms
from shenbao.forms.lint import lint_form
from shenbao.forms.lint_zh import in_chinese
from shenbao.forms.model import FormDef
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.roles import role_level
from shenbao.store import Database
from shenbao.store import authoring as drafts
from shenbao.store import versions as stored
from shenbao.store.audit import record_audit
from shenbao.store.catalog import bump_generation
from shenbao.store.staff import StaffRecord
from shenbao.store.versions import Kind
from shenbao.workflow.lint import form_chain_problems
from shenbao.workflow.model import Chain

__all__ = [
    "NotPublished",
    "Published",
    "chain_province",
    "keeps_province",
    "kept_packs",
    "may_edit_chains",
    "may_publish",
    "publish",
    "publish_problems",
    "republish",
]

REASON_LIMIT = 200


class Published(msgspec.Struct, frozen=True, kw_only=True):
    """Version ``version`` of ``item_id`` (a form's or a chain's id) is served now; it replaced ``previous``."""

    item_id: str
    version: int
    previous: int | None


class NotPublished(msgspec.Struct, frozen=True, kw_only=True):
    """Nothing changed. ``message`` says why, in Chinese; ``problems`` are the draft's, by question (``None``: the
    form's own); ``refused`` the changes a published form may not make."""

    message: str
    problems: dict[str | None, list[str]] = {}
    refused: list[Change] = []
    stale: bool = False
    """The admin's page is out of date (the draft changed, or another admin published since): reload and look
    again; answered with 409 Conflict, the other refusals with 422."""


class _Lost(Exception):
    """Another publication won the race: undo this transaction and tell the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def chain_province(chains: ChainRegistry, chain_id: str | None) -> str | None:
    """The province whose admins keep chain ``chain_id`` and the pack forms that use it (its pack's)."""
    return chains.province_of(chains.pack_of(chain_id)) if chain_id else None


def keeps_province(staff: StaffRecord, province: str | None) -> bool:
    """Whether ``staff`` is an active account of ``province``'s own admins (a province account of that code).

    Several provinces' packs serve side by side: each province's admins keep their own pack's forms, chains,
    holidays and files, never another's. ``None`` (a pack without a ``pack.json``): any province account.
    """
    return (
        staff.active
        and role_level(staff.role) == "province"
        and (province is None or staff.region_code == province)
    )


def kept_packs(staff: StaffRecord, chains: ChainRegistry, packs: Iterable[str]) -> list[str]:
    """Those of ``packs`` whose province ``staff`` keeps (:func:`keeps_province`), in their order: what a
    province admin's pack, chain and holiday pages list."""
    return [pack for pack in packs if keeps_province(staff, chains.province_of(pack))]


def may_publish(staff: StaffRecord, owner_region: str, province: str | None = None) -> bool:
    """Whether ``staff`` may publish (or roll back) a form owned by ``owner_region`` ("" for a pack's form: the
    admins of its pack's ``province``)."""
    if not may_author(staff):
        return False
    if owner_region == "":
        return keeps_province(staff, province)
    return owner_region.startswith(staff.region_code)


def publish_problems(
    definition: FormDef,
    *,
    chains: Iterable[Chain],
    widgets: Mapping[str, str | None] | None = None,
) -> dict[str | None, list[str]]:
    """Everything that stops ``definition`` being published, in Chinese, by question: lint errors, each failing
    scenario, and a region question that cannot route to its chain."""
    known: dict[str, Chain | None] = {chain.id: chain for chain in chains}
    problems: dict[str | None, list[str]] = defaultdict(list)
    for problem in [
        *lint_form(definition, "draft", scenarios=True, widgets=widgets),
        *form_chain_problems(definition, "draft", known),
    ]:
        problems[problem.question].append(in_chinese(problem))
    return dict(problems)


def _reason(reason: str) -> str | None:
    reason = " ".join(reason.split())
    return reason if 0 < len(reason) <= REASON_LIMIT else None


_NO_REASON = f"请写明为什么发布（最多{REASON_LIMIT}个字），例如“按2027年新政策增加一题”：它记入操作日志"


async def publish(
    db: Database,
    forms: FormRegistry,
    staff: StaffRecord,
    form_pk: int,
    *,
    seen_revision: int,
    seen_current: int | None,
    reason: str,
    chains: Iterable[Chain],
    widgets: Mapping[str, str | None] | None = None,
    pack: str | None = None,
    address: str = "",
    now: datetime | None = None,
) -> Published | NotPublished:
    """Publish the authored form ``form_pk`` as its form's next version, as the admin saw it.

    Args:
        db: the open database.
        forms: this process's registry, told of the new version once it is stored.
        staff: who publishes.
        form_pk: the authored form (the draft).
        seen_revision: the draft's revision on the admin's page: a change since refuses the publication.
        seen_current: the version farmers got when the page was shown (``None``: never published).
        reason: why, for the audit log.
        chains: the packs' chains (the form's chain is checked against its region question).
        widgets: the widgets of the form's pack and the question type each draws.
        pack: the served pack the form belongs to (its widgets compile the new version here).
        address: the client's address, for the audit log.
        now: the time (default: now).
    """
    now = now or datetime.now(UTC)
    why = _reason(reason)
    if why is None:
        return NotPublished(message=_NO_REASON)
    draft = await drafts.authored_form(db, form_pk)
    if draft is None or not may_publish(staff, draft.owner_region):
        return NotPublished(message="没有找到这个表单，或你没有发布它的权限")
    if draft.revision != seen_revision:
        return NotPublished(message=_CHANGED, stale=True)
    definition = msgspec.convert(draft.definition, FormDef)
    problems = publish_problems(
        definition, chains=chains, widgets=widgets
    )  # outside the lock: scenarios take time
    if problems:
        count = sum(map(len, problems.values()))
        return NotPublished(message=f"还有{count}个问题没有解决，改好后才能发布", problems=problems)
    try:
        async with db.transaction():
            result = await _publish_held(
                db, staff, form_pk, definition, seen_revision, seen_current, why, address, now
            )
    except _Lost as lost:
        return NotPublished(message=lost.message, stale=True)
    if isinstance(result, Published):
        record = await stored.version_record(db, result.item_id, result.version)
        if record is not None:
            forms.add(record.item_id, record.version, record.definition, pack=pack)
            forms.use({record.item_id: record.version})
    return result


_CHANGED = "你打开发布页之后，草稿又有了改动：请重新打开发布页，看过改动和影响后再发布"


async def _publish_held(
    db: Database,
    staff: StaffRecord,
    form_pk: int,
    definition: FormDef,
    seen_revision: int,
    seen_current: int | None,
    reason: str,
    address: str,
    now: datetime,
) -> Published | NotPublished:
    draft = await drafts.authored_form(db, form_pk, for_update=True)
    if draft is None or draft.revision != seen_revision:  # what was checked is no longer the draft
        return NotPublished(message=_CHANGED, stale=True)
    current = await stored.current_version(db, draft.form_id, for_update=True)
    if current != seen_current:
        raise _Lost(_moved(current))
    if current is not None:
        previous = await stored.version_record(db, draft.form_id, current)
        if previous is not None:
            changes = diff_forms(msgspec.convert(previous.definition, FormDef), definition)
            if changes.refused:
                return NotPublished(message="有不能直接发布的改动", refused=list(changes.refused))
    version = await stored.next_version(db, draft.form_id)
    published = {**draft.definition, "version": version}
    if not await stored.store_version(
        db, item_id=draft.form_id, version=version, definition=published, title=draft.title,
        source="admin", owner_region=draft.owner_region, staff=staff, reason=reason, now=now,
    ):  # fmt: skip
        raise _Lost(f"另一位管理员刚发布了第{version}版：请重新打开发布页，看过改动和影响后再发布")
    if not await stored.move_current(db, draft.form_id, expected=current, version=version, now=now):
        raise _Lost(_moved(None))
    await bump_generation(db)
    await stored.record_publication(
        db, item_id=draft.form_id, version=version, previous=current, action="publish", staff=staff,
        reason=reason, now=now,
    )  # fmt: skip
    await record_audit(
        db, action="form.publish", staff=staff, target=draft.form_id,
        detail=f"发布第{version}版（原为{_named(current)}）：{reason}", address=address, at=now,
    )  # fmt: skip
    return Published(item_id=draft.form_id, version=version, previous=current)


def _named(version: int | None) -> str:
    return f"第{version}版" if version is not None else "未发布"


def _moved(current: int | None, noun: str = "表单") -> str:
    now_serving = (
        f"现在{'农户' if noun == '表单' else '新申请'}用的是第{current}版"
        if current is not None
        else "它的发布已被撤回"
    )
    return f"另一位管理员刚发布了这个{noun}（{now_serving}）：请重新打开页面，看过改动和影响后再发布"


async def republish(
    db: Database,
    registry: FormRegistry | ChainRegistry,
    staff: StaffRecord,
    item_id: str,
    version: int,
    *,
    kind: Kind = "form",
    seen_current: int | None,
    reason: str,
    province: str | None = None,
    address: str = "",
    now: datetime | None = None,
) -> Published | NotPublished:
    """Serve an older published version of a form (or a chain) again: a rollback. Farmers get (new cases start on)
    version ``version`` from now on; nothing of a submitted application, or of a case already open, changes.
    ``province``: the province of the pack it belongs to (:func:`chain_province`), whose admins alone keep it."""
    now = now or datetime.now(UTC)
    why = _reason(reason)
    noun = "表单" if kind == "form" else "流程"
    if why is None:
        return NotPublished(message=_NO_REASON.replace("发布", "回退到这一版", 1))
    async with db.transaction():
        record = await stored.version_record(db, item_id, version, kind=kind)
        if record is None:
            return NotPublished(message=f"没有第{version}版")
        definition = record.definition
        newest = (await stored.versions_of(db, item_id, kind=kind))[0]
        allowed = (
            may_publish(staff, newest.owner_region, province)
            if kind == "form"
            else may_edit_chains(staff, province)
        )
        if not allowed:
            return NotPublished(message=f"你没有发布这个{noun}的权限")
        current = await stored.current_version(db, item_id, kind=kind, for_update=True)
        if current != seen_current:
            return NotPublished(message=_moved(current, noun), stale=True)
        if current == version:
            return NotPublished(message=f"现在用的就是第{version}版")
        if kind == "form" and current is not None:
            serving = await stored.version_record(db, item_id, current)
            if serving is not None:
                changes = _diff(serving.definition, record.definition)
                if changes.refused:
                    return NotPublished(message="有不能直接回退的改动", refused=list(changes.refused))
        if not await stored.move_current(db, item_id, kind=kind, expected=current, version=version, now=now):
            return NotPublished(message=_moved(None, noun), stale=True)
        await bump_generation(db)
        await stored.record_publication(
            db, kind=kind, item_id=item_id, version=version, previous=current, action="rollback", staff=staff,
            reason=why, now=now,
        )  # fmt: skip
        await record_audit(
            db, action=f"{kind}.rollback", staff=staff, target=item_id,
            detail=f"回退到第{version}版（原为{_named(current)}）：{why}", address=address, at=now,
        )  # fmt: skip
    registry.add(item_id, version, definition)
    registry.use({item_id: version})
    return Published(item_id=item_id, version=version, previous=current)


def may_edit_chains(staff: StaffRecord, province: str | None = None) -> bool:
    """Whether ``staff`` may edit, publish and roll back chains (of a pack of ``province``): active province
    accounts of that province (a chain serves the whole pack)."""
    return keeps_province(staff, province)


def _diff(old: Mapping[str, Any], new: Mapping[str, Any]) -> FormDiff:
    return diff_forms(msgspec.convert(old, FormDef), msgspec.convert(new, FormDef))
