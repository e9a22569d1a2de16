"""Where a farmer is in a form: its sections, which of them the answers so far show, and the way between them."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException

from shenbao.forms import CompiledForm, Evaluation
from shenbao.forms.model import Section

__all__ = ["neighbour", "section_context", "section_of", "shown_sections"]


def section_of(form: CompiledForm, section_id: str) -> Section:
    """The section ``section_id`` of ``form``; a 404 in Chinese when the form has no such page."""
    for section in form.definition.sections:
        if section.id == section_id:
            return section
    raise NotFoundException(f"申报表“{form.title()}”没有这一页")


def _section_ids(form: CompiledForm) -> list[str]:
    return [section.id for section in form.definition.sections]


def shown_sections(form: CompiledForm, evaluation: Evaluation) -> list[str]:
    """Sections with at least one visible question, in order."""
    shown = {form.section_of[question_id] for question_id in evaluation.visible}
    return [section_id for section_id in _section_ids(form) if section_id in shown]


def neighbour(form: CompiledForm, evaluation: Evaluation, section_id: str, step: int) -> str | None:
    """The next (``step=1``) or previous (``-1``) section the answers show, skipping sections with nothing shown."""
    order = _section_ids(form)
    shown = set(shown_sections(form, evaluation))
    index = order.index(section_id) + step
    while 0 <= index < len(order):
        if order[index] in shown:
            return order[index]
        index += step
    return None


def section_context(
    form: CompiledForm, section_id: str, answers: dict[str, Any], evaluation: Evaluation
) -> dict[str, Any]:
    """What the section page and its htmx swaps share: answers, evaluation, position and neighbours."""
    shown = shown_sections(form, evaluation)
    return {
        "form": form,
        "answers": answers,
        "ev": evaluation,
        "step": (shown.index(section_id) + 1) if section_id in shown else 1,
        "steps": len(shown),
        "previous": neighbour(form, evaluation, section_id, -1),
        "following": neighbour(form, evaluation, section_id, +1),
    }
