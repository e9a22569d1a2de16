"""The builder's trial link: a form being built, tried on a real phone without signing in there.

``POST /admin/forms/<n>/trial`` makes a link (:mod:`shenbao.web.trial_links`) to the farmer's pages of the form's
current definition under ``/try/<token>/`` and records it in the audit log (``form.trial_link``); the answer is the
builder's part (``admin/_trial.html``): the link, its QR code and its expiry in China time. ``GET`` shows that part
before any link is made (the page of its own without script). The QR code is served by the platform as SVG (the
picture in the page) and PNG (to save, print or send), for a link of this form only. Only an admin who may edit
the form may do any of it.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_200_OK

from shenbao.china_time import format_china
from shenbao.store.audit import record_audit
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import editable_form, posting_author
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services
from shenbao.web.trial_links import (
    TrialExpired,
    TrialInvalid,
    TrialLink,
    read_trial,
    sign_trial,
    trial_png,
    trial_svg,
    trial_url,
)

__all__ = ["TrialLinkController", "trial_context"]

_NO_LINK = "这个二维码对应的试填链接无效或已过期，请重新生成"


class _Shown(msgspec.Struct, frozen=True, kw_only=True):
    """A trial link as the builder shows it: the link, its QR pictures' addresses, and when it stops working."""

    url: str
    svg_url: str
    png_url: str
    link: TrialLink


def _origin(services: Services, request: Request[Any, Any, Any]) -> str:
    """Where the admin's browser reached the platform; ``https`` whenever the platform is served over HTTPS (a
    proxy ends TLS, so the request itself says ``http``)."""
    scheme = "https" if services.settings.https else request.url.scheme
    return f"{scheme}://{request.url.netloc}"


def trial_context(
    services: Services, signed_in: SignedIn, form: AuthoredFormRecord, shown: _Shown | None = None
) -> dict[str, Any]:
    """What ``admin/_trial.html`` needs: the form, the builder's address, the CSRF field and the link if made."""
    return {
        **common(signed_in),
        "form": form,
        "builder_url": f"{services.base}/admin/forms/{form.id}",
        "trial": shown,
    }


def _link_of(services: Services, form: AuthoredFormRecord, token: str) -> TrialLink:
    """The link ``token`` stands for, when it is a live link of ``form`` (else 404: the picture is not drawn)."""
    try:
        link = read_trial(services.settings.secrets, token)
    except (TrialExpired, TrialInvalid):
        raise NotFoundException(_NO_LINK) from None
    if link.form_pk != form.id or link.form_id != form.form_id:
        raise NotFoundException(_NO_LINK)
    return link


class TrialLinkController(Controller):
    """``/admin/forms/<n>/trial``: make a form's trial link, and draw its QR code."""

    path = "/forms/{form_pk:int}/trial"
    include_in_schema = False

    def _answer(
        self, services: Services, request: Request[Any, Any, Any], context: dict[str, Any]
    ) -> Response[str]:
        """The builder's part alone for htmx, else a page of its own (no script)."""
        template = "admin/_trial.html" if request.headers.get("hx-request") else "admin/trial.html"
        return services.renderer.page(template, **context)

    @get("/", name="admin:trial")
    async def show(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[str]:
        """The builder's trial part before a link is made: what it is for, and the button that makes one."""
        form = await editable_form(services, signed_in, form_pk)
        return self._answer(services, request, trial_context(services, signed_in, form))

    @post("/", name="admin:trial_make", status_code=HTTP_200_OK)
    async def make(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        form_pk: FromPath[int],
    ) -> Response[str]:
        """Make a trial link of the form (audited), and show it with its QR code and expiry."""
        signed_in, _ = await posting_author(services, request)
        form = await editable_form(services, signed_in, form_pk)
        token, link = sign_trial(services.settings.secrets, form.id, form.form_id)
        await record_audit(
            services.database,
            action="form.trial_link",
            staff=signed_in.staff,
            target=form.form_id,
            detail=f"试填链接，有效至{format_china(link.expires)}",
            address=client_address(request),
        )
        pictures = f"{services.base}/admin/forms/{form.id}/trial/qr"
        shown = _Shown(
            url=trial_url(_origin(services, request), services.base, token),
            svg_url=f"{pictures}.svg?t={token}",
            png_url=f"{pictures}.png?t={token}",
            link=link,
        )
        return self._answer(services, request, trial_context(services, signed_in, form, shown))

    @get("/qr.svg", name="admin:trial_svg")
    async def svg(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
        t: FromQuery[str] = "",
    ) -> Response[str]:
        """The QR code of the form's trial link ``t``, as SVG (the picture in the builder)."""
        form = await editable_form(services, signed_in, form_pk)
        _link_of(services, form, t)
        url = trial_url(_origin(services, request), services.base, t)
        return Response(
            trial_svg(url), media_type="image/svg+xml", headers={"Cache-Control": "private, no-store"}
        )

    @get("/qr.png", name="admin:trial_png")
    async def png(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
        t: FromQuery[str] = "",
    ) -> Response[bytes]:
        """The QR code of the form's trial link ``t``, as a PNG picture to save (named after the form)."""
        form = await editable_form(services, signed_in, form_pk)
        _link_of(services, form, t)
        url = trial_url(_origin(services, request), services.base, t)
        return Response(
            trial_png(url),
            media_type="image/png",
            headers={
                "Cache-Control": "private, no-store",
                "Content-Disposition": f'attachment; filename="trial-{form.id}.png"',
            },
        )
