"""The staff pages under ``/staff``: sign in, sign out, and the inbox of the staff member's region.

Security, as DESIGN.md asks:

- the session lives in the database; the ``sb_staff`` cookie carries only a random token (HttpOnly,
  SameSite=Strict, the platform's path, 12 hours);
- every staff POST carries a CSRF token in a hidden field (the session's; before sign-in, a token also set
  in a short-lived cookie) and is refused with 403 without it;
- every application query goes through :func:`~shenbao.store.inbox.inbox_page` (the inbox) or
  :func:`~shenbao.store.staff.application_in_region` (one application, 404 outside the subtree) with the
  signed-in staff member's own region: nothing outside their subtree is ever read.

A decision (``POST /staff/a/{id}/act``) is checked by the workflow engine (role, region, turn, reason) and
stored with its SMS in ONE transaction, with the row locked; the form carries ``seen`` (the number of
history rows it was drawn from), so a second identical post finds the history grown and changes nothing.
"""

from __future__ import annotations

import secrets
from typing import Any, TypeVar

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_200_OK,
    HTTP_401_UNAUTHORIZED,
)

from shenbao.cases.authoring import may_author
from shenbao.china_time import today as _today  # the overdue filter's today (the tests pin it here)
from shenbao.notify.templates import OTP_TEMPLATE_NAME
from shenbao.privacy.masking import mask_code
from shenbao.regions import Divisions
from shenbao.roles import role_label, role_level
from shenbao.staff.accounts import SESSION_LIFETIME, LoginRefused, StaffAccounts
from shenbao.staff.rules import managed_levels
from shenbao.store.outbox import OutboxMessage, undelivered_messages
from shenbao.store.staff import SignedIn
from shenbao.store.verification import SentMessage, recent_sms
from shenbao.web.posted import CSRF_FIELD, client_address, require_csrf
from shenbao.web.services import Services
from shenbao.web.staff.inbox import inbox_view
from shenbao.web.staff.session import LOGIN_COOKIE, STAFF_COOKIE, cookie_path, signed_in_staff

__all__ = ["StaffController", "region_names"]

_LOGIN_FORM_LIFE = 60 * 60
_Message = TypeVar("_Message", SentMessage, OutboxMessage)


def _without_codes(messages: list[_Message]) -> list[_Message]:
    """``messages`` with the code of each verification code's SMS masked (``验证码是******``): the province
    admin reads which phones were sent a code, never the code."""
    return [
        _without_code(message) if message.template == OTP_TEMPLATE_NAME else message for message in messages
    ]


def _without_code(message: _Message) -> _Message:
    if isinstance(message, OutboxMessage):  # its text, the values that filled it, and the gateway's error
        code = message.params.get("code", "")
        return msgspec.structs.replace(
            message,
            text=mask_code(message.text, code),
            params={key: mask_code(value, code) for key, value in message.params.items()},
            last_error=mask_code(message.last_error, code),
        )
    return msgspec.structs.replace(message, text=mask_code(message.text))


def region_names(divisions: Divisions, code: str) -> list[str]:
    """The names from the province down to ``code`` in ``divisions`` (``services.packs.divisions``; the code itself
    when the data lacks it)."""
    try:
        return [division.name for division in divisions.path(code)]
    except KeyError:
        return [code]


class StaffController(Controller):
    """Staff pages: an account bound to a region, which scopes everything shown."""

    path = "/"
    include_in_schema = False

    def _login_page(
        self,
        services: Services,
        *,
        error: str = "",
        username: str = "",
        status_code: int = HTTP_200_OK,
        token: str | None = None,
    ) -> Response[str]:
        """The sign-in page with its form's CSRF token: ``token`` (the one a refused try was sent with) or a new one.

        A refused try keeps the token: a second tab, or a double tap still in flight, holds the same one, and a new
        token would turn its answer into "页面已过期" instead of the refusal it earned."""
        token = token or secrets.token_urlsafe(32)
        response = services.renderer.page(
            "staff/login.html",
            status_code=status_code,
            error=error,
            username=username,
            csrf_field=CSRF_FIELD,
            csrf_token=token,
        )
        response.set_cookie(
            LOGIN_COOKIE,
            token,
            max_age=_LOGIN_FORM_LIFE,
            httponly=True,
            samesite="strict",
            path=cookie_path(services),
        )
        return response

    @get("/login", name="staff:login")
    async def login(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        if await signed_in_staff(services, request) is not None:
            return Redirect(f"{services.base}/staff/", status_code=303)
        return self._login_page(services)

    @post("/login", name="staff:login_post", status_code=HTTP_200_OK)
    async def login_post(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """Check the password; a failure answers the same whether or not the username exists."""
        form = await require_csrf(request, request.cookies.get(LOGIN_COOKIE))
        username = form.get("username", "").strip()
        try:
            token, _ = await StaffAccounts(services.database).login(
                username, form.get("password", ""), client=client_address(request)
            )
        except LoginRefused as refused:
            return self._login_page(
                services,
                error=str(refused),
                username=username,
                status_code=HTTP_401_UNAUTHORIZED,
                token=request.cookies.get(LOGIN_COOKIE),
            )
        response: Response[Any] = Redirect(f"{services.base}/staff/", status_code=303)
        response.set_cookie(
            STAFF_COOKIE,
            token,
            max_age=int(SESSION_LIFETIME.total_seconds()),
            httponly=True,
            samesite="strict",
            path=cookie_path(services),
        )
        response.delete_cookie(LOGIN_COOKIE, path=cookie_path(services))
        return response

    @post("/logout", name="staff:logout", status_code=HTTP_200_OK)
    async def logout(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        signed_in = await signed_in_staff(services, request)
        await require_csrf(request, signed_in.csrf_token if signed_in else None)
        token = request.cookies.get(STAFF_COOKIE)
        if token:
            await StaffAccounts(services.database).logout(token, client=client_address(request))
        response: Response[Any] = Redirect(f"{services.base}/staff/login", status_code=303)
        response.delete_cookie(STAFF_COOKIE, path=cookie_path(services))
        return response

    @get("/sms", name="staff:sms")
    async def sent_messages(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The province admin's view of the text messages (others get 403): those the gateway could not send
        (with its error), then the newest the database gateway kept; verification codes masked."""
        if role_level(signed_in.staff.role) != "province":
            raise PermissionDeniedException("只有省级管理员可以查看已发送的短信")
        return services.renderer.page(
            "demo/sms.html",
            messages=_without_codes(await recent_sms(services.database, 50)),
            undelivered=_without_codes(await undelivered_messages(services.database, 50)),
            staff_view=True,
        )

    @get("/", name="staff:inbox")
    async def inbox(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The applications of the staff member's region in deadline order, filtered by GET parameters."""
        staff = signed_in.staff
        view = await inbox_view(services, staff, dict(request.query_params), _today())
        return services.renderer.page(
            "staff/inbox.html",
            staff=staff,
            role_label=role_label(staff.role),
            region=" ".join(region_names(services.packs.divisions, staff.region_code)),
            manages_staff=bool(managed_levels(staff.role)),
            authors_forms=may_author(staff),
            csrf_field=CSRF_FIELD,
            csrf_token=signed_in.csrf_token,
            **view,
        )
