"""The rule builder's routes: start, change and remove a question's display rule, jumps and checks.

A rule is changed through its rows (:mod:`.rule_form`) or typed as a CEL expression; a typed expression that fits
the builder's grammar is stored as a tree (so it opens as rows next time), any other is kept as typed. An expression
is checked as it is typed (:meth:`RulesController.check`), without saving.
"""

from __future__ import annotations

from typing import Any, cast

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.status_codes import HTTP_200_OK

from shenbao.cases import authoring
from shenbao.forms.edit_rules import RulePlace
from shenbao.forms.editing import (
    AddOutcome,
    AddRule,
    DeleteOutcome,
    DeleteRule,
    Edit,
    SetRule,
    UpdateOutcome,
    UpdateRule,
)
from shenbao.forms.expressions import ExpressionError, compile_expression
from shenbao.forms.rule_reading import read_rule
from shenbao.forms.rule_text import describe_place
from shenbao.web.admin.builder import save_edits
from shenbao.web.admin.posting import open_posting
from shenbao.web.admin.rule_form import posted_rule
from shenbao.web.services import Services

__all__ = ["OutcomesController", "RulesController"]

_PLACES = ("visible_if", "jump", "check")


def _place(place: str) -> RulePlace:
    if place not in _PLACES:
        raise NotFoundException("没有这种规则")
    return cast(RulePlace, place)


class RulesController(Controller):
    """``/admin/forms/<n>/question/<id>/rules/<place>/...``: one question's rules."""

    path = "/forms/{form_pk:int}/question/{question_id:str}/rules"
    include_in_schema = False

    @post("/{place:str}/add", name="admin:add_rule", status_code=HTTP_200_OK)
    async def add(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        question_id: FromPath[str],
        place: FromPath[str],
    ) -> Response[Any]:
        """＋ 显示条件 / ＋ 跳转 / ＋ 检查: a first condition on the nearest choice question, to change from there."""
        signed_in, posted, form = await open_posting(services, request, form_pk)
        edit = AddRule(question=question_id, place=_place(place))
        return await save_edits(services, request, signed_in, form, posted, edit, selected=question_id)

    @post("/{place:str}/{index:int}", name="admin:set_rule", status_code=HTTP_200_OK)
    async def change(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        question_id: FromPath[str],
        place: FromPath[str],
        index: FromPath[int],
    ) -> Response[Any]:
        """Save the rule's rows (``mode=tree``, with the button pressed) or its typed expression (``mode=expression``),
        with where a jump goes or what a check says."""
        signed_in, posted, form = await open_posting(services, request, form_pk)
        where = _place(place)
        definition = authoring.definition_of(form)
        edits: list[Edit] = []
        if posted.get("mode") == "expression":
            typed = posted.get("expression", "").strip()
            if typed:
                edits.append(
                    SetRule(
                        question=question_id,
                        place=where,
                        index=index,
                        rule=read_rule(typed, definition) or typed,
                    )
                )
        else:
            rule = posted_rule(definition, question_id, where, posted)
            edits.append(
                SetRule(question=question_id, place=where, index=index, rule=rule)
                if rule is not None
                else DeleteRule(question=question_id, place=where, index=index)
            )
        if where == "jump" and posted.get("to"):
            edits.append(UpdateRule(question=question_id, place=where, index=index, to=posted["to"]))
        if where == "check" and posted.get("message", "").strip():
            edits.append(
                UpdateRule(question=question_id, place=where, index=index, message=posted["message"].strip())
            )
        return await save_edits(services, request, signed_in, form, posted, edits, selected=question_id)

    @post("/{place:str}/{index:int}/delete", name="admin:delete_rule", status_code=HTTP_200_OK)
    async def delete(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        question_id: FromPath[str],
        place: FromPath[str],
        index: FromPath[int],
    ) -> Response[Any]:
        signed_in, posted, form = await open_posting(services, request, form_pk)
        edit = DeleteRule(question=question_id, place=_place(place), index=index)
        return await save_edits(services, request, signed_in, form, posted, edit, selected=question_id)

    @post("/{place:str}/{index:int}/check", name="admin:check_rule", status_code=HTTP_200_OK)
    async def check(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        question_id: FromPath[str],
        place: FromPath[str],
        index: FromPath[int],
    ) -> Response[str]:
        """htmx, as an expression is typed: does it compile, and what does it say; nothing is saved."""
        _, posted, form = await open_posting(services, request, form_pk)
        definition = authoring.definition_of(form)
        typed = posted.get("expression", "").strip()
        where = _place(place)
        if not typed:
            message, good = '请写一个表达式，例如 q8 == "yes"', False
        else:
            try:
                compile_expression(typed)
            except ExpressionError as error:
                message, good = f"表达式有错，不能运行：{error}", False
            else:
                tree = read_rule(typed, definition)
                question = next((each for each in definition.questions() if each.id == question_id), None)
                to = (
                    question.jumps[index].to
                    if question is not None and where == "jump" and index < len(question.jumps)
                    else None
                )
                message = describe_place(tree if tree is not None else typed, definition, where, to=to)
                message += (
                    "（保存后可以用条件编辑器修改）"
                    if tree is not None
                    else "（条件编辑器无法显示，将按表达式保存）"
                )
                good = True
        return services.renderer.page(
            "admin/_rule_check.html", message=message, good=good, key=f"{where}-{index}"
        )


class OutcomesController(Controller):
    """``/admin/forms/<n>/outcomes``: the pages a jump ends the form at (不能申请, or 可以申请但标记)."""

    path = "/forms/{form_pk:int}/outcomes"
    include_in_schema = False

    async def _apply(
        self, services: Services, request: Request[Any, Any, Any], form_pk: int, edit: Edit
    ) -> Response[Any]:
        signed_in, posted, form = await open_posting(services, request, form_pk)
        return await save_edits(services, request, signed_in, form, posted, edit, selected=None, panel="form")

    @post("/add", name="admin:add_outcome", status_code=HTTP_200_OK)
    async def add(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        posted = await request.form()
        flagged = posted.get("kind") == "flagged"
        return await self._apply(
            services, request, form_pk, AddOutcome(kind="flagged" if flagged else "blocked")
        )

    @post("/{outcome_id:str}", name="admin:update_outcome", status_code=HTTP_200_OK)
    async def update(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        outcome_id: FromPath[str],
    ) -> Response[Any]:
        """Its kind, its message (Chinese, and Tibetan if given) and, for a flagged one, where the form goes on."""
        posted = await request.form()
        values: dict[str, Any] = {"kind": "flagged" if posted.get("kind") == "flagged" else "blocked"}
        message = str(posted.get("message") or "").strip()
        tibetan = str(posted.get("message.bo") or "").strip()
        if message:
            values["message"] = {"zh": message, "bo": tibetan} if tibetan else message
        values["resume_at"] = str(posted.get("resume_at") or "") or None
        return await self._apply(services, request, form_pk, UpdateOutcome(outcome=outcome_id, values=values))

    @post("/{outcome_id:str}/delete", name="admin:delete_outcome", status_code=HTTP_200_OK)
    async def delete(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        outcome_id: FromPath[str],
    ) -> Response[Any]:
        return await self._apply(services, request, form_pk, DeleteOutcome(outcome=outcome_id))
