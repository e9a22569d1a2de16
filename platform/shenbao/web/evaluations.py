"""The evaluations of the drafts answered last, so a swap does not evaluate the same answers twice.

Every htmx answer compares the draft before it with the draft after it: two evaluations of the whole form. The
"before" of one answer is the "after" of the farmer's previous one, so the app keeps the last few hundred
evaluations by their form (the compiled object itself: a form being edited in the builder keeps its id and
version), day and answers. It is a cache of a pure function's results, nothing more:
another process, or one that restarted, evaluates again and gets the same.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import msgspec

from shenbao import china_time
from shenbao.forms import CompiledForm, Evaluation, evaluate

__all__ = ["RecentEvaluations"]

_KEPT = 256


class RecentEvaluations:
    """:func:`~shenbao.forms.evaluate` with the last ``size`` results kept (least recently used goes first).

    An evaluation handed out may be handed out again: callers read it and never change it.
    """

    def __init__(self, size: int = _KEPT) -> None:
        self._size = size
        # By the form's identity; the form is kept with its result, so no other object can take that identity.
        self._kept: OrderedDict[tuple[int, dt.date, bytes], tuple[CompiledForm, Evaluation]] = OrderedDict()

    def of(self, form: CompiledForm, answers: Mapping[str, Any]) -> Evaluation:
        """``evaluate(form, answers)``, taken from the kept ones when these answers were evaluated today."""
        today = china_time.today()  # what evaluate() counts ages on
        key = (id(form), today, msgspec.json.encode(answers))
        kept = self._kept.get(key)
        if kept is not None and kept[0] is form:
            self._kept.move_to_end(key)
            return kept[1]
        evaluation = evaluate(form, answers, today=today)
        self._kept[key] = (form, evaluation)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return evaluation
