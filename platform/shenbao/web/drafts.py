"""The draft cookie: it ties a phone to its unfinished applications, one draft per form."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Request, Response

__all__ = ["DRAFT_COOKIE", "draft_scope", "draft_token", "new_draft_token", "remember_draft"]

DRAFT_COOKIE = "sb_draft"
_MAX_AGE = 60 * 60 * 24 * 60  # a farmer may come back weeks later


def new_draft_token() -> str:
    return secrets.token_urlsafe(18)


def draft_token(request: Request[Any, Any, Any]) -> str | None:
    """The browser's draft token, if it has one."""
    return request.cookies.get(DRAFT_COOKIE) or None


def remember_draft(response: Response[Any], base: str, token: str) -> Response[Any]:
    """Set the draft cookie on ``response``: HttpOnly, SameSite=Lax, for the platform's path only."""
    response.set_cookie(
        DRAFT_COOKIE, token, max_age=_MAX_AGE, httponly=True, samesite="lax", path=base or "/"
    )
    return response


def draft_scope(form_id: str, token: str) -> str:
    """What a draft's phone verification and its application's idempotency key are bound to."""
    return f"web:{form_id}:{token}"
