"""``shenbao encrypt-existing``: seal what earlier versions stored in clear, and move everything to the current keys.

Safe to run while the platform serves, and again at any time (a second run changes nothing):

- applications and drafts: identity numbers and phones stored in clear are sealed; values sealed under a
  retired data key are sealed again under the current one; the applicant's look-up digests are filled in or
  recomputed under the current look-up key. A draft saved by its farmer meanwhile is left alone (the save
  sealed it already).
- the outbox: phones queued in clear, or sealed under a retired key, are sealed under the current key.
- phone verification codes: phones kept in clear are replaced by their digest.

Finding clear values needs the form (which answers are identity numbers and phones): rows of a form that no
configured pack has are only re-sealed where already sealed, and counted in the report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any

import msgspec

from shenbao.forms.personal import PersonalFields, value_at
from shenbao.privacy.keyring import Keyring
from shenbao.store.database import Database
from shenbao.store.sealing import (
    SEALED,
    applicant_digests,
    is_sealed,
    open_answers,
    open_text,
    phone_digests,
    seal_answers,
    seal_paths,
    seal_text,
)
from shenbao.store.tables import Application, Draft, OtpChallenge, Outbox

__all__ = ["ResealReport", "encrypt_existing"]

_BATCH = 200


class ResealReport(msgspec.Struct, kw_only=True):
    """What :func:`encrypt_existing` changed.

    Attributes:
        applications: applications whose answers or look-up digests were rewritten.
        drafts: drafts whose answers were rewritten.
        drafts_saved_meanwhile: drafts their farmer saved while the command ran (sealed by that save).
        outbox: queued messages whose phone was sealed again.
        otp_challenges: verification codes whose phone was replaced by its digest.
        unknown_forms: form id to the number of its applications and drafts that could not be checked for
            values in clear, because no configured pack has that form.
    """

    applications: int = 0
    drafts: int = 0
    drafts_saved_meanwhile: int = 0
    outbox: int = 0
    otp_challenges: int = 0
    unknown_forms: dict[str, int] = msgspec.field(default_factory=dict)


async def encrypt_existing(db: Database, personal_by_form: Mapping[str, PersonalFields]) -> ResealReport:
    """Seal what is in clear and re-seal what a retired key sealed, in batches (one transaction each).

    Args:
        db: the open database, with its keys.
        personal_by_form: form id to where its answers hold identity numbers and phones.

    Returns:
        What was changed.

    Raises:
        KeysMissingError: the database was opened without keys.
        SealedValueError: a value is sealed under a key the keyring does not list.
    """
    db.check_bound()
    keys = db.require_keys()
    report = ResealReport()
    unknown: Counter[str] = Counter()
    await _applications(db, keys, personal_by_form, report, unknown)
    await _drafts(db, keys, personal_by_form, report, unknown)
    await _outbox(db, keys, report)
    await _otp_challenges(db, keys, report)
    report.unknown_forms = dict(sorted(unknown.items()))
    return report


def _sealed_paths(answers: Mapping[str, Any]) -> list[str]:
    paths: list[str] = []
    for question_id, value in answers.items():
        if is_sealed(value):
            paths.append(question_id)
        elif isinstance(value, dict):
            paths += [f"{question_id}.{blank}" for blank, inner in value.items() if is_sealed(inner)]
    return paths


def _resealed(
    answers: dict[str, Any], personal: PersonalFields | None, keys: Keyring
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The answers opened, and the answers to store when something was in clear or under a retired key
    (else ``None``)."""
    opened = open_answers(answers, keys)
    sealed_paths = _sealed_paths(answers)
    if any(not keys.sealed_with_current(value_at(answers, path)[SEALED]) for path in sealed_paths):
        # Seal the form's personal paths and whatever was sealed before (never open up a value for good).
        paths = dict.fromkeys([*(personal.paths if personal else ()), *sealed_paths])
        return opened, seal_paths(opened, paths, keys)
    if personal is None:
        return opened, None
    sealed = seal_answers(answers, personal, keys)  # values already sealed are kept as they are
    return opened, (sealed if sealed != answers else None)


