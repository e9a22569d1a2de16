"""Where a region question's picker starts: chosen from the division tree one level at a time.

The panel shows the current root's path and its children, and nothing below them: a province's 14 cities, a
county's townships, never 17,718 villages at once. Choosing a child narrows the picker to it; "上一级" widens it,
up to the admin's own region.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from shenbao.cases import authoring
from shenbao.cases.authoring import Refused
from shenbao.forms.editing import UpdateQuestion
from shenbao.forms.model import Region
from shenbao.regions import LEVELS, Divisions, level_of
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.web.admin.builder import answer, save_edits
from shenbao.web.admin.posting import open_posting
from shenbao.web.services import Services

__all__ = ["RegionRootController"]


def _allowed(root: str, question: Region, owner: str, divisions: Divisions) -> str | None:
    """Why ``root`` cannot be the picker's root (in Chinese), or ``None``; ``divisions`` are the form's pack's."""
    level = level_of(root)
    if level is not None and not root.startswith(owner):
        return "只能选您所在地区之内的地方"
    if level is None or root not in divisions:
        return "没有这个地区，请从列表里选"
    if LEVELS.index(level) >= LEVELS.index(question.depth):
        return "起点要比“选到哪一级”高一级以上：请先把“选到哪一级”改低，再缩小起点"
    return None


def _divisions(services: Services, form: AuthoredFormRecord) -> Divisions:
    return services.packs.divisions_of(
        services.builder_pack(form.form_id, form.owner_region, form.definition)
    )


class RegionRootController(Controller):
    """``/admin/forms/<n>/question/<id>/root``: narrow or widen where a region question's picker starts."""

    path = "/forms/{form_pk:int}/question/{question_id:str}/root"
    include_in_schema = False

    @post("/", name="admin:region_root", status_code=HTTP_200_OK)
    async def choose(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        question_id: FromPath[str],
    ) -> Response[Any]:
        signed_in, posted, form = await open_posting(services, request, form_pk)
        question = next(
            (each for each in authoring.definition_of(form).questions() if each.id == question_id), None
        )
        root = posted.get("root", "").strip()
        problem = (
            _allowed(root, question, form.owner_region, _divisions(services, form))
            if isinstance(question, Region)
            else "这道题不是地区题"
        )
        if problem is not None:
            return await answer(
                services, request, signed_in, form, Refused(message=problem), selected=question_id
            )
        edit = UpdateQuestion(question=question_id, values={"root": root})
        return await save_edits(services, request, signed_in, form, posted, edit, selected=question_id)
