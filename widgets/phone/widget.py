"""Phone with a one-time code: "发送验证码" sends a 6-digit code by SMS, the farmer types it, "验证" checks it.

A verified number is bound to the draft (its cookie) and to the number itself: the application cannot be
submitted until every phone that needs it is verified (``shenbao.cases.phones``), a code from another draft
does not count, and a number changed after verification must be verified again. The same controls serve a
phone question and a phone blank of a multi-field question (the 2021 form's 户主联系电话).

Both buttons are submit buttons of the section form. With script, htmx posts them to the routes below and swaps
in the status line; without script they post the section, which saves the answers and comes back to the page
at this question with the same status line (``shenbao.web.section_flow``). Both ways go through
``shenbao.web.phone_codes.code_action``: the same checks, rate limits and tries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from shenbao.forms.model import Phone
from shenbao.web.drafts import draft_scope, draft_token, new_draft_token, remember_draft
from shenbao.web.phone_codes import SEND, VERIFY, Action, code_action, code_field, needs_code
from shenbao.web.posted import client_address
from shenbao.web.services import Services
from shenbao.widgets import WidgetHooks


async def _handle(request: Request[Any, Any, Any], services: Services, action: Action) -> Response[str]:
    data = await request.form()
    form = services.forms.get(str(data.get("form", "")))
    name = str(data.get("name", ""))
    if form is None or not needs_code(form, name):
        raise NotFoundException("没有这个需要验证的手机号码")
    token = draft_token(request)
    fresh = token is None
    token = token or new_draft_token()
    status = await code_action(
        services.phones,
        action,
        scope=draft_scope(form.id, token),
        phone=str(data.get(name, "")),
        code=str(data.get(code_field(name), "")),
        client=client_address(request),
    )
    html = services.renderer.render("widgets/phone/status.html", dom=name.replace(".", "-"), status=status)
    response = Response(html, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})
    return remember_draft(response, services.base, token) if fresh else response


@post("/send", name="widgets:phone:send", include_in_schema=False, status_code=200)
async def send(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Send a code to the number typed in the page (rate-limited); answer with the status line."""
    return await _handle(request, services, SEND)


@post("/verify", name="widgets:phone:verify", include_in_schema=False, status_code=200)
async def verify(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Check the code typed in the page; answer with the status line."""
    return await _handle(request, services, VERIFY)


class PhoneWidget(WidgetHooks[Phone]):
    """A mobile number verified with a code sent by SMS: its routes send and check the code."""

    SCRIPTS = ("widget.js",)
    STYLES = ("widget.css",)
    ROUTES = (send, verify)

    def context(self, question: Phone, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
        """The form the page belongs to and whether this number is already verified in the farmer's draft."""
        return {"form_id": page.get("form_id", ""), "verified": value in page.get("verified_phones", ())}
