"""The guide page, and the guide shown instead of a form's pages while its reading wait is not over."""

from __future__ import annotations

from typing import Any, NamedTuple

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie

from shenbao.cases.drafts import Carried
from shenbao.forms import CompiledForm, evaluate
from shenbao.web.farmer.guide_wait import guide_wait
from shenbao.web.sections import shown_sections
from shenbao.web.services import Services

__all__ = ["Refusal", "guide_html", "qr_region", "refusal_for"]


def qr_region(value: str | None) -> str:
    """A division code from a village's QR code (``?region=``, or a page's hidden ``_region``), else ``""``.

    Only its shape is checked here; the region widget presets it only when it is a division under the
    question's root.
    """
    value = (value or "").strip()
    return value if value.isdigit() and len(value) <= 12 else ""


def guide_html(
    services: Services,
    form: CompiledForm,
    *,
    answers: dict[str, Any],
    section: str | None,
    region: str | None,
    wait: int,
    refused: bool = False,
    unsaved: bool = False,
    updated: Carried | None = None,
) -> str:
    """The guide (``farmer/guide.html``).

    Args:
        services: the platform's services.
        form: the form.
        answers: the browser's draft of it (``{}`` when none): with answers, the button resumes the draft.
        section: the section the draft was left on.
        region: a village's QR code (``?region=``), carried to the first section.
        wait: the seconds the start button counts down (the server's seconds left).
        refused: shown instead of a page of the form: the page says to read the guide and how long to wait.
        unsaved: the refused request posted answers; the page says they were not kept.
        updated: what changed when the draft moved to the form's newer version, told once.
    """
    return services.renderer.render(
        "farmer/guide.html",
        form=form,
        first_section=shown_sections(form, evaluate(form, answers))[0],
        resume_section=section if answers else None,
        region=region,
        wait=wait,
        refused=refused,
        unsaved=unsaved,
        updated=updated,
    )


class Refusal(NamedTuple):
    """The guide shown instead of a page of a form not started yet, and the guide mark to set, if any."""

    html: str
    cookie: Cookie | None

    def response(self) -> Response[str]:
        """As a framework response (for the posts and the review, which the compression middleware handles)."""
        response = Response(self.html, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})
        if self.cookie is not None:
            response.set_cookie(self.cookie)
        return response

    def redirect(self, page: str) -> Response[str]:
        """For an htmx swap: send htmx to ``page`` (the section's own address), which shows the guide."""
        response = Response(
            "", media_type=MediaType.HTML, headers={"HX-Redirect": page, "Cache-Control": "no-store"}
        )
        if self.cookie is not None:
            response.set_cookie(self.cookie)
        return response

    def cookies(self) -> list[Cookie]:
        """The cookies to set with :attr:`html` (the guide mark, when the browser had none)."""
        return [self.cookie] if self.cookie is not None else []


def refusal_for(
    services: Services, request: Request[Any, Any, Any], form: CompiledForm, *, unsaved: bool = False
) -> Refusal | None:
    """The guide to show instead of a page of ``form``, while this browser's guide wait is not over.

    Call it only for a browser with no draft of ``form``: one with a draft is past the guide.

    Args:
        services: the platform's services.
        request: the request that would start the form.
        form: the form.
        unsaved: the request posted answers, which are not kept (the page says so).

    Returns:
        The refusal, or ``None`` when the form may be started.
    """
    wait = guide_wait(request, secret=services.settings.secrets, base=services.base, form=form)
    if not wait.left:
        return None
    html = guide_html(
        services,
        form,
        answers={},
        section=None,
        region=qr_region(request.query_params.get("region")),
        wait=wait.left,
        refused=True,
        unsaved=unsaved,
    )
    return Refusal(html, wait.cookie)
