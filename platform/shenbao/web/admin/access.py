"""Who may use the admin pages: a signed-in staff member who may author forms, on forms of their own region.

Both are checked on every request against the account as stored now, so a withdrawn 表单管理权限 shuts a county
account out of the next page it asks for.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException

from shenbao.cases.authoring import may_author, may_edit
from shenbao.store import authoring as stored
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.services import Services
from shenbao.web.staff.session import posting_staff, require_staff

__all__ = ["NOT_AN_AUTHOR", "editable_form", "posting_author", "require_author"]

NOT_AN_AUTHOR = "只有省级账号可以制作和修改表单，县级账号要由省级管理员授予“表单管理权限”后才能使用；如需使用，请联系省级管理员。"


async def require_author(services: NamedDependency[Services], request: Request[Any, Any, Any]) -> SignedIn:
    """The admin router's ``signed_in`` dependency: the signed-in staff member, who may author forms.

    Raises:
        NotSignedIn: no live session (answered with the way to the login page).
        PermissionDeniedException: the staff member may not author forms (403).
    """
    signed_in = await require_staff(services, request)
    if not may_author(signed_in.staff):
        raise PermissionDeniedException(NOT_AN_AUTHOR)
    return signed_in


async def posting_author(
    services: Services, request: Request[Any, Any, Any]
) -> tuple[SignedIn, dict[str, str]]:
    """The signed-in author and the posted form, once the form's CSRF token matches the session's (else 403)."""
    signed_in, form = await posting_staff(services, request)
    if not may_author(signed_in.staff):
        raise PermissionDeniedException(NOT_AN_AUTHOR)
    return signed_in, form


async def editable_form(services: Services, signed_in: SignedIn, form_pk: int) -> AuthoredFormRecord:
    """The authored form ``form_pk``, if ``signed_in`` may edit it.

    Raises:
        NotFoundException: there is no such form (404).
        PermissionDeniedException: it belongs to another region (403).
    """
    form = await stored.authored_form(services.database, form_pk)
    if form is None:
        raise NotFoundException("没有找到这张表单，它可能已被删除")
    if not may_edit(signed_in.staff, form):
        raise PermissionDeniedException("这张表单属于别的地区，您不能打开")
    return form
