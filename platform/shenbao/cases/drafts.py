"""A farmer's draft on an older version of its form moves to the version farmers get now.

The answers the new version keeps are kept; the farmer is told, once, on the next page: which questions are new,
which must be answered again and why, which are no longer asked. A submitted application never moves: it keeps the
version it was filled on.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from shenbao.cases.context import Platform
from shenbao.forms import CompiledForm
from shenbao.forms.carry_over import carry_over
from shenbao.forms.model import text_of
from shenbao.store import versions as stored
from shenbao.store.records import DraftRecord

__all__ = ["Carried", "draft_on_current", "take_carried"]


class Carried(msgspec.Struct, frozen=True, kw_only=True):
    """What a farmer is told of their draft's move to a newer version of the form."""

    version: int
    new: list[str] = []
    """The new questions they will now see, by name (第5题 or its label)."""
    again: list[str] = []
    """A sentence for each answer to give again (the question and why)."""
    dropped: list[str] = []
    """The questions answered before that the form no longer asks."""


async def draft_on_current(platform: Platform, form: CompiledForm, draft: DraftRecord) -> DraftRecord:
    """``draft`` on ``form`` (the version farmers get now): as it is when already on it, else moved there."""
    if draft.form_version == form.version:
        return draft
    old = platform.forms.version(form.id, draft.form_version)
    if old is None:  # a version this platform never kept: keep the answers to questions the form still has
        answers = {key: value for key, value in draft.answers.items() if key in form.by_id}
        carried = Carried(version=form.version)
    else:
        moved = carry_over(old, form, draft.answers)
        answers = dict(moved.answers)
        carried = Carried(
            version=form.version,
            new=[_name(form, question) for question in moved.new],
            again=list(moved.again.values()),
            dropped=[_name(old, question) for question in moved.dropped],
        )
    notice: dict[str, Any] = msgspec.to_builtins(carried)
    sections = {section.id for section in form.definition.sections}
    section = (
        draft.section if draft.section in sections else ""
    )  # a page the new version no longer has: the first
    await stored.carry_draft(
        platform.database, token=draft.token, form_id=form.id, from_version=draft.form_version,
        to_version=form.version, answers=answers, section=section, personal=form.personal, carried=notice,
        now=datetime.now(UTC),
    )  # fmt: skip
    return msgspec.structs.replace(
        draft, form_version=form.version, answers=answers, section=section, carried=notice
    )


async def take_carried(platform: Platform, draft: DraftRecord) -> Carried | None:
    """What the farmer is to be told of the draft's move, once (``None`` when there is nothing, or it was told)."""
    if draft.carried is None:
        return None
    if not await stored.take_carried(platform.database, draft.token, draft.form_id):
        return None
    return msgspec.convert(draft.carried, Carried)


def _name(form: CompiledForm, question_id: str) -> str:
    """第5题“家里有几口人”: the number a farmer sees and the start of the label."""
    question = form.by_id.get(question_id)
    if question is None:
        return question_id
    label = text_of(question.label)
    label = label if len(label) <= 24 else f"{label[:23]}…"
    number = form.numbers.get(question_id)
    return f"第{number}题“{label}”" if number else f"“{label}”"
