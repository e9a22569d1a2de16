"""Identity numbers and phones at rest: sealed one value at a time on the way in, opened on the way out.

Answers keep their JSON shape: only the value at a personal path (:mod:`shenbao.forms.personal`) becomes
``{"$enc": "v1:<key id>:..."}``, whose plaintext is the value's JSON, so any value opens back exactly. ``$`` can
start no question or blank id, so a sealed value is never mistaken for an answer. Everything else stays
queryable (``answers->>'address'``). A phone kept in a column of its own (the outbox) is the bare sealed text.

Reading never needs the form: a sealed value says so itself, and a value stored in clear by an earlier version
is returned as it is (``shenbao encrypt-existing`` seals those). Every query that returns answers passes them
through :func:`open_answers`; callers (pages, API, exports) see clear values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec

from shenbao.forms import identity
from shenbao.forms.personal import PersonalFields, applicant_values
from shenbao.forms.values import is_answered, normalise_phone
from shenbao.privacy.keyring import Keyring, KeysMissingError, is_sealed_text
from shenbao.store.records import ApplicationRecord

__all__ = [
    "SEALED",
    "applicant_digests",
    "application_record",
    "id_number_digests",
    "is_sealed",
    "open_answers",
    "open_text",
    "phone_digests",
    "seal_answers",
    "seal_paths",
    "seal_text",
]

SEALED = "$enc"
"""The key of a sealed answer: ``{"$enc": "v1:k1:..."}``."""


def is_sealed(value: Any) -> bool:
    """Whether an answer is a sealed value."""
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get(SEALED), str)


def _keys(keys: Keyring | None) -> Keyring:
    if keys is None:
        raise KeysMissingError()
    return keys


def _seal(value: Any, keys: Keyring | None) -> dict[str, str]:
    return {SEALED: _keys(keys).seal(msgspec.json.encode(value))}


def _open(value: dict[str, str], keys: Keyring | None) -> Any:
    return msgspec.json.decode(_keys(keys).open(value[SEALED]))


def _needs_sealing(value: Any) -> bool:
    return is_answered(value) and not is_sealed(value)


def seal_answers(
    answers: Mapping[str, Any], personal: PersonalFields, keys: Keyring | None
) -> dict[str, Any]:
    """The answers with every identity number and phone sealed (a copy; values already sealed stay as they are).

    A multi-field answer keeps its other blanks in clear; one that is not an object (a draft's stray value) is
    sealed whole, so nothing at a personal path is ever left readable.

    Raises:
        KeysMissingError: there is a value to seal and ``keys`` is ``None``.
    """
    return seal_paths(answers, personal.paths, keys)


def seal_paths(answers: Mapping[str, Any], paths: Iterable[str], keys: Keyring | None) -> dict[str, Any]:
    """The answers with the values at ``paths`` sealed, as :func:`seal_answers` does for a form's paths."""
    sealed = dict(answers)
    for path in paths:
        question_id, _, blank = path.partition(".")
        value = sealed.get(question_id)
        if not blank or not isinstance(value, dict) or is_sealed(value):
            if _needs_sealing(value):
                sealed[question_id] = _seal(value, keys)
        elif _needs_sealing(value.get(blank)):
            sealed[question_id] = {**value, blank: _seal(value[blank], keys)}
    return sealed


def open_answers(answers: Mapping[str, Any], keys: Keyring | None) -> dict[str, Any]:
    """The answers with every sealed value opened; values in clear (older rows) are returned as they are.

    Raises:
        KeysMissingError: there is a sealed value and ``keys`` is ``None``.
        SealedValueError: a value's key is not in the keyring, or it was altered.
    """
    opened: dict[str, Any] = {}
    for question_id, value in answers.items():
        if is_sealed(value):
            value = _open(value, keys)
        elif isinstance(value, dict) and any(is_sealed(blank) for blank in value.values()):
            value = {key: _open(blank, keys) if is_sealed(blank) else blank for key, blank in value.items()}
        opened[question_id] = value
    return opened


def application_record(row: Mapping[str, Any], keys: Keyring | None) -> ApplicationRecord:
    """An application row (JSON decoded) as the record callers get: its answers opened."""
    fields = {name: row[name] for name in ApplicationRecord.__struct_fields__}
    fields["answers"] = open_answers(fields["answers"] or {}, keys)
    return msgspec.convert(fields, ApplicationRecord)


def seal_text(text: str, keys: Keyring | None) -> str:
    """``text`` (a phone in a column of its own) sealed: ``v1:<key id>:...``."""
    return _keys(keys).seal(text.encode())


def open_text(stored: str, keys: Keyring | None) -> str:
    """A column's text opened, or returned as it is when it was stored in clear."""
    return _keys(keys).open(stored).decode() if is_sealed_text(stored) else stored


def phone_digests(keys: Keyring, phone: str) -> list[str]:
    """The look-up digests of a phone as a person typed it, under every look-up key (current first)."""
    return keys.digests("phone", normalise_phone(phone))


def id_number_digests(keys: Keyring, id_number: str) -> list[str]:
    """The look-up digests of an identity number as a person typed it, under every look-up key."""
    return keys.digests("id_number", identity.normalise(id_number))


def applicant_digests(
    answers: Mapping[str, Any], personal: PersonalFields, keys: Keyring | None
) -> tuple[str | None, str | None]:
    """The current digests of the applicant's identity number and phone (clear answers), ``None`` when unanswered.

    Raises:
        KeysMissingError: there is a value to digest and ``keys`` is ``None``.
    """
    id_number, phone = applicant_values(answers, personal)
    return (
        _keys(keys).digest("id_number", identity.normalise(id_number)) if id_number else None,
        _keys(keys).digest("phone", normalise_phone(phone)) if phone else None,
    )
