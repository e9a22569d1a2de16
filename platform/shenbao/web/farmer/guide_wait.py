"""The guide's reading wait, kept by the server: "本页停留60秒，方可开始申请".

A form's ``guide_min_seconds`` count from when this browser first opened the form's guide. That moment is the
*guide mark*, a cookie ``sb_guide`` for the form's own pages (``<base>/f/<form>``), HttpOnly and SameSite=Lax,
signed with the platform's secret by ``itsdangerous``'s timestamp signer, which dates it: the server reads the
date back, so reopening the guide, turning script off or typing a section's URL does not shorten the wait. The
mark names its form, so one form's mark opens no other. A forged, altered, expired or misplaced mark counts as
none. The first page of the form that finds no mark (the guide, or a section refused because of it) sets one.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Sequence
from datetime import timedelta
from functools import lru_cache
from typing import Any, NamedTuple

from itsdangerous import BadSignature, TimestampSigner
from itsdangerous.encoding import want_bytes
from litestar import Request
from litestar.datastructures import Cookie

from shenbao.forms import CompiledForm
from shenbao.settings import signing_order

__all__ = [
    "GUIDE_COOKIE",
    "MARK_LIFETIME",
    "GuideWait",
    "guide_wait",
    "mark_opened",
    "mark_path",
    "seconds_left",
    "sign_mark",
]

GUIDE_COOKIE = "sb_guide"
MARK_LIFETIME = timedelta(days=3)
"""How long a browser is known to have opened the guide: a farmer who comes back later, with no draft, reads it
again."""
_SALT = "shenbao.guide-mark"


class _Signer(TimestampSigner):
    """The timestamp signer of guide marks, dating a new mark at ``at`` (a Unix time) instead of now if given."""

    def __init__(self, secret: str | Sequence[str], at: int | None = None) -> None:
        # hashlib's own sha1 (the library's default, named directly): with it ``hmac`` takes OpenSSL's one-call
        # path; the library's lazy stand-in sends every signature through the pure-Python HMAC.
        super().__init__(signing_order(secret), salt=_SALT, digest_method=hashlib.sha1)
        self._at = at
        # itsdangerous derives each secret's key again for every signature it checks; a mark is checked on every
        # page a phone opens before its first answer, so the keys are derived once here.
        self._derived = {key: TimestampSigner.derive_key(self, key) for key in self.secret_keys}

    def get_timestamp(self) -> int:
        return self._at if self._at is not None else super().get_timestamp()

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        key = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        derived = self._derived.get(key)
        return derived if derived is not None else super().derive_key(key)


@lru_cache(maxsize=4)
def _reader(secrets: tuple[str, ...]) -> _Signer:
    """The signer that reads marks made with ``secrets``: one per set of secrets, as a process has one."""
    return _Signer(secrets)


def sign_mark(secret: str | Sequence[str], form_id: str, *, opened: float | None = None) -> str:
    """The value of a guide mark saying this browser first opened ``form_id``'s guide at ``opened``.

    Args:
        secret: the platform's secret (``Settings.secret_key``).
        form_id: the form whose guide was opened.
        opened: when, as a Unix time; now when omitted. It is rounded up to the second, so the wait is never
            counted as longer than it was.

    Returns:
        The cookie value.
    """
    at = math.ceil(time.time() if opened is None else opened)
    return _Signer(secret, at).sign(form_id).decode()


def mark_opened(
    request: Request[Any, Any, Any], *, secret: str | Sequence[str], form_id: str
) -> float | None:
    """When this browser first opened ``form_id``'s guide (a Unix time), or ``None`` without a valid mark."""
    value = request.cookies.get(GUIDE_COOKIE)
    if not value:
        return None
    try:
        secrets = (secret,) if isinstance(secret, str) else tuple(secret)
        signed, opened = _reader(secrets).unsign(value, return_timestamp=True)
    except BadSignature:
        return None
    # The age is checked here, not by the signer: a mark is dated up to a second ahead (see sign_mark).
    age = time.time() - opened.timestamp()
    if signed != form_id.encode() or not -1 <= age <= MARK_LIFETIME.total_seconds():
        return None
    return opened.timestamp()


def mark_path(base: str, form_id: str) -> str:
    """The path a form's guide mark is sent to: the form's pages only."""
    return f"{base}/f/{form_id}"


def seconds_left(wait: int, opened: float, now: float) -> int:
    """Whole seconds still to wait, rounded up, between 0 and ``wait``."""
    return max(0, min(wait, math.ceil(wait - (now - opened))))


class GuideWait(NamedTuple):
    """Where a browser is in a form's guide wait.

    Attributes:
        left: whole seconds still to wait; 0 when the form may be started.
        cookie: the guide mark to set on the response, when the browser had none (the wait starts now).
    """

    left: int
    cookie: Cookie | None


def guide_wait(
    request: Request[Any, Any, Any], *, secret: str | Sequence[str], base: str, form: CompiledForm
) -> GuideWait:
    """Read this browser's guide mark for ``form``, and make one if it has none.

    A form without a wait (``guide_min_seconds`` 0) neither reads nor sets a mark.

    Args:
        request: the browser's request.
        secret: the platform's secret (``Settings.secret_key``).
        base: the path the platform is mounted at.
        form: the form.

    Returns:
        The seconds left, and the mark to set (``None`` when the browser keeps its own).
    """
    wait = form.definition.guide_min_seconds
    if wait <= 0:
        return GuideWait(0, None)
    opened = mark_opened(request, secret=secret, form_id=form.id)
    if opened is not None:
        return GuideWait(seconds_left(wait, opened, time.time()), None)
    cookie = Cookie(
        key=GUIDE_COOKIE,
        value=sign_mark(secret, form.id),
        max_age=int(MARK_LIFETIME.total_seconds()),
        path=mark_path(base, form.id),
        httponly=True,
        samesite="lax",
    )
    return GuideWait(wait, cookie)
