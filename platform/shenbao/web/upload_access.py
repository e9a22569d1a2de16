"""Which upload a widget route accepts: one for a live draft, never an anonymous one.

The photo, document and signature scripts post to ``<base>/widgets/<name>/upload?f=<form id>`` (and
``&a=<application id>`` on a household check, :data:`shenbao.widgets.CHECK_APPLICATION`): the page's form, which the route needs to find the draft. A
farmer's upload is accepted when the browser's draft cookie has a saved draft of that form; a handler's when
they are signed in and the application lies in their region. Anything else is answered ``409`` before its body
is read, with a message the scripts show while they send the picture with the form instead (the section's own
post saves the draft and the picture together).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.status_codes import HTTP_403_FORBIDDEN, HTTP_409_CONFLICT

from shenbao import store
from shenbao.store.staff import application_in_region
from shenbao.web.drafts import draft_scope, draft_token
from shenbao.web.posted import client_address
from shenbao.web.services import Services
from shenbao.web.staff.session import signed_in_staff
from shenbao.web.upload_quota import UploadQuota, address_quota, draft_quota, staff_quota
from shenbao.widgets import WidgetServices, widget_services

__all__ = ["NO_DRAFT", "check_token", "upload_services"]

NO_DRAFT = "图片还没有保存：请点本页最下面的按钮，图片会和这一页的回答一起保存"
"""What a farmer reads when an upload comes before the draft (the scripts then send it with the page)."""
_SIGN_IN = "登录已过期，图片没有保存：请重新登录后再拍"


def check_token(application_id: int) -> str:
    """The household check's draft key: one per application, whichever handler of the village fills it."""
    return f"check-{application_id}"


def _refused(message: str, status_code: int) -> Response[Any]:
    return Response({"errors": [message]}, status_code=status_code, headers={"Cache-Control": "no-store"})


async def upload_services(
    request: Request[Any, Any, Any], services: Services
) -> WidgetServices | Response[Any]:
    """The widget services an upload route stores with (gated by the draft's quotas), or the refusal to answer.

    Call it before reading the body: a refused upload is never read, decoded or kept.
    """
    files = widget_services(services.settings).files
    db = services.database
    application = request.query_params.get("a", "")
    if application:
        signed_in = await signed_in_staff(services, request)
        found = (
            await application_in_region(db, int(application), signed_in.staff.region_code)
            if signed_in is not None and application.isdigit() and len(application) < 10
            else None
        )
        if signed_in is None or found is None:
            return _refused(_SIGN_IN, HTTP_403_FORBIDDEN)
        quota = UploadQuota(db, staff_quota(signed_in.staff.id), draft_quota(check_token(found.record.id)))
        return WidgetServices(files=files.admitting(quota))
    form = services.forms.get(request.query_params.get("f", ""))
    token = draft_token(request)
    if form is None or token is None or not await store.draft_exists(db, token, form.id):
        return _refused(NO_DRAFT, HTTP_409_CONFLICT)
    quota = UploadQuota(db, draft_quota(draft_scope(form.id, token)), address_quota(client_address(request)))
    return WidgetServices(files=files.admitting(quota))
