"""The farmer's pages: the list of forms, the guide, one screen per section, the review, submit, the receipt.

Every page works with full page loads; with JavaScript, each answer is posted by htmx and the response swaps
in only what changed (questions shown or hidden, errors, progress, the way forward).

A browser with no draft of a form has not started it yet: until the form's guide wait is over
(:mod:`shenbao.web.farmer.guide_wait`), every page that would start it (a section, its posts, the review, submit)
shows the guide instead, saying how many seconds are left, with status 200: it is the page the farmer is meant
to read, not an error, and no phone browser swaps its own error page in for it.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao import store
from shenbao.cases import submit_evaluated
from shenbao.cases.drafts import Carried, draft_on_current, take_carried
from shenbao.cases.phones import mark_unverified, verified_phones
from shenbao.display import display_answer
from shenbao.forms import CompiledForm, Evaluation, evaluate
from shenbao.metrics import OBSERVED
from shenbao.web.answers import FormData
from shenbao.web.drafts import draft_cookie_header, draft_scope, draft_token, new_draft_token, remember_draft
from shenbao.web.farmer.first_visit import FIRST_VISIT, first_visit_response, render_section
from shenbao.web.farmer.guide import guide_html, qr_region, refusal_for
from shenbao.web.farmer.guide_wait import guide_wait
from shenbao.web.pages import SKIP_COMPRESSION, html_response
from shenbao.web.posted import client_address
from shenbao.web.render import current_language
from shenbao.web.section_flow import Flow, post_answer, post_section
from shenbao.web.sections import section_of, shown_sections
from shenbao.web.services import Services
from shenbao.web.widget_routes import SECTION_CEILING
from shenbao.widgets import set_page_facts

__all__ = ["FarmerController"]


def _form(services: Services, form_id: str) -> CompiledForm:
    form = services.forms.get(form_id)
    if form is None:
        raise NotFoundException(f"没有找到申报表“{form_id}”")
    return form


async def _form_data(request: Request[Any, Any, Any]) -> FormData:
    data = await request.form()
    return {key: data.getall(key) for key in data}


class FarmerController(Controller):
    """Public pages: no account, a draft cookie ties a phone to its unfinished application."""

    include_in_schema = False

    async def _draft(
        self, services: Services, request: Request[Any, Any, Any], form: CompiledForm, *, tell: bool = False
    ) -> tuple[str, dict[str, Any], str | None, Carried | None]:
        """The draft token (new if none), the draft's answers, the section the farmer was last on and, with
        ``tell`` (a page the farmer reads), what changed when the draft moved to the form's newer version.

        A draft filled on an older version moves to the current one here (:mod:`shenbao.cases.drafts`)."""
        token = draft_token(request)
        if not token:
            return new_draft_token(), {}, None, None
        draft = await store.load_draft(services.database, token, form.id)
        if draft is None:
            return token, {}, None, None
        draft = await draft_on_current(services, form, draft)
        updated = await take_carried(services, draft) if tell else None
        return token, dict(draft.answers), draft.section, updated

    def _with_cookie(self, response: Response[Any], services: Services, token: str) -> Response[Any]:
        return remember_draft(response, services.base, token)

    @get("/", name="farmer:index", opt={SKIP_COMPRESSION: True})
    async def index(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> ASGIResponse:
        page = services.first_visit.get(
            (
                "index",
                current_language(),
                *sorted(services.forms.current().items()),
            ),  # a publication: a new page
            lambda: services.renderer.render("farmer/index.html", forms=list(services.forms)),
        )
        return html_response(request, page)

    @get("/f/{form_id:str}", name="farmer:guide", opt={SKIP_COMPRESSION: True})
    async def guide(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_id: FromPath[str]
    ) -> ASGIResponse:
        """The guide. The first time this browser opens it, the guide wait starts (the mark is set).

        Its body is shared (and revalidated) while the wait is whole or over; in between, and with a draft or
        a QR code's village, it is rendered for this browser.
        """
        form = _form(services, form_id)
        _, answers, section, updated = await self._draft(services, request, form, tell=True)
        wait = guide_wait(request, secret=services.settings.secrets, base=services.base, form=form)
        cookies = [wait.cookie] if wait.cookie is not None else []
        region = qr_region(request.query_params.get("region"))  # a village's QR code: carried to the form

        def render() -> str:
            return guide_html(
                services,
                form,
                answers=answers,
                section=section,
                region=region,
                wait=wait.left,
                updated=updated,
            )

        if answers or updated or region or 0 < wait.left < form.definition.guide_min_seconds:
            return html_response(request, render(), cookies=cookies)
        key = ("guide", form.id, form.version, current_language(), wait.left)  # the whole wait, or none left
        return html_response(request, services.first_visit.get(key, render), cookies=cookies)

    @get("/f/{form_id:str}/restart", name="farmer:restart")
    async def restart_page(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_id: FromPath[str]
    ) -> Response[Any]:
        """重新填写: say what clearing the draft loses, and ask again (a page, so it works without script)."""
        form = _form(services, form_id)
        _, answers, section, _ = await self._draft(services, request, form)
        if not answers:
            return Redirect(f"{services.base}/f/{form.id}", status_code=303)  # nothing to clear
        evaluation = evaluate(form, answers)
        return services.renderer.page(
            "farmer/restart.html",
            form=form,
            answered=evaluation.answered,
            resume_section=section or shown_sections(form, evaluation)[0],
        )

    @post("/f/{form_id:str}/restart", name="farmer:restart_post", status_code=HTTP_200_OK)
    async def restart(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_id: FromPath[str]
    ) -> Response[Any]:
        """确定清空: delete this browser's draft of the form and start again at its first page.

        Only this form's draft goes; the browser keeps its draft token (and its drafts of other forms). The
        draft cookie is SameSite=Lax, so another site cannot post this for the farmer.
        """
        form = _form(services, form_id)
        token = draft_token(request)
        if token:
            await store.delete_draft(services.database, token, form.id)
        first = shown_sections(form, evaluate(form, {}))[0]
        return Redirect(f"{services.base}/f/{form.id}/s/{first}", status_code=303)

    @get(
        "/f/{form_id:str}/s/{section_id:str}",
        name="farmer:section",
        opt={SKIP_COMPRESSION: True, FIRST_VISIT: True},
    )
    async def section(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_id: FromPath[str],
        section_id: FromPath[str],
    ) -> ASGIResponse:
        """A section page, with the draft cookie (a new token when the browser has none; the draft itself is
        made by the first answer saved): the page's answers and its phone codes then all carry the same token,
        whichever of them comes back first. Each page renews the cookie's sixty days. The first-visit body
        stays the same for everyone; only the cookie is not. A phone with no draft cookie at all gets that
        page from :class:`~shenbao.web.farmer.first_visit.FirstVisitLane` before this handler runs."""
        form = _form(services, form_id)
        section_of(form, section_id)
        token, answers, section, updated = await self._draft(services, request, form, tell=True)
        if section is None and (refusal := refusal_for(services, request, form)) is not None:
            return html_response(request, refusal.html, cookies=refusal.cookies())
        if not answers and not updated and not set(request.query_params) - {"lang"}:
            return first_visit_response(services, request, form, section_id, token)  # as FirstVisitLane does
        region = qr_region(request.query_params.get("region"))
        evaluation = await _evaluated(services, form, answers, token, region=region, section_id=section_id)
        html = render_section(services, form, section_id, answers, evaluation, region=region, updated=updated)
        return html_response(request, html, set_cookies=[draft_cookie_header(services.base, token)])

    @post(
        "/f/{form_id:str}/s/{section_id:str}",
        name="farmer:section_post",
        status_code=HTTP_200_OK,
        request_max_body_size=SECTION_CEILING,  # without script, a page's pictures come with it
    )
    async def section_post(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_id: FromPath[str],
        section_id: FromPath[str],
    ) -> Response[Any]:
        """The no-JavaScript path and the "下一步" button: save, then move on or show what is missing.

        A QR code's village (the page's hidden ``_region``) goes on to the next page; the region widget
        presets it while its question has no answer.
        """
        form = _form(services, form_id)
        section_of(form, section_id)
        token, draft, section, _ = await self._draft(services, request, form)
        if section is None and (refusal := refusal_for(services, request, form, unsaved=True)) is not None:
            return refusal.response()
        data = await _form_data(request)
        region = qr_region((data.get("_region") or [""])[0])

        async def evaluator(form: CompiledForm, answers: dict[str, Any]) -> Evaluation:
            return await _evaluated(services, form, answers, token, region=region, section_id=section_id)

        url = f"{services.base}/f/{form.id}"
        flow = Flow(
            form=form, url=url, token=token, draft=draft, region=region, client=client_address(request)
        )
        response = await post_section(services, flow, section_id, data, evaluator)
        return self._with_cookie(response, services, token)

    @post(
        "/f/{form_id:str}/s/{section_id:str}/answer",
        name="farmer:answer",
        status_code=HTTP_200_OK,
        opt={OBSERVED: "swap"},
    )
    async def answer(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_id: FromPath[str],
        section_id: FromPath[str],
    ) -> Response[str]:
        """htmx: save one change and send back only the parts of the page it changed, swapped out of band.

        Unverified phones are not reported here: the farmer may not have asked for the code yet. Before the
        guide wait is over (no draft yet), htmx is sent to the section's own address, which shows the guide.
        """
        form = _form(services, form_id)
        section_of(form, section_id)
        token, draft, section, _ = await self._draft(services, request, form)
        if section is None and (refusal := refusal_for(services, request, form)) is not None:
            return refusal.redirect(f"{services.base}/f/{form.id}/s/{section_id}")
        flow = Flow(form=form, url=f"{services.base}/f/{form.id}", token=token, draft=draft)
        response = await post_answer(services, flow, section_id, await _form_data(request))
        if draft_token(request) == token:
            return response  # its page gave the cookie, and renews it
        return self._with_cookie(response, services, token)

    @get("/f/{form_id:str}/review", name="farmer:review")
    async def review(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_id: FromPath[str]
    ) -> Response[str]:
        form = _form(services, form_id)
        token, answers, section, updated = await self._draft(services, request, form, tell=True)
        if section is None and (refusal := refusal_for(services, request, form)) is not None:
            return refusal.response()
        evaluation = await _evaluated(services, form, answers, token)
        return self._review_page(services, form, answers, evaluation, updated=updated)

    def _review_page(
        self,
        services: Services,
        form: CompiledForm,
        answers: dict[str, Any],
        evaluation: Evaluation,
        status_code: int = HTTP_200_OK,
        updated: Carried | None = None,
    ) -> Response[str]:
        rows = [
            (form.by_id[question_id], value, display_answer(form.by_id[question_id], value))
            for question_id, value in evaluation.answers.items()
        ]
        return services.renderer.page(
            "farmer/review.html",
            status_code=status_code,
            form=form,
            form_url=f"{services.base}/f/{form.id}",
            ev=evaluation,
            rows=rows,
            started=bool(answers),
            updated=updated,
        )

    @post("/f/{form_id:str}/submit", name="farmer:submit", status_code=HTTP_200_OK, opt={OBSERVED: "submit"})
    async def submit(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_id: FromPath[str]
    ) -> Response[Any]:
        """Check everything again on the server, then store the application once, however often it is posted."""
        form = _form(services, form_id)
        token, answers, section, _ = await self._draft(services, request, form)
        if not answers:
            # Nothing in the draft: either already submitted (a double tap) or never started.
            previous = await store.application_by_idempotency_key(services.database, _web_key(token, form))
            if previous is not None:
                return Redirect(f"{services.base}/r/{previous.receipt_number}", status_code=303)
            if section is None and (refusal := refusal_for(services, request, form)) is not None:
                return refusal.response()
            return Redirect(f"{services.base}/f/{form.id}", status_code=303)
        evaluation = await _evaluated(services, form, answers, token)
        if not evaluation.submittable:
            return self._review_page(
                services, form, answers, evaluation, status_code=HTTP_422_UNPROCESSABLE_ENTITY
            )
        application, _ = await submit_evaluated(
            services, form, evaluation, idempotency_key=_web_key(token, form), draft_token=token
        )
        # A fresh draft token: the next application from this phone (a cadre applying for several households)
        # must not be mistaken for a retry of this one.
        redirect = Redirect(f"{services.base}/r/{application.receipt_number}", status_code=303)
        return self._with_cookie(redirect, services, new_draft_token())

    @get("/r/{receipt:str}", name="farmer:receipt")
    async def receipt(self, services: NamedDependency[Services], receipt: FromPath[str]) -> Response[str]:
        application = await store.application_by_receipt(services.database, receipt)
        if application is None:
            raise NotFoundException(f"没有找到回执号 {receipt} 的申请，请核对回执号")
        form = services.forms.of(application.form_id, application.form_version)
        return services.renderer.page("farmer/receipt.html", application=application, form=form)


async def _evaluated(
    services: Services,
    form: CompiledForm,
    answers: dict[str, Any],
    token: str,
    *,
    region: str | None = None,
    section_id: str | None = None,
) -> Evaluation:
    """Evaluate a draft as the server must: phones that need a code count as wrong until verified.

    It also tells the widgets about the page: its form, the draft's verified phones, a QR code's village. For a
    section's page (``section_id``), only that page's phones are looked up: no other page's is shown there.
    """
    evaluation = services.evaluations.of(form, answers)  # often the farmer's last swap's "after"
    facts: dict[str, Any] = {"form_id": form.id}
    if region:
        facts["preset_region"] = region  # the region widget shows this village already chosen
    if answers:
        scope = draft_scope(form.id, token)
        verified = await verified_phones(services.phones, form, evaluation, scope, section_id)
        facts["verified_phones"] = verified
        evaluation = mark_unverified(form, evaluation, verified, section_id)
    set_page_facts(**facts)
    return evaluation


def _web_key(token: str, form: CompiledForm) -> str:
    """One application per draft: a double tap or a retried post finds the application already made."""
    return draft_scope(form.id, token)
