"""What every page's POST is checked for, whoever sends it: its CSRF field, and the address it came from.

Shared by the farmer's status page and the staff pages; the staff session that supplies the expected token lives
in :mod:`shenbao.web.staff.session`.
"""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request
from litestar.exceptions import PermissionDeniedException

from shenbao.text import scrubbed_form

__all__ = ["CSRF_FIELD", "client_address", "require_csrf"]

CSRF_FIELD = "_csrf"
_PASSWORDS = frozenset({"password", "password_again"})


def client_address(request: Request[Any, Any, Any]) -> str:
    """The address a request came from (what sessions and the audit log keep)."""
    return request.client.host if request.client else "unknown"


async def require_csrf(request: Request[Any, Any, Any], expected: str | None) -> dict[str, str]:
    """The posted form, once its CSRF field matches ``expected``.

    Raises:
        PermissionDeniedException: the field is missing or wrong (403).
    """
    data = await request.form()
    # Control characters and invisible marks can only be noise in a staff form: dropped, passwords kept as typed.
    form = scrubbed_form({key: str(data.get(key) or "") for key in data}, keep=_PASSWORDS)
    sent = form.get(CSRF_FIELD, "")
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise PermissionDeniedException("页面已过期或请求无效，请返回后刷新页面再试")
    return form
