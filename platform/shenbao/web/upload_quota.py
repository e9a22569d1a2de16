"""Who may store a picture, and how many: a live draft (or an API submission's key) and its quotas.

A picture is kept only for something that will refer to it: the farmer's draft of a form (the draft cookie and a
saved draft), the household check of an application a signed-in handler may record, or a submission through the
JSON API (its Idempotency-Key). Each new picture then takes one try of each of its quotas, counted in the
database by one statement each (:func:`shenbao.store.limits.take_try`), so simultaneous uploads never get more
than one at a time would:

========================  ======================  =============================================================
key                       allows                  why
========================  ======================  =============================================================
``upload.draft:<hash>``   100 a day               the 2021 form keeps 1 photo, 6 documents and up to 15
                                                  signatures: three times that, retakes and all
``upload.address:<ip>``   300 an hour             a village's farmers share one address behind the carrier's
                                                  NAT, and a cadre may fill forms for several households
``upload.staff:<id>``     300 an hour             a handler's household checks: 1 photo and a few signatures each
========================  ======================  =============================================================

The draft's key is a digest of the draft's scope, never the cookie's token itself.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shenbao.files import ImageRejected
from shenbao.store import Database
from shenbao.store.limits import Refused, take_try

__all__ = [
    "PER_ADDRESS",
    "PER_DRAFT",
    "PER_STAFF",
    "Quota",
    "UploadQuota",
    "address_quota",
    "draft_quota",
    "staff_quota",
]


@dataclass(frozen=True, slots=True)
class Quota:
    """One limited key: ``limit`` new pictures per ``window``."""

    key: str
    limit: int
    window: timedelta


PER_DRAFT = (100, timedelta(days=1))
"""New pictures one draft (or one API submission) may store a day."""
PER_ADDRESS = (300, timedelta(hours=1))
"""New pictures one client address may store an hour."""
PER_STAFF = (300, timedelta(hours=1))
"""New pictures one handler may store an hour (household checks)."""


def draft_quota(scope: str) -> Quota:
    """The quota of a draft or an API submission (``scope``: :func:`shenbao.web.drafts.draft_scope`, ``api:...``)."""
    digest = hashlib.sha256(scope.encode()).hexdigest()[:32]
    return Quota(f"upload.draft:{digest}", *PER_DRAFT)


def address_quota(address: str) -> Quota:
    """The quota of a client address."""
    return Quota(f"upload.address:{address[:100]}", *PER_ADDRESS)


def staff_quota(staff_id: int) -> Quota:
    """The quota of a signed-in handler."""
    return Quota(f"upload.staff:{staff_id}", *PER_STAFF)


class UploadQuota:
    """The gate a request's file store asks before each new picture (:class:`shenbao.files.UploadGate`).

    Args:
        db: the open database.
        quotas: every quota a new picture counts against; all must allow it.
    """

    def __init__(self, db: Database, *quotas: Quota) -> None:
        self.db = db
        self.quotas = quotas

    async def admit(self) -> None:
        """Take one try of each quota, all or none.

        Raises:
            ImageRejected: a quota is used up; the message says when to try again.
        """
        now = datetime.now(UTC)
        refused: Refused | None = None
        try:
            async with self.db.transaction():
                for quota in self.quotas:
                    taken = await take_try(
                        self.db, quota.key, limit=quota.limit, window=quota.window, now=now
                    )
                    if isinstance(taken, Refused):
                        refused = taken
                        raise _GiveBack
        except _GiveBack:
            pass  # the tries taken before the refusal were rolled back
        if refused is not None:
            raise ImageRejected(_wait_message(refused, now), complete=True)


class _GiveBack(Exception):
    """Rolls the quota's transaction back when one of its keys refuses."""


def _wait_message(refused: Refused, now: datetime) -> str:
    minutes = refused.minutes_left(now)
    wait = f"{minutes}分钟" if minutes < 120 else f"{(minutes + 59) // 60}小时"
    return f"上传的图片太多了，暂时不能再保存，请{wait}后再试"
