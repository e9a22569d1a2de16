"""The applicant's status page: the receipt number and a code sent to the application's phone open it.

``/status`` asks for the receipt number and the phone the application gave. A code goes by SMS only when the
phone is one the application confirmed at submission (:func:`~shenbao.cases.phones.stored_verified_phones`);
otherwise the page answers exactly the same and the same rate limits count (a decoy code, see
:meth:`~shenbao.notify.otp.PhoneVerifier.issue_code`), so nobody learns whether a receipt exists or which
phone it has; the SMS itself leaves after the answer, so the time taken tells nothing either. A verified code
gives a 30-minute signed pass for that receipt (:mod:`shenbao.web.farmer.status_access`).

The page shows the steps in plain words (:func:`~shenbao.workflow.progress.applicant_view`) and, while a
refusal may be appealed, the "申请复核" form: the appeal goes through the workflow engine and is stored with its
history row and the township's SMS in ONE transaction, the row locked; the form carries ``seen`` (the number
of history rows it was drawn from), so a second identical post changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_403_FORBIDDEN,
    HTTP_409_CONFLICT,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from shenbao import cases, store
from shenbao.cases.phones import stored_verified_phones
from shenbao.china_time import to_china
from shenbao.china_time import today as _today  # the status page's today (the tests pin it here)
from shenbao.forms.values import normalise_phone
from shenbao.notify.otp import VerificationRefused
from shenbao.notify.sms import Sms
from shenbao.privacy.masking import mask_phone
from shenbao.store.receipts import format_receipt, parse_receipt
from shenbao.web.farmer.status_access import (
    PASS_LIFETIME,
    code_scope,
    issue_pass,
    new_try_token,
    read_pass,
    start_try,
    try_token,
)
from shenbao.web.posted import CSRF_FIELD, client_address, require_csrf
from shenbao.web.services import Services
from shenbao.workflow import TransitionRefused
from shenbao.workflow.engine import MAX_APPEAL_CHARS
from shenbao.workflow.progress import applicant_view, day_text

__all__ = ["StatusController"]

log = logging.getLogger("shenbao.status")

BAD_RECEIPT = "回执号不对：应是12位数字（提交后页面上显示的号码），请对照回执再填一遍"
ALREADY_APPEALED = "您的复核申请已经提交过了，请看下面的最新进度"
APPEALED = "复核申请已提交。乡镇会重新审核，结果会用短信告诉您。"
PASS_NEEDED = "验证已过期（验证后30分钟内有效）：请重新获取验证码，打开办理进度后再提交复核申请"
_TYPED = 40
"""At most this many characters of what was typed are read back into a page."""


async def _deliver(services: Services, message: Sms) -> None:
    """Send a status code's SMS after the answer has gone (its time must not tell a right guess)."""
    try:
        await services.phones.deliver(message)
    except VerificationRefused:
        log.warning("a status code could not be sent to %s", mask_phone(message.phone))


def _typed(form: dict[str, str]) -> tuple[str, str]:
    """The receipt number and the phone as posted (the phone normalised)."""
    return form.get("receipt", "").strip()[:_TYPED], normalise_phone(form.get("phone", ""))[:_TYPED]


