"""The chain editor: a chain's draft changed one edit at a time, checked, and published as the chain's next version.

The draft starts from the version new cases start on. Each edit is applied by the pure
:func:`~shenbao.workflow.chain_edits.apply_chain_edit` and saved by one conditional statement (a save made on an older
revision is refused: another admin saved first). Publishing stores the next version once, moves the version new
cases start on by one conditional statement and bumps the catalog generation, in one transaction: a case already
open finishes on the version it started on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import msgspec

from shenbao.cases.publishing import NotPublished, Published, chain_province, may_edit_chains
from shenbao.forms.lint_zh import in_chinese
from shenbao.forms.model import FormDef, text_of
from shenbao.packs import ChainRegistry
from shenbao.roles import role_label
from shenbao.store import Database
from shenbao.store import chain_drafts as drafts
from shenbao.store import versions as stored
from shenbao.store.audit import record_audit
from shenbao.store.catalog import bump_generation
from shenbao.store.chain_drafts import ChainDraftRecord
from shenbao.store.staff import StaffRecord
from shenbao.workflow.chain_edit_text import describe_chain_edit
from shenbao.workflow.chain_edits import ChainEdit, ChainEditError, apply_chain_edit
from shenbao.workflow.lint import chain_warnings, decode_chain, form_chain_problems, lint_chain
from shenbao.workflow.model import Chain
from shenbao.workflow.sms_templates import sign_problems

__all__ = [
    "ChainChecked",
    "ChainRefused",
    "ChainSaved",
    "ChainStale",
    "check_chain",
    "draft_chain",
    "edit_chain",
    "may_edit_chains",
    "open_chain_draft",
    "publish_chain",
]

_REASON_LIMIT = 200


class ChainSaved(msgspec.Struct, frozen=True, kw_only=True):
    """The edit is saved: the draft as it is now."""

    draft: ChainDraftRecord


class ChainStale(msgspec.Struct, frozen=True, kw_only=True):
    """Another admin saved the draft since the page was shown: nothing was saved; the draft as it is now."""

    draft: ChainDraftRecord


class ChainRefused(msgspec.Struct, frozen=True, kw_only=True):
    """The edit cannot be made; ``message`` says why, in Chinese."""

    message: str


class ChainChecked(msgspec.Struct, frozen=True, kw_only=True):
    """A chain's problems (which stop publishing) and warnings, each in Chinese, by step (``None``: the chain's)."""

    problems: dict[str | None, list[str]]
    warnings: dict[str | None, list[str]]

    @property
    def problem_count(self) -> int:
        return sum(map(len, self.problems.values()))


def draft_chain(draft: ChainDraftRecord) -> Chain:
    """The draft's chain, decoded."""
    return decode_chain(msgspec.json.encode(draft.definition), source=draft.chain_id)


async def open_chain_draft(
    db: Database, chains: ChainRegistry, staff: StaffRecord, chain_id: str
) -> ChainDraftRecord | None:
    """The draft of ``chain_id``, started from the version new cases start on when there is none; ``None`` for a
    chain in no loaded pack."""
    found = chains.get(chain_id)
    if found is None:
        return None
    draft = await drafts.chain_draft(db, chain_id)
    if draft is None:
        definition = msgspec.to_builtins(found.chain)
        await drafts.start_chain_draft(
            db, chain_id, definition, base_version=found.chain.version, staff=staff, now=datetime.now(UTC)
        )
        draft = await drafts.chain_draft(db, chain_id)
    return draft


async def edit_chain(
    db: Database,
    staff: StaffRecord,
    chain_id: str,
    edits: Sequence[ChainEdit],
    *,
    expected: int,
    province: str | None = None,
    address: str = "",
) -> ChainSaved | ChainStale | ChainRefused:
    """Apply ``edits`` in order to the draft as it was at revision ``expected`` (one form of the page may change
    several things of a step), and save the result as one revision with its audit row; all or nothing.
    ``province``: the province of the chain's pack (:func:`chain_province`), whose admins alone edit it."""
    draft = await drafts.chain_draft(db, chain_id)
    if draft is None:
        return ChainRefused(message="没有找到这个流程的草稿，请从流程列表重新打开")
    if draft.revision != expected:
        return ChainStale(draft=draft)
    if not may_edit_chains(staff, province):
        return ChainRefused(message="只有本省的省级账号可以修改这个流程")
    chain = changed = draft_chain(draft)
    said: list[str] = []
    try:
        for edit in edits:
            said.append(describe_chain_edit(edit, changed))
            changed = apply_chain_edit(changed, edit)
    except ChainEditError as error:
        return ChainRefused(message=str(error))
    if changed == chain:
        return ChainSaved(draft=draft)  # nothing changed: no revision
    summary = "；".join(said)
    now = datetime.now(UTC)
    async with db.transaction():
        saved = await drafts.save_chain_draft(
            db,
            chain_id,
            msgspec.to_builtins(changed),
            expected=expected,
            staff=staff,
            summary=summary,
            now=now,
        )
        if saved is None:
            current = await drafts.chain_draft(db, chain_id)
            return ChainStale(draft=current or draft)
        await record_audit(
            db, action="chain.edit", staff=staff, target=chain_id, detail=f"第{saved}次保存：{summary}",
            address=address, at=now,
        )  # fmt: skip
    after = await drafts.chain_draft(db, chain_id)
    return ChainSaved(draft=after or draft)


