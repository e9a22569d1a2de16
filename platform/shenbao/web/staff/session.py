"""The staff member's session: who is signed in, and the one answer to a staff page asked for without a session.

The session lives in the database; the ``sb_staff`` cookie carries only a random token (HttpOnly, SameSite=Strict,
the platform's path, 12 hours). A staff page asks for the signed-in staff member as the ``signed_in`` dependency
of the staff router (:func:`require_staff`); without a session it raises :class:`NotSignedIn`, which the router's
one handler (:func:`to_login`) answers with the way to the login page. A staff POST reads both the staff member
and its form with :func:`posting_staff`, which answers 403 without a session or with a wrong CSRF token.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.di import NamedDependency
from litestar.response import Redirect

from shenbao.staff.accounts import StaffAccounts
from shenbao.store.staff import SignedIn
from shenbao.web.posted import require_csrf
from shenbao.web.services import Services

__all__ = [
    "LOGIN_COOKIE",
    "STAFF_COOKIE",
    "NotSignedIn",
    "cookie_path",
    "posting_staff",
    "require_staff",
    "signed_in_staff",
    "to_login",
]

STAFF_COOKIE = "sb_staff"
LOGIN_COOKIE = "sb_staff_login"
"""Holds the sign-in form's CSRF token until the staff member signs in."""


class NotSignedIn(Exception):
    """A staff page was asked for without a session: :func:`to_login` sends the browser to the login page."""

    def __init__(self, login: str) -> None:
        super().__init__("staff page without a session")
        self.login = login
        """The login page's URL (under the platform's prefix)."""


def cookie_path(services: Services) -> str:
    """The path the staff cookies are set on: the platform's prefix."""
    return services.base or "/"


def login_url(services: Services) -> str:
    """The login page's URL."""
    return f"{services.base}/staff/login"


async def signed_in_staff(services: Services, request: Request[Any, Any, Any]) -> SignedIn | None:
    """The signed-in staff member, or ``None`` without a live session."""
    return await StaffAccounts(services.database).session(request.cookies.get(STAFF_COOKIE))


async def require_staff(services: NamedDependency[Services], request: Request[Any, Any, Any]) -> SignedIn:
    """The staff router's ``signed_in`` dependency: the signed-in staff member.

    Raises:
        NotSignedIn: no live session (answered by :func:`to_login`).
    """
    signed_in = await signed_in_staff(services, request)
    if signed_in is None:
        raise NotSignedIn(login_url(services))
    return signed_in


def to_login(_: Request[Any, Any, Any], exc: NotSignedIn) -> Response[Any]:
    """The staff router's handler of :class:`NotSignedIn`: to the login page (303)."""
    return Redirect(exc.login, status_code=303)


async def posting_staff(
    services: Services, request: Request[Any, Any, Any]
) -> tuple[SignedIn, dict[str, str]]:
    """The signed-in staff member and the posted form, once the form's CSRF token matches the session's.

    Raises:
        PermissionDeniedException: no session, or the field is missing or wrong (403).
    """
    signed_in = await signed_in_staff(services, request)
    form = await require_csrf(request, signed_in.csrf_token if signed_in else None)
    assert signed_in is not None  # require_csrf refuses a missing session
    return signed_in, form
