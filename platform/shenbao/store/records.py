"""What the store's queries return: plain msgspec Structs, never Piccolo rows.

Callers (the web layer, the workflow, exports) get immutable values they can encode to JSON directly,
and never hold an object that could issue a query.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from shenbao.store.receipts import format_receipt

__all__ = ["ApplicationRecord", "DraftRecord"]


class ApplicationRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A stored application.

    Attributes:
        id: the database id (stable; used in staff URLs).
        receipt_number: 12 digits; :attr:`receipt_display` groups them for people.
        form_id: the form answered.
        form_version: the version of that form the answers belong to.
        status: where the application stands (``"submitted"`` when created).
        flags: what a reviewer should look at, e.g. ``("policy_mismatch",)``.
        outcome_id: the terminal outcome a jump rule reached, if any.
        answers: question id to answer, as submitted (PostgreSQL's JSONB does not keep key order: show
            answers in the form's question order, never in this dict's).
        region_code: the applicant's division code (village), when known.
        idempotency_key: the key the submit carried, if any.
        draft_token: the draft the application was made from, if any.
        created_at: when it was submitted (UTC).
        updated_at: when it last changed (UTC).
    """

    id: int
    receipt_number: str
    form_id: str
    form_version: int
    status: str
    flags: tuple[str, ...]
    outcome_id: str | None
    answers: dict[str, Any]
    region_code: str | None
    idempotency_key: str | None
    draft_token: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def receipt_display(self) -> str:
        """The receipt number in groups of four digits, as it is read aloud."""
        return format_receipt(self.receipt_number)


class DraftRecord(msgspec.Struct, frozen=True, kw_only=True):
    """The saved answers of a form not yet submitted.

    Attributes:
        token: the browser's draft token.
        form_id: the form being filled.
        form_version: the version the answers were given for.
        answers: question id to answer.
        section: the id of the section the farmer was on (``""`` for the first).
        updated_at: when it was last saved (UTC).
    """

    token: str
    form_id: str
    form_version: int
    answers: dict[str, Any]
    section: str
    updated_at: datetime
    carried: dict[str, Any] | None = None
    """What changed when the draft moved to a newer version of its form (see :mod:`shenbao.cases.drafts`), until
    the farmer has been shown it."""
