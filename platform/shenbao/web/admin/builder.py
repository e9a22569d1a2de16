"""The builder: a form's outline beside the property panel of one question (or of the form), and the phone preview.

Every change is a POST that names the revision it was made on; the use case saves it as the next revision or
refuses it (another admin saved first, or what it names is gone) and the page says so. Without script each POST
answers with the page again (303); with htmx it answers with the parts that changed:

- a change in the panel (saved when a field loses focus) answers with the outline, the bar and the panel's
  messages, out of band, so the field the admin moved to keeps its focus;
- a button (add, duplicate, delete, move, undo, redo) answers with the whole builder.

Each saved change tells the page (``HX-Trigger: preview-changed``) to reload the preview.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao import store
from shenbao.cases import authoring
from shenbao.cases.authoring import Refused, Saved, Stale
from shenbao.forms.editing import QUESTION_TYPES, AddScenario, Edit
from shenbao.forms.model import FieldsQuestion, MultipleChoice, Question, Region, SingleChoice
from shenbao.forms.scenarios import scenario_from
from shenbao.store import authoring as stored
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import editable_form
from shenbao.web.admin.edits import form_edits, label_values, question_edits
from shenbao.web.admin.posting import open_posting, posted_revision
from shenbao.web.admin.preview import preview_token
from shenbao.web.admin.rule_form import rule_editors
from shenbao.web.admin.views import (
    Draft,
    blank_rows,
    chain_choices,
    checked_draft,
    common,
    pack_widgets,
    panel_fields,
    region_root,
)
from shenbao.web.posted import client_address
from shenbao.web.services import Services
from shenbao.widgets import WidgetRegistry

__all__ = ["BuilderController"]

_OPS = frozenset(
    {"add_question", "duplicate_question", "delete_question", "move_question", "place_question", "add_option",
     "delete_option", "move_option", "add_field", "delete_field", "move_field", "add_section", "update_section", "delete_section", "move_section",
     "delete_scenario"}
)  # fmt: skip
_OP_FIELDS = (
    "kind",
    "section",
    "after",
    "question",
    "by",
    "value",
    "field",
    "before",
    "title",
    "name",
    "widget",
)


def _htmx(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("hx-request") == "true"


class BuilderController(Controller):
    """``/admin/forms/<n>``: build one form."""

    path = "/forms/{form_pk:int}"
    include_in_schema = False

    @get("/", name="admin:builder")
    async def builder(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[str]:
        """The builder, with the question ``?q=`` (or the form's settings, ``?panel=form``) in the panel."""
        form = await editable_form(services, signed_in, form_pk)
        selected = request.query_params.get("q")
        asked = request.query_params.get("panel")
        panel = asked if asked in ("form", "scenarios") else "question" if selected else "form"
        return await _page(services, signed_in, form, selected=selected, panel=panel)

    @get("/badge", name="admin:scenario_badge")
    async def badge(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[str]:
        """htmx, right after a change is shown: run the scenarios on the saved revision and show how they fared."""
        form = await editable_form(services, signed_in, form_pk)
        draft = builder_draft(services, form)
        url = f"{services.base}/admin/forms/{form.id}"
        return services.renderer.page("admin/_badge.html", draft=draft, builder_url=url)

    @post("/question/{question_id:str}", name="admin:question", status_code=HTTP_200_OK)
    async def question(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
        question_id: FromPath[str],
    ) -> Response[Any]:
        """Save the panel of one question: its properties and its options' labels."""
        signed_in, posted, form = await open_posting(services, request, form_pk)
        question = next(
            (each for each in authoring.definition_of(form).questions() if each.id == question_id), None
        )
        if question is None:
            return await answer(
                services,
                request,
                signed_in,
                form,
                Refused(message="这道题已不存在（可能刚被删除），请刷新后再试"),
                selected=None,
            )
        widgets = services.builder_widgets(form.form_id, form.owner_region, form.definition)
        edits, errors = question_edits(question, posted, _widget_choices(widgets, question))
        return await _save_panel(
            services, request, signed_in, form, posted, edits, errors, selected=question_id
        )

    @post("/settings", name="admin:settings", status_code=HTTP_200_OK)
    async def settings(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        """Save the form's own settings (title, guide, pledge...)."""
        signed_in, posted, form = await open_posting(services, request, form_pk)
        edits, errors = form_edits(authoring.definition_of(form), posted, chain_choices(services.chains))
        return await _save_panel(services, request, signed_in, form, posted, edits, errors, selected=None)

    @post("/do", name="admin:do", status_code=HTTP_200_OK)
    async def do(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        """A button of the outline or the panel: add, duplicate, delete or move a question, an option or a page."""
        signed_in, posted, form = await open_posting(services, request, form_pk)
        op, _, arguments = posted.get("op", "").partition(
            "?"
        )  # a button says what it does: move_question?by=-1
        fields = {name: posted[name] for name in _OP_FIELDS if posted.get(name)}
        fields.update((name, value) for name, value in parse_qsl(arguments) if name in _OP_FIELDS)
        if "@" in fields.get("kind", ""):  # a pack's widget in the toolbox: number@stars
            fields["kind"], fields["widget"] = fields["kind"].split("@", 1)
        try:
            if op not in _OPS:
                raise msgspec.ValidationError(op)
            edit = msgspec.convert({"op": op, **fields}, Edit, strict=False)
        except msgspec.ValidationError:
            result: Saved | Stale | Refused = Refused(message="无法识别这个操作，请刷新页面后再试")
        else:
            result = await authoring.apply_to_form(
                services.database,
                signed_in.staff,
                form,
                edit,
                expected=posted_revision(posted),
                address=client_address(request),
            )
        selected = fields.get("question") or None
        if isinstance(result, Saved) and op in ("add_question", "duplicate_question"):
            before = {each.id for each in authoring.definition_of(form).questions()}
            added = [
                each.id for each in authoring.definition_of(result.form).questions() if each.id not in before
            ]
            selected = added[0] if added else selected
        if op == "delete_question" and isinstance(result, Saved):
            selected = None
        panel = "scenarios" if op == "delete_scenario" else None
        return await answer(services, request, signed_in, form, result, selected=selected, panel=panel)

    @post("/scenarios", name="admin:add_scenario", status_code=HTTP_200_OK)
    async def add_scenario(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        """存为场景: keep the preview's current answers with what they lead to now, as a scenario of the form."""
        signed_in, posted, form = await open_posting(services, request, form_pk)
        name = posted.get("name", "").strip()
        draft = builder_draft(services, form)
        errors = {}
        saved = await store.load_draft(services.database, preview_token(signed_in), draft.definition.id)
        if not name or len(name) > 60:
            errors["scenario_name"] = "请给场景起个名字（60个字以内），说明它验证什么，例如“非农户籍不能申请”"
        elif draft.compiled is None:
            errors["scenario_name"] = "表单还有问题，改好后才能保存场景"
        elif saved is None or not saved.answers:
            errors["scenario_name"] = "预览里还没有回答：请先在右边的手机预览里作答，再保存为场景"
        if errors or draft.compiled is None or saved is None:
            return await answer(
                services,
                request,
                signed_in,
                form,
                None,
                selected=None,
                panel="scenarios",
                errors=errors,
                posted=posted,
            )
        edit = AddScenario(scenario=scenario_from(draft.compiled, name, saved.answers))
        return await save_edits(
            services, request, signed_in, form, posted, edit, selected=None, panel="scenarios"
        )

    @post("/undo", name="admin:undo", status_code=HTTP_200_OK)
    async def undo(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        signed_in, posted, form = await open_posting(services, request, form_pk)
        result = await authoring.undo(
            services.database,
            signed_in.staff,
            form,
            expected=posted_revision(posted),
            address=client_address(request),
        )
        return await answer(services, request, signed_in, form, result, selected=posted.get("q") or None)

    @post("/redo", name="admin:redo", status_code=HTTP_200_OK)
    async def redo(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        signed_in, posted, form = await open_posting(services, request, form_pk)
        result = await authoring.redo(
            services.database,
            signed_in.staff,
            form,
            expected=posted_revision(posted),
            address=client_address(request),
        )
        return await answer(services, request, signed_in, form, result, selected=posted.get("q") or None)


def _widget_choices(widgets: WidgetRegistry, question: Question | None) -> list[tuple[str, str]]:
    """The pack widgets ``question``'s panel offers: those of the form's pack made for its type."""
    if question is None:
        return []
    return [(name, label) for name, _, label in pack_widgets(widgets, str(question.__struct_config__.tag))]


def builder_draft(services: Services, form: AuthoredFormRecord) -> Draft:
    """The authored form checked as the builder and its preview show it: with its pack's widgets' checks and
    against the platform's approval chains (once per revision: :func:`~.views.checked_draft`)."""
    widgets = services.builder_widgets(form.form_id, form.owner_region, form.definition)
    return checked_draft(form.definition, chains=services.chains, widgets=widgets)


async def _save_panel(
    services: Services,
    request: Request[Any, Any, Any],
    signed_in: SignedIn,
    form: AuthoredFormRecord,
    posted: dict[str, str],
    edits: list[Edit],
    errors: dict[str, str],
    *,
    selected: str | None,
) -> Response[Any]:
    """A post of the panel: its fields' errors (nothing saved, what was typed kept), or its edits saved."""
    if errors:
        return await answer(
            services, request, signed_in, form, None, selected=selected, posted=posted, errors=errors,
            panel_only=True,
        )  # fmt: skip
    return await save_edits(
        services, request, signed_in, form, posted, edits, selected=selected, panel_only=True
    )


async def save_edits(
    services: Services,
    request: Request[Any, Any, Any],
    signed_in: SignedIn,
    form: AuthoredFormRecord,
    posted: dict[str, str],
    edits: Edit | list[Edit],
    *,
    selected: str | None,
    panel_only: bool = False,
    panel: str | None = None,
) -> Response[Any]:
    """Apply ``edits`` made on the posted revision (one use case, one transaction) and answer with the builder."""
    result = await authoring.apply_to_form(
        services.database, signed_in.staff, form, edits, expected=posted_revision(posted),
        address=client_address(request),
    )  # fmt: skip
    return await answer(
        services, request, signed_in, form, result, selected=selected, panel_only=panel_only, panel=panel
    )


async def answer(
    services: Services,
    request: Request[Any, Any, Any],
    signed_in: SignedIn,
    form: AuthoredFormRecord,
    result: Saved | Stale | Refused | None,
    *,
    selected: str | None,
    posted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    panel_only: bool = False,
    panel: str | None = None,
) -> Response[Any]:
    """What a POST answers: the builder again (or its changed parts, for htmx), with what happened."""
    current = result.form if isinstance(result, Saved | Stale) else form
    panel = panel or ("question" if selected else "form")
    if not _htmx(request) and isinstance(result, Saved):
        query = f"?q={selected}" if selected else f"?panel={panel}"
        return Redirect(f"{services.base}/admin/forms/{form.id}/{query}", status_code=303)
    status = HTTP_200_OK
    if not _htmx(request):
        status = HTTP_409_CONFLICT if isinstance(result, Stale) else HTTP_422_UNPROCESSABLE_ENTITY
    response = await _page(
        services, signed_in, current, selected=selected, panel=panel, result=result, posted=posted, errors=errors,
        fragment=("admin/_saved.html" if panel_only else "admin/_builder.html") if _htmx(request) else None,
        status_code=status,
    )  # fmt: skip
    if isinstance(result, Saved):
        response.headers["HX-Trigger"] = "preview-changed"
    return response


async def _page(
    services: Services,
    signed_in: SignedIn,
    form: AuthoredFormRecord,
    *,
    selected: str | None,
    panel: str,
    result: Saved | Stale | Refused | None = None,
    posted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    fragment: str | None = None,
    status_code: int = HTTP_200_OK,
) -> Response[str]:
    draft = builder_draft(services, form)
    pack = services.builder_pack(form.form_id, form.owner_region, form.definition)
    widgets = services.packs.widgets_of(pack)
    question = draft.question(selected) if panel == "question" else None
    target = question if question is not None else draft.definition
    if fragment is None:  # a page opened: this admin is here now (a save notes its author itself)
        others = await authoring.note_editor(services.database, signed_in.staff, form)
    else:
        others = await authoring.other_editors(services.database, signed_in.staff, form)
    can_undo, can_redo = await authoring.can_undo_redo(services.database, form)
    history = await stored.latest_revisions(services.database, form.id, limit=8)
    first_section = draft.definition.sections[0].id if draft.definition.sections else ""
    return services.renderer.page(
        fragment or "admin/builder.html",
        status_code=status_code,
        **common(signed_in),
        form=form,
        draft=draft,
        question=question,
        fields=panel_fields(
            target,
            posted,
            errors,
            chains=chain_choices(services.chains),
            widgets=_widget_choices(widgets, question),
        )
        if panel != "scenarios"
        else [],
        panel=panel,
        lazy_scenarios=fragment is not None and panel != "scenarios",
        errors=errors or {},
        others=others,
        can_undo=can_undo,
        can_redo=can_redo,
        history=history,
        stale=result if isinstance(result, Stale) else None,
        refused=result.message if isinstance(result, Refused) else "",
        question_types=QUESTION_TYPES,
        pack_widgets=pack_widgets(widgets),
        rules=rule_editors(draft.definition, question) if question is not None else [],
        region=region_root(question, form.owner_region, services.packs.divisions_of(pack))
        if isinstance(question, Region)
        else None,
        options=[(option, label_values(option.label)) for option in question.options]
        if isinstance(question, SingleChoice | MultipleChoice)
        else None,
        blanks=blank_rows(question, posted, errors) if isinstance(question, FieldsQuestion) else None,
        builder_url=f"{services.base}/admin/forms/{form.id}",
        published=services.forms.current().get(form.form_id),
        preview_url=f"{services.base}/admin/preview/{form.id}/s/{first_section}?rev={form.revision}",
    )