async def _applications(
    db: Database,
    keys: Keyring,
    personal_by_form: Mapping[str, PersonalFields],
    report: ResealReport,
    unknown: Counter[str],
) -> None:
    last = 0
    while (
        rows := await Application.select(
            Application.id,
            Application.form_id,
            Application.answers,
            Application.id_number_hash,
            Application.phone_hash,
        )
        .where(Application.id > last)
        .order_by(Application.id)
        .limit(_BATCH)
        .output(load_json=True)
    ):
        last = rows[-1]["id"]
        async with db.transaction():
            for row in rows:
                personal = personal_by_form.get(row["form_id"])
                if personal is None:
                    unknown[row["form_id"]] += 1
                opened, answers = _resealed(row["answers"] or {}, personal, keys)
                values: dict[Any, Any] = {} if answers is None else {Application.answers: answers}
                if personal is not None:
                    id_number_hash, phone_hash = applicant_digests(opened, personal, keys)
                    if (id_number_hash, phone_hash) != (row["id_number_hash"], row["phone_hash"]):
                        values[Application.id_number_hash] = id_number_hash
                        values[Application.phone_hash] = phone_hash
                if values:
                    await Application.update(values).where(Application.id == row["id"])
                    report.applications += 1


async def _drafts(
    db: Database,
    keys: Keyring,
    personal_by_form: Mapping[str, PersonalFields],
    report: ResealReport,
    unknown: Counter[str],
) -> None:
    last = 0
    while (
        rows := await Draft.select(Draft.id, Draft.form_id, Draft.answers, Draft.updated_at)
        .where(Draft.id > last)
        .order_by(Draft.id)
        .limit(_BATCH)
        .output(load_json=True)
    ):
        last = rows[-1]["id"]
        async with db.transaction():
            for row in rows:
                personal = personal_by_form.get(row["form_id"])
                if personal is None:
                    unknown[row["form_id"]] += 1
                _, answers = _resealed(row["answers"] or {}, personal, keys)
                if answers is None:
                    continue
                # Only if the farmer has not saved since it was read: that save sealed the newer answers.
                changed = await (
                    Draft.update({Draft.answers: answers})
                    .where((Draft.id == row["id"]) & (Draft.updated_at == row["updated_at"]))
                    .returning(Draft.id)
                )
                if changed:
                    report.drafts += 1
                else:
                    report.drafts_saved_meanwhile += 1


async def _outbox(db: Database, keys: Keyring, report: ResealReport) -> None:
    last = 0
    while (
        rows := await Outbox.select(Outbox.id, Outbox.phone)
        .where(Outbox.id > last)
        .order_by(Outbox.id)
        .limit(_BATCH)
    ):
        last = rows[-1]["id"]
        stale = [row for row in rows if not keys.sealed_with_current(row["phone"])]
        if not stale:
            continue
        async with db.transaction():
            for row in stale:
                phone = seal_text(open_text(row["phone"], keys), keys)
                await Outbox.update({Outbox.phone: phone}).where(Outbox.id == row["id"])
                report.outbox += 1


async def _otp_challenges(db: Database, keys: Keyring, report: ResealReport) -> None:
    # A clear number has no ':'; a digest is '<key id>:<hex>'. Digests under a retired key cannot be redone
    # (the number is gone), and need not be: a code lives five minutes, the rate limits look back one hour.
    while (
        rows := await OtpChallenge.select(OtpChallenge.id, OtpChallenge.phone_hash)
        .where(OtpChallenge.phone_hash.not_like("%:%"))
        .order_by(OtpChallenge.id)
        .limit(_BATCH)
    ):
        async with db.transaction():
            for row in rows:
                digest = phone_digests(keys, row["phone_hash"])[0]
                await OtpChallenge.update({OtpChallenge.phone_hash: digest}).where(
                    OtpChallenge.id == row["id"]
                )
                report.otp_challenges += 1
