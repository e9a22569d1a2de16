"""Storing an evaluated application: the one path both the farmer pages and the API take."""

from __future__ import annotations

from shenbao import store
from shenbao.forms import CompiledForm, Evaluation
from shenbao.web.services import Services

__all__ = ["POLICY_MISMATCH", "submit_evaluated"]

POLICY_MISMATCH = "policy_mismatch"
"""The flag of an application that reached a ``flagged`` outcome (the 2021 form's question 49)."""


async def submit_evaluated(
    services: Services,
    form: CompiledForm,
    evaluation: Evaluation,
    *,
    idempotency_key: str,
    draft_token: str | None,
) -> tuple[store.ApplicationRecord, bool]:
    """Store a submittable evaluation's visible answers once per idempotency key; return it and whether it is new."""
    if not evaluation.submittable:
        raise ValueError("only a submittable evaluation can be stored")
    return await store.submit_application(
        services.database,
        idempotency_key=idempotency_key,
        form_id=form.id,
        form_version=form.version,
        answers=evaluation.answers,
        flags=[POLICY_MISMATCH] if evaluation.outcome else [],
        outcome_id=evaluation.outcome.id if evaluation.outcome else None,
        region_code=_region_code(form, evaluation),
        draft_token=draft_token,
    )


def _region_code(form: CompiledForm, evaluation: Evaluation) -> str | None:
    """The applicant's household region: the answer of the form's first region question."""
    for question_id, value in evaluation.answers.items():
        if form.by_id[question_id].__struct_config__.tag == "region":
            code = value.get("code") if isinstance(value, dict) else value
            return str(code) if code else None
    return None