def check_chain(
    chain: Chain,
    forms: Mapping[str, FormDef],
    *,
    roles_with_accounts: set[str] | None = None,
    sign: str | None = None,
) -> ChainChecked:
    """The chain's lint problems and warnings in Chinese, by step: with each form of ``forms`` that uses it checked
    against it (its region question must reach the chain's deepest step); with ``roles_with_accounts``, a warning at
    each step whose role has no active account anywhere in the province (its cases would reach nobody)."""
    problems: dict[str | None, list[str]] = defaultdict(list)
    warnings: dict[str | None, list[str]] = defaultdict(list)
    for problem in lint_chain(chain, chain.id, forms):
        problems[problem.question].append(in_chinese(problem))
    for problem in sign_problems(chain.sms, sign) if sign else []:  # every message under the pack's sign
        problems[None].append(in_chinese(problem))
    for problem in chain_warnings(chain, chain.id):
        warnings[problem.question].append(in_chinese(problem))
    for form in forms.values():  # the forms that use the chain must still route their applications to it
        if form.chain == chain.id:
            for problem in form_chain_problems(form, form.id, {chain.id: chain}):
                problems[None].append(f"表单“{text_of(form.title)}”：{in_chinese(problem)}")
    if roles_with_accounts is not None:
        for step in chain.steps:
            if step.role not in roles_with_accounts:
                warnings[step.id].append(
                    f"“{text_of(step.name)}”由{role_label(step.role)}办理，但全省还没有一个{role_label(step.role)}"
                    "账号：到了这一步的申请没有人能办。请先在“账号管理”里开设账号"
                )
    return ChainChecked(problems=dict(problems), warnings=dict(warnings))


async def publish_chain(
    db: Database,
    chains: ChainRegistry,
    staff: StaffRecord,
    chain_id: str,
    *,
    seen_revision: int,
    seen_current: int | None,
    reason: str,
    forms: Mapping[str, FormDef],
    sign: str | None = None,
    address: str = "",
) -> Published | NotPublished:
    """Publish the draft of ``chain_id`` as its next version: new cases start on it, open cases keep theirs.
    ``sign``: its pack's SMS sign, which every template must begin with."""
    why = " ".join(reason.split())
    if not why or len(why) > _REASON_LIMIT:
        return NotPublished(message=f"请写明为什么发布（最多{_REASON_LIMIT}个字）：它记入操作日志")
    if not may_edit_chains(staff, chain_province(chains, chain_id)):
        return NotPublished(message="只有本省的省级账号可以发布这个流程")
    draft = await drafts.chain_draft(db, chain_id)
    if draft is None or draft.revision != seen_revision:
        return NotPublished(
            message="你打开发布页之后，草稿又有了改动：请重新打开，看过改动后再发布", stale=True
        )
    chain = draft_chain(draft)
    checked = check_chain(chain, forms, sign=sign)
    if checked.problems:
        return NotPublished(
            message=f"还有{checked.problem_count}个问题没有解决，改好后才能发布", problems=checked.problems
        )
    now = datetime.now(UTC)
    try:
        async with db.transaction():
            version, current = await _publish_held(db, staff, chain, draft, seen_current, why, address, now)
    except _Lost as lost:
        return NotPublished(message=str(lost), stale=True)
    chains.add(chain_id, version, {**draft.definition, "version": version})
    chains.use({chain_id: version})
    return Published(item_id=chain_id, version=version, previous=current)


class _Lost(Exception):
    """Another publication came first: undo this transaction."""


async def _publish_held(
    db: Database,
    staff: StaffRecord,
    chain: Chain,
    draft: ChainDraftRecord,
    seen_current: int | None,
    why: str,
    address: str,
    now: datetime,
) -> tuple[int, int | None]:
    chain_id = chain.id
    current = await stored.current_version(db, chain_id, kind="chain", for_update=True)
    if current != seen_current:
        raise _Lost(f"另一位管理员刚发布了这个流程（现在是第{current}版）：请重新打开发布页")
    version = await stored.next_version(db, chain_id, kind="chain")
    published = {**draft.definition, "version": version}
    stored_now = await stored.store_version(
        db, kind="chain", item_id=chain_id, version=version, definition=published, title=text_of(chain.title),
        source="admin", owner_region=staff.region_code[:2], staff=staff, reason=why, now=now,
    )  # fmt: skip
    if not stored_now or not await stored.move_current(
        db, chain_id, kind="chain", expected=current, version=version, now=now
    ):
        raise _Lost("另一位管理员刚发布了这个流程：请重新打开发布页")
    await drafts.save_chain_draft(
        db, chain_id, published, expected=draft.revision, staff=staff, summary=f"发布为第{version}版",
        now=now, base_version=version,
    )  # fmt: skip
    await bump_generation(db)
    await stored.record_publication(
        db, kind="chain", item_id=chain_id, version=version, previous=current, action="publish",
        staff=staff, reason=why, now=now,
    )  # fmt: skip
    await record_audit(
        db, action="chain.publish", staff=staff, target=chain_id,
        detail=f"发布第{version}版（原为第{current}版）：{why}", address=address, at=now,
    )  # fmt: skip
    return version, current
