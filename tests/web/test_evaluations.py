"""The evaluations kept for the swaps: the same result as evaluate(), per compiled form, bounded."""

from __future__ import annotations

from shenbao.forms import evaluate
from shenbao.web.evaluations import RecentEvaluations
from tests.forms.support import gansu_form, zizhu_minimal


def test_a_kept_evaluation_is_what_evaluate_gives() -> None:
    form, answers = gansu_form("gansu-zizhu-2021"), zizhu_minimal()
    kept = RecentEvaluations()
    first = kept.of(form, answers)
    assert first == evaluate(form, answers)
    assert kept.of(form, dict(answers)) is first  # the same answers again: not evaluated twice
    changed = {key: value for key, value in answers.items() if key != "q5"}
    assert kept.of(form, changed) == evaluate(form, changed) != first


def test_another_compiled_form_with_the_same_id_is_evaluated_afresh() -> None:
    """The builder's preview compiles a new form for each edit, with the same id and version."""
    one, other = gansu_form("gansu-zizhu-2021"), gansu_form("gansu-zizhu-2021")
    kept = RecentEvaluations()
    assert kept.of(one, {}) is not kept.of(other, {})


def test_only_the_last_ones_are_kept() -> None:
    form = gansu_form("gansu-zizhu-2021")
    kept = RecentEvaluations(size=2)
    oldest = kept.of(form, {"q1": "self"})
    kept.of(form, {"q1": "proxy"})
    kept.of(form, {"q5": "agri"})
    assert kept.of(form, {"q1": "self"}) is not oldest
