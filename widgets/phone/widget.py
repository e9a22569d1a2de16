"""Phone with a one-time code: "发送验证码" sends a 6-digit code by SMS, the farmer types it, "验证" checks it.

A verified number is bound to the draft (its cookie) and to the number itself: the application cannot be
submitted until every phone that needs it is verified (``shenbao.web.phones``), a code from another draft
does not count, and a number changed after verification must be verified again. The same controls serve a
phone question and a phone blank of a multi-field question (the 2021 form's 户主联系电话).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import MediaType, Request, Response, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException

from shenbao.forms import CompiledForm
from shenbao.forms.model import FieldsQuestion, Phone
from shenbao.forms.values import normalise_phone
from shenbao.notify.otp import VerificationRefused
from shenbao.web.drafts import draft_scope, draft_token, new_draft_token, remember_draft
from shenbao.web.phones import mask_phone
from shenbao.web.services import Services

SCRIPTS = ("widget.js",)
STYLES = ("widget.css",)


def context(question: Phone, value: Any, page: Mapping[str, Any]) -> dict[str, Any]:
    """The form the page belongs to and whether this number is already verified in the farmer's draft."""
    return {"form_id": page.get("form_id", ""), "verified": value in page.get("verified_phones", ())}


def _verifies(form: CompiledForm, name: str) -> bool:
    """Whether ``name`` is a phone input of ``form`` that needs a code: ``phone`` or ``q4.phone``."""
    question_id, _, field_id = name.partition(".")
    question = form.by_id.get(question_id)
    if isinstance(question, Phone):
        return question.verify and not field_id
    if isinstance(question, FieldsQuestion):
        return any(
            field.id == field_id and field.kind == "phone" and field.verify for field in question.fields
        )
    return False


async def _handle(request: Request[Any, Any, Any], services: Services, action: str) -> Response[str]:
    data = await request.form()
    form = services.forms.get(str(data.get("form", "")))
    name = str(data.get("name", ""))
    if form is None or not _verifies(form, name):
        raise NotFoundException("没有这个需要验证的手机号码")
    token = draft_token(request)
    fresh = token is None
    token = token or new_draft_token()
    phone = normalise_phone(str(data.get(name, "")))
    scope = draft_scope(form.id, token)
    kind, wait = "ok", 0
    try:
        if action == "send":
            client = request.client.host if request.client else "unknown"
            await services.phones.send_code(scope=scope, phone=phone, client=client)
            message, wait = f"验证码已发到{mask_phone(phone)}，5分钟内有效，请填写短信里的6位数字", 60
        else:
            await services.phones.verify(scope=scope, phone=phone, code=str(data.get(f"_otp.{name}", "")))
            message, kind = f"手机号码{mask_phone(phone)}已验证", "done"
    except VerificationRefused as refused:
        message, kind = str(refused), "warn"
    html = services.renderer.render(
        "widgets/phone/status.html", dom=name.replace(".", "-"), message=message, kind=kind, wait=wait
    )
    response = Response(html, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})
    return remember_draft(response, services.base, token) if fresh else response


@post("/send", name="widgets:phone:send", include_in_schema=False, status_code=200)
async def send(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Send a code to the number typed in the page (rate-limited); answer with the status line."""
    return await _handle(request, services, "send")


@post("/verify", name="widgets:phone:verify", include_in_schema=False, status_code=200)
async def verify(request: Request[Any, Any, Any], services: NamedDependency[Services]) -> Response[str]:
    """Check the code typed in the page; answer with the status line."""
    return await _handle(request, services, "verify")


ROUTES = (send, verify)