class StatusController(Controller):
    """Public pages: no account; a code to the application's phone opens its status for 30 minutes."""

    path = "/status"
    include_in_schema = False

    def _lookup(
        self,
        services: Services,
        token: str | None,
        *,
        step: str = "ask",
        receipt: str = "",
        phone: str = "",
        message: str = "",
        error: str = "",
        error_field: str = "",
        kept: str = "",
        status_code: int = HTTP_200_OK,
    ) -> Response[str]:
        """The lookup page (``ask``: receipt and phone; ``code``: the code), renewing the lookup cookie.

        ``kept`` is an appeal's reason posted after the pass ran out, shown back so it is not lost.
        """
        token = token or new_try_token()
        response = services.renderer.page(
            "farmer/status_lookup.html",
            status_code=status_code,
            step=step,
            receipt=receipt,
            phone=phone,
            masked=mask_phone(phone),
            message=message,
            error=error,
            error_field=error_field,
            kept=kept,
            csrf_field=CSRF_FIELD,
            csrf_token=token,
        )
        start_try(response, base=services.base, token=token)
        return response

    @get("/", name="status:lookup")
    async def lookup(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[str]:
        """Ask for the receipt number (``?r=`` fills it in, as the receipt page's link does) and the phone."""
        typed = request.query_params.get("r", "")[:_TYPED]
        number = parse_receipt(typed)
        return self._lookup(services, try_token(request), receipt=format_receipt(number) if number else typed)

    @post("/code", name="status:code", status_code=HTTP_200_OK)
    async def send_code(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[str]:
        """Send a code when the phone is the application's; answer the same whether it is or not."""
        token = try_token(request)
        form = await require_csrf(request, token)
        assert token is not None  # require_csrf refuses a missing token
        typed, phone = _typed(form)
        receipt = parse_receipt(typed)
        if receipt is None:  # the check digit is public arithmetic: saying so reveals no application
            return self._lookup(
                services,
                token,
                receipt=typed,
                phone=phone,
                error=BAD_RECEIPT,
                error_field="receipt",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        record = await store.application_by_receipt(services.database, receipt)
        form_def = services.forms.of(record.form_id, record.form_version) if record is not None else None
        theirs = (
            record is not None
            and form_def is not None
            and phone in stored_verified_phones(form_def, record.answers)
        )
        try:
            message = await services.phones.issue_code(
                scope=code_scope(receipt, token),
                phone=phone,
                client=client_address(request),
                decoy=not theirs,
            )
        except VerificationRefused as refused:
            return self._lookup(
                services,
                token,
                receipt=format_receipt(receipt),
                phone=phone,
                error=str(refused),
                error_field="phone",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        response = self._lookup(
            services,
            token,
            step="code",
            receipt=format_receipt(receipt),
            phone=phone,
            message=f"如果回执号和手机号码都对，{mask_phone(phone)}马上会收到一条验证码短信（5分钟内有效）。",
        )
        if message is not None:
            response.background = BackgroundTask(_deliver, services, message)
        return response

    @post("/verify", name="status:verify", status_code=HTTP_200_OK)
    async def verify(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """Check the code; a right one gives the pass for this receipt and opens its page."""
        token = try_token(request)
        form = await require_csrf(request, token)
        assert token is not None
        typed, phone = _typed(form)
        receipt = parse_receipt(typed)
        if receipt is None:
            return self._lookup(
                services,
                token,
                receipt=typed,
                error=BAD_RECEIPT,
                error_field="receipt",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        try:
            await services.phones.verify(
                scope=code_scope(receipt, token), phone=phone, code=form.get("code", "")
            )
        except VerificationRefused as refused:
            return self._lookup(
                services,
                token,
                step="code",
                receipt=format_receipt(receipt),
                phone=phone,
                error=str(refused),
                error_field="code",
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        response: Response[Any] = Redirect(f"{services.base}/status/{receipt}", status_code=303)
        issue_pass(response, secret=services.settings.secrets, base=services.base, receipt=receipt)
        start_try(
            response, base=services.base, token=new_try_token()
        )  # the verified code opens nothing again
        return response

    @get("/{receipt:str}", name="status:page")
    async def page(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], receipt: FromPath[str]
    ) -> Response[Any]:
        """The status page, for the pass of this receipt; any other visitor is sent to the lookup."""
        number = parse_receipt(receipt)
        granted = read_pass(request, secret=services.settings.secrets, receipt=number)
        if granted is None or number is None:
            return Redirect(f"{services.base}/status?r={quote(receipt[:_TYPED])}", status_code=303)
        notice = APPEALED if request.query_params.get("done") == "appeal" else ""
        return await self._status_page(services, number, granted.csrf, message=notice)

    async def _status_page(
        self,
        services: Services,
        receipt: str,
        csrf: str,
        *,
        status_code: int = HTTP_200_OK,
        message: str = "",
        error: str = "",
        error_field: str = "",
        reason: str = "",
    ) -> Response[str]:
        found = await cases.application_by_receipt(services.database, receipt)
        record = (
            found.record
            if found is not None
            else await store.application_by_receipt(services.database, receipt)
        )
        if record is None:  # a pass is only ever given for an application that exists
            raise PermissionDeniedException(PASS_NEEDED)
        workflow = cases.workflow_of(services, found) if found is not None else None
        today = _today()
        view = None
        if workflow is not None:
            view = applicant_view(
                workflow.chain, workflow.state, workflow.history, today=today, calendar=workflow.calendar
            )
        form = services.forms.of(record.form_id, record.form_version)
        return services.renderer.page(
            "farmer/status.html",
            status_code=status_code,
            receipt=record.receipt_display,
            number=record.receipt_number,
            form_title=form.title() if form is not None else record.form_id,
            submitted=day_text(to_china(record.created_at).date(), today),
            view=view,
            seen=len(workflow.history) if workflow is not None else 0,
            message=message,
            error=error,
            error_field=error_field,
            reason=reason,
            max_reason=MAX_APPEAL_CHARS,
            minutes=int(PASS_LIFETIME.total_seconds() // 60),
            csrf_field=CSRF_FIELD,
            csrf_token=csrf,
        )

    @post("/{receipt:str}/appeal", name="status:appeal", status_code=HTTP_200_OK)
    async def appeal(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], receipt: FromPath[str]
    ) -> Response[Any]:
        """Appeal a refusal: checked by the engine, stored with the township's SMS in one transaction, once."""
        number = parse_receipt(receipt)
        granted = read_pass(request, secret=services.settings.secrets, receipt=number)
        if granted is None or number is None:
            # The pass ran out while the farmer wrote: nothing is stored, and what they wrote is shown back.
            data = await request.form()
            return self._lookup(
                services,
                try_token(request),
                receipt=format_receipt(number) if number else receipt[:_TYPED],
                error=PASS_NEEDED,
                kept=str(data.get("reason") or "")[:MAX_APPEAL_CHARS],
                status_code=HTTP_403_FORBIDDEN,
            )
        form = await require_csrf(request, granted.csrf)
        reason = form.get("reason", "")
        try:
            await cases.appeal(
                services, number, reason, seen=form.get("seen", ""), today=_today(), now=datetime.now(dt.UTC)
            )
        except cases.AlreadyDone:
            return await self._status_page(
                services, number, granted.csrf, status_code=HTTP_409_CONFLICT, message=ALREADY_APPEALED
            )
        except TransitionRefused as refused:
            at_field = refused.kind == "field"
            return await self._status_page(
                services,
                number,
                granted.csrf,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY if at_field else HTTP_403_FORBIDDEN,
                error=refused.message,
                error_field=(refused.field or "") if at_field else "",
                reason=reason if at_field else "",
            )
        return Redirect(f"{services.base}/status/{number}?done=appeal", status_code=303)
