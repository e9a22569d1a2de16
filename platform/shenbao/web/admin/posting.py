"""What every change posted to the builder starts with: the author, the posted form, and the form it changes."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import editable_form, posting_author
from shenbao.web.services import Services

__all__ = ["open_posting", "posted_number", "posted_revision"]


async def open_posting(
    services: Services, request: Request[Any, Any, Any], form_pk: int
) -> tuple[SignedIn, dict[str, str], AuthoredFormRecord]:
    """The signed-in author, the posted form (its CSRF token checked) and the authored form they may edit.

    Raises:
        PermissionDeniedException: no session, a wrong CSRF token, or a form of another region (403).
        NotFoundException: no such form (404).
    """
    signed_in, posted = await posting_author(services, request)
    return signed_in, posted, await editable_form(services, signed_in, form_pk)


def posted_revision(posted: dict[str, str]) -> int:
    """The revision the page was at when the change was made (``rev``); -1 when missing or not a number."""
    found = posted_number(posted.get("rev"))
    return -1 if found is None else found


def posted_number(raw: str | None) -> int | None:
    """A whole number a page posted (a revision, a version), or ``None`` when missing or not one."""
    raw = (raw or "").strip()
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None
