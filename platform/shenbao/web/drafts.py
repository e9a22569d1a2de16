"""The draft cookie: it ties a phone to its unfinished applications, one draft per form.

A section page gives it to a browser that has none, before any answer is saved: every request that page makes
(its answers, the phone's "发送验证码" and "验证", an upload) then carries one token, whichever comes back first.
A cookie is not a draft: until an answer is saved there is no draft row, and everything that needs a draft (the
guide's wait, uploads, submit) treats the browser as one that has not started.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

__all__ = [
    "DRAFT_COOKIE",
    "draft_cookie",
    "draft_cookie_header",
    "draft_scope",
    "draft_token",
    "new_draft_token",
    "remember_draft",
]

DRAFT_COOKIE = "sb_draft"
_MAX_AGE = 60 * 60 * 24 * 60  # a farmer may come back weeks later
_PLAIN = re.compile(r"[A-Za-z0-9_\-]{1,128}")  # what new_draft_token() makes: nothing to quote
_PATH = re.compile(r"[A-Za-z0-9_\-/.]*")


def new_draft_token() -> str:
    return secrets.token_urlsafe(18)


def draft_token(request: Request[Any, Any, Any]) -> str | None:
    """The browser's draft token, if it has one."""
    return request.cookies.get(DRAFT_COOKIE) or None


def draft_cookie(base: str, token: str) -> Cookie:
    """The draft cookie: HttpOnly, SameSite=Lax, for the platform's path only, kept for sixty days."""
    return Cookie(
        key=DRAFT_COOKIE, value=token, max_age=_MAX_AGE, httponly=True, samesite="lax", path=base or "/"
    )


def draft_cookie_header(base: str, token: str) -> str:
    """The ``Set-Cookie`` value of :func:`draft_cookie`, written out directly for a plain token and path.

    Every section page sends it; formatting it through ``http.cookies`` costs a fifth of a shared page's time.
    A token or path that would need quoting (a cookie a browser made up) goes the library's way.
    """
    if _PLAIN.fullmatch(token) and _PATH.fullmatch(base):
        return f"{DRAFT_COOKIE}={token}; HttpOnly; Max-Age={_MAX_AGE}; Path={base or '/'}; SameSite=lax"
    return draft_cookie(base, token).to_header(header="").strip()


def remember_draft(response: Response[Any], base: str, token: str) -> Response[Any]:
    """Set the draft cookie on ``response`` (:func:`draft_cookie`)."""
    response.set_cookie(draft_cookie(base, token))
    return response


def draft_scope(form_id: str, token: str) -> str:
    """What a draft's phone verification and its application's idempotency key are bound to."""
    return f"web:{form_id}:{token}"
