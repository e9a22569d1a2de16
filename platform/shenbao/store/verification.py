"""Queries for phone verification codes and the text messages the database gateway keeps.

A code's phone is kept only as its look-up digest (``phone_hash``): the functions take the number and digest
it with the database's keys. Rows written in clear by an earlier version still match (their number is searched
for too) until ``shenbao encrypt-existing`` digests them. The database gateway is for development: what it
"sent" is kept as sent, number and text, for a person to read.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import msgspec

from shenbao.store.database import Database
from shenbao.store.sealing import phone_digests
from shenbao.store.tables import OtpChallenge, SmsMessage

__all__ = [
    "ChallengeRecord",
    "SentMessage",
    "add_challenge",
    "latest_challenge",
    "mark_verified",
    "phone_verified",
    "phones_verified",
    "recent_sms",
    "record_sms",
    "take_attempt",
]


class ChallengeRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A code sent to a phone (``phone_hash``: its digest) for ``scope`` (a draft, or an API submission's key)."""

    id: int
    scope: str
    phone_hash: str
    code_digest: str
    attempts: int
    created_at: datetime
    expires_at: datetime
    verified_at: datetime | None


class SentMessage(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    phone: str
    template: str
    text: str
    created_at: datetime


_CHALLENGE = (
    OtpChallenge.id,
    OtpChallenge.scope,
    OtpChallenge.phone_hash,
    OtpChallenge.code_digest,
    OtpChallenge.attempts,
    OtpChallenge.created_at,
    OtpChallenge.expires_at,
    OtpChallenge.verified_at,
)


async def add_challenge(
    db: Database,
    *,
    scope: str,
    phone: str,
    code_digest: str,
    client: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Keep a code sent to ``phone`` (stored as its digest) for ``scope``."""
    db.check_bound()
    await OtpChallenge.insert(
        OtpChallenge(
            scope=scope,
            phone_hash=phone_digests(db.require_keys(), phone)[0],
            code_digest=code_digest,
            client=client,
            attempts=0,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def latest_challenge(db: Database, scope: str, phone: str) -> ChallengeRecord | None:
    """The newest code sent to ``phone`` for ``scope``."""
    db.check_bound()
    rows = (
        await OtpChallenge.select(*_CHALLENGE)
        .where((OtpChallenge.scope == scope) & OtpChallenge.phone_hash.is_in(_phone_matches(db, phone)))
        .order_by(OtpChallenge.id, ascending=False)
        .limit(1)
    )
    return msgspec.convert(rows[0], ChallengeRecord) if rows else None


async def take_attempt(db: Database, challenge_id: int, max_attempts: int) -> int | None:
    """Count one try at a code, by one conditional statement, unless it had ``max_attempts`` or was verified.

    Returns:
        This try's number (1 to ``max_attempts``), or ``None`` when no try is left (or the code was verified).
    """
    db.check_bound()
    rows = await db.fetch(
        "UPDATE otp_challenge SET attempts = attempts + 1 "
        "WHERE id = {} AND attempts < {} AND verified_at IS NULL RETURNING attempts",
        challenge_id,
        max_attempts,
    )
    return int(rows[0]["attempts"]) if rows else None


async def mark_verified(db: Database, challenge_id: int, now: datetime) -> None:
    """Mark a code verified: its phone counts as verified for the code's scope."""
    db.check_bound()
    await OtpChallenge.update({OtpChallenge.verified_at: now}).where(OtpChallenge.id == challenge_id)


async def phone_verified(db: Database, scope: str, phone: str) -> bool:
    """Whether ``phone`` was verified for ``scope`` (a code for that phone and scope came back right)."""
    db.check_bound()
    with db.on_loop():  # a draft's few rows, by the scope's index: asked on every page of a draft
        return bool(
            await OtpChallenge.exists().where(
                (OtpChallenge.scope == scope)
                & OtpChallenge.phone_hash.is_in(_phone_matches(db, phone))
                & OtpChallenge.verified_at.is_not_null()
            )
        )


async def phones_verified(db: Database, scope: str, phones: Iterable[str]) -> set[str]:
    """Which of ``phones`` were verified for ``scope``: one statement for all of a draft's phones.

    A draft's phones are checked on every page it shows; its scope has a handful of challenges, found by the
    scope's index, and each phone is matched against their digests here.
    """
    db.check_bound()
    wanted = {phone: set(_phone_matches(db, phone)) for phone in phones}
    if not wanted:
        return set()
    with db.on_loop():
        rows = await OtpChallenge.select(OtpChallenge.phone_hash).where(
            (OtpChallenge.scope == scope) & OtpChallenge.verified_at.is_not_null()
        )
    stored = {row["phone_hash"] for row in rows}
    return {phone for phone, matches in wanted.items() if matches & stored}


def _phone_matches(db: Database, phone: str) -> list[str]:
    """What ``phone_hash`` holds for ``phone``: its digest under each look-up key, or (older rows) the number."""
    return [*phone_digests(db.require_keys(), phone), phone]


async def record_sms(db: Database, *, phone: str, template: str, text: str, now: datetime) -> None:
    db.check_bound()
    await SmsMessage.insert(SmsMessage(phone=phone, template=template, text=text, created_at=now))


async def recent_sms(db: Database, limit: int = 50, *, phone: str | None = None) -> list[SentMessage]:
    """The newest messages the database gateway kept, newest first."""
    db.check_bound()
    query = SmsMessage.select(
        SmsMessage.id, SmsMessage.phone, SmsMessage.template, SmsMessage.text, SmsMessage.created_at
    )
    if phone is not None:
        query = query.where(SmsMessage.phone == phone)
    rows = await query.order_by(SmsMessage.id, ascending=False).limit(limit)
    return [msgspec.convert(row, SentMessage) for row in rows]
