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
from shenbao.regions import LEVELS, installed_divisions, level_of
from shenbao.web.admin.access import editable_form, posting_author
from shenbao.web.admin.builder import answer
from shenbao.web.posted import client_address
from shenbao.web.services import Services

__all__ = ["RegionRootController"]


def _allowed(root: str, question: Region, owner: str) -> str | None:
    """Why ``root`` cannot be the picker's root (in Chinese), or ``None``."""
    level = level_of(root)
    if level is not None and not root.startswith(owner):
        return "只能选您所在地区之内的地方"
    if level is None or root not in installed_divisions():
        return "没有这个地区，请从列表里选"
    if LEVELS.index(level) >= LEVELS.index(question.depth):
        return "起点要比“选到哪一级”高一级以上：请先把“选到哪一级”改低，再缩小起点"
    return None


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
        signed_in, posted = await posting_author(services, request)
        form = await editable_form(services, signed_in, form_pk)
        question = next(
            (each for each in authoring.definition_of(form).questions() if each.id == question_id), None
        )
        root = posted.get("root", "").strip()
        problem = (
            _allowed(root, question, form.owner_region)
            if isinstance(question, Region)
            else "这道题不是地区题"
        )
        result: Any
        if problem is not None:
            result = Refused(message=problem)
        else:
            raw = posted.get("rev", "")
            expected = int(raw) if raw.isdigit() and len(raw) < 10 else -1
            result = await authoring.apply_to_form(
                services.database, signed_in.staff, form, UpdateQuestion(question=question_id, values={"root": root}),
                expected=expected, address=client_address(request),
            )  # fmt: skip
        return await answer(services, request, signed_in, form, result, selected=question_id)
