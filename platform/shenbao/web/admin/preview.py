"""The phone preview of a form being built: the farmer's own pages and swaps, on the draft's current definition.

It is the farmer's flow (:mod:`shenbao.web.section_flow`) under ``/admin/preview/<n>``, with the admin's answers kept
as a draft of their own (never an application: the review page ends the preview instead of submitting). The builder
shows it in a frame beside the outline; its pages may be framed by the platform's own pages only.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK

from shenbao import store
from shenbao.cases import authoring
from shenbao.display import display_answer
from shenbao.forms import CompiledForm, Evaluation, evaluate
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import editable_form
from shenbao.web.admin.views import checked_draft
from shenbao.web.posted import CSRF_FIELD, client_address, require_csrf
from shenbao.web.section_flow import Flow, post_answer, post_section, section_page
from shenbao.web.sections import section_of, shown_sections
from shenbao.web.services import Services
from shenbao.widgets import PACK, set_page_facts

__all__ = ["PREVIEW_PATH", "PreviewController", "preview_token"]

PREVIEW_PATH = "/admin/preview/"
"""Where the preview's pages live (under the platform's prefix): the only pages another page of ours may frame."""


def preview_token(signed_in: SignedIn) -> str:
    """The admin's preview draft key: one per admin and form (the draft table keys drafts by token and form id)."""
    return f"preview-{signed_in.staff.id}"


class _Preview:
    """A form's preview for one admin: its compiled draft (or why it cannot be compiled) and the flow."""

    def __init__(self, services: Services, signed_in: SignedIn, form: AuthoredFormRecord) -> None:
        self.pack = services.builder_pack(form.form_id, form.owner_region, form.definition)
        widgets = services.packs.widgets_of(self.pack)
        self.draft = checked_draft(form.definition, chains=services.chains, widgets=widgets)
        self.url = f"{services.base}{PREVIEW_PATH}{form.id}"
        self.builder = f"{services.base}/admin/forms/{form.id}/"
        self.context: dict[str, Any] = {
            "csrf_field": CSRF_FIELD,
            "csrf_token": signed_in.csrf_token,
            "back_url": f"{self.url}/restart",
            "back_label": "↻ 清空答案，重新试填",
            "preview": True,
        }

    async def flow(
        self, services: Services, signed_in: SignedIn, request: Request[Any, Any, Any]
    ) -> Flow | None:
        compiled = self.draft.compiled
        if compiled is None:
            return None
        saved = await store.load_draft(services.database, preview_token(signed_in), compiled.id)
        set_page_facts(form_id=compiled.id, **{PACK: self.pack or ""})
        return Flow(
            form=compiled,
            url=self.url,
            token=preview_token(signed_in),
            draft=dict(saved.answers) if saved else {},
            context=self.context,
            client=client_address(request),
            explain_hidden=True,
        )


async def _opened(
    services: Services, request: Request[Any, Any, Any], signed_in: SignedIn, form_pk: int
) -> tuple[_Preview, Flow | None]:
    """The preview of the form ``form_pk`` for ``signed_in`` and its flow (``None`` while its rules do not compile)."""
    preview = _Preview(services, signed_in, await editable_form(services, signed_in, form_pk))
    return preview, await preview.flow(services, signed_in, request)


async def _form_data(request: Request[Any, Any, Any], signed_in: SignedIn) -> dict[str, list[Any]]:
    await require_csrf(request, signed_in.csrf_token)
    data = await request.form()
    return {key: data.getall(key) for key in data if key != CSRF_FIELD}


class PreviewController(Controller):
    """``/admin/preview/<n>``: try a form being built as a farmer would, without storing an application."""

    path = "/preview/{form_pk:int}"
    include_in_schema = False

    def _broken(self, services: Services, preview: _Preview) -> Response[str]:
        return services.renderer.page(
            "admin/preview_broken.html", draft=preview.draft, builder_url=preview.builder
        )

    @get("/", name="admin:preview")
    async def start(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[Any]:
        form = await editable_form(services, signed_in, form_pk)
        preview = _Preview(services, signed_in, form)
        if preview.draft.compiled is None:
            return self._broken(services, preview)
        first = shown_sections(preview.draft.compiled, evaluate(preview.draft.compiled, {}))[0]
        return Redirect(f"{preview.url}/s/{first}", status_code=303)

    @get("/restart", name="admin:preview_restart")
    async def restart(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[Any]:
        """Clear the admin's preview answers (their own scratch draft) and start again."""
        form = await editable_form(services, signed_in, form_pk)
        definition = authoring.definition_of(form)
        await store.delete_draft(services.database, preview_token(signed_in), definition.id)
        return Redirect(f"{services.base}{PREVIEW_PATH}{form.id}/", status_code=303)

    @get("/s/{section_id:str}", name="admin:preview_section")
    async def section(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
        section_id: FromPath[str],
    ) -> Response[Any]:
        preview, flow = await _opened(services, request, signed_in, form_pk)
        if flow is None:
            return self._broken(services, preview)
        if section_id not in {section.id for section in flow.form.definition.sections}:
            return Redirect(f"{preview.url}/", status_code=303)  # the page was deleted in the builder
        return section_page(
            services, flow, section_id, flow.draft, evaluate(flow.form, flow.draft), show_missing=False
        )

    @post("/s/{section_id:str}", name="admin:preview_section_post", status_code=HTTP_200_OK)
    async def section_post(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
        section_id: FromPath[str],
    ) -> Response[Any]:
        preview, flow = await _opened(services, request, signed_in, form_pk)
        if flow is None:
            return self._broken(services, preview)
        section_of(flow.form, section_id)
        data = await _form_data(request, signed_in)

        async def evaluator(compiled: CompiledForm, answers: dict[str, Any]) -> Evaluation:
            return evaluate(compiled, answers)

        return await post_section(services, flow, section_id, data, evaluator)

    @post("/s/{section_id:str}/answer", name="admin:preview_answer", status_code=HTTP_200_OK)
    async def answer(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
        section_id: FromPath[str],
    ) -> Response[Any]:
        preview, flow = await _opened(services, request, signed_in, form_pk)
        if flow is None:
            return self._broken(services, preview)
        section_of(flow.form, section_id)
        return await post_answer(services, flow, section_id, await _form_data(request, signed_in))

    @get("/review", name="admin:preview_review")
    async def review(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[Any]:
        """The farmer's review page, ending the preview where the farmer would submit."""
        preview, flow = await _opened(services, request, signed_in, form_pk)
        if flow is None:
            return self._broken(services, preview)
        evaluation = evaluate(flow.form, flow.draft)
        rows = [
            (flow.form.by_id[question_id], value, display_answer(flow.form.by_id[question_id], value))
            for question_id, value in evaluation.answers.items()
        ]
        return services.renderer.page(
            "farmer/review.html",
            form=flow.form,
            form_url=flow.url,
            ev=evaluation,
            rows=rows,
            started=bool(flow.draft),
            **preview.context,
        )
