"""Who may see an application's status page: whoever proved, with a code sent by SMS, to hold its phone.

Two cookies, both HttpOnly and for the platform's path only:

- ``sb_status_try`` (an hour): a random token that the lookup and code forms carry back as their CSRF field
  and that the code is bound to (``status:<receipt>:<token>``), so a code verified in one browser opens
  nothing in another; it is replaced once a code is verified, so a verified code cannot be used again.
- ``sb_status`` (30 minutes): the *pass*, signed with the platform's secret (``itsdangerous``, which also
  dates it), naming the one receipt it opens and the CSRF token of that page's appeal form.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import msgspec
from itsdangerous import BadSignature, URLSafeTimedSerializer
from litestar import Request, Response

from shenbao.settings import signing_order

__all__ = [
    "PASS_COOKIE",
    "PASS_LIFETIME",
    "TRY_COOKIE",
    "StatusPass",
    "code_scope",
    "issue_pass",
    "new_try_token",
    "read_pass",
    "start_try",
    "try_token",
]

PASS_COOKIE = "sb_status"
TRY_COOKIE = "sb_status_try"
PASS_LIFETIME = timedelta(minutes=30)
_TRY_LIFETIME = timedelta(hours=1)
_SALT = "shenbao.status-pass"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
"""``secrets.token_urlsafe(24)``: anything else in the cookie is ignored (it goes into the code's scope)."""


class StatusPass(msgspec.Struct, frozen=True, kw_only=True):
    """What a valid pass says: the receipt number (12 digits) it opens and its appeal form's CSRF token."""

    receipt: str
    csrf: str


def _serializer(secret: str | Sequence[str]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(signing_order(secret), salt=_SALT)


def issue_pass(
    response: Response[Any], *, secret: str | Sequence[str], base: str, receipt: str
) -> StatusPass:
    """Set a fresh pass for ``receipt`` on ``response`` and return it."""
    granted = StatusPass(receipt=receipt, csrf=secrets.token_urlsafe(24))
    value = _serializer(secret).dumps(msgspec.to_builtins(granted))
    response.set_cookie(
        PASS_COOKIE,
        value,
        max_age=int(PASS_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        path=base or "/",
    )
    return granted


def read_pass(
    request: Request[Any, Any, Any], *, secret: str | Sequence[str], receipt: str | None
) -> StatusPass | None:
    """The request's pass when it is genuine, younger than :data:`PASS_LIFETIME` and opens ``receipt``."""
    value = request.cookies.get(PASS_COOKIE)
    if not value or receipt is None:
        return None
    try:
        data = _serializer(secret).loads(value, max_age=int(PASS_LIFETIME.total_seconds()))
        granted = msgspec.convert(data, StatusPass)
    except (BadSignature, msgspec.ValidationError):
        return None
    return granted if secrets.compare_digest(granted.receipt, receipt) else None


def try_token(request: Request[Any, Any, Any]) -> str | None:
    """The browser's lookup token, if it has one of the shape :func:`start_try` makes."""
    token = request.cookies.get(TRY_COOKIE) or ""
    return token if _TOKEN.fullmatch(token) else None


def new_try_token() -> str:
    """A fresh lookup token."""
    return secrets.token_urlsafe(24)


def start_try(response: Response[Any], *, base: str, token: str) -> None:
    """Set (or renew) the lookup token cookie on ``response``."""
    response.set_cookie(
        TRY_COOKIE,
        token,
        max_age=int(_TRY_LIFETIME.total_seconds()),
        httponly=True,
        samesite="lax",
        path=base or "/",
    )


def code_scope(receipt: str, token: str) -> str:
    """What a status code is bound to: the receipt and the browser that asked for it."""
    return f"status:{receipt}:{token}"
