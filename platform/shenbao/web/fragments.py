"""Question blocks rendered once for everyone who gave the same answer: the choices of a section page.

A section page with a saved draft is rendered on every request. Most of its questions are choices (yes or no,
ticks, a number, a notice), and a choice's block is the same for every farmer who gave the same answer in the same
language and got the same messages. The app keeps the last few thousand of those blocks, by the compiled form,
the question, the language, the answer and what the evaluation says of it (shown or hidden, its messages, whether
it is said to be missing). Questions that hold what a farmer typed or took (names, identity numbers, phones,
pictures, places) are never kept: their blocks are personal and seldom the same twice. It is a cache of a pure
function's results, nothing more: another process, or one that restarted, renders the same block.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any, Final

import msgspec
from markupsafe import Markup

from shenbao.forms import CompiledForm, Evaluation, Question

__all__ = ["SHARED_TYPES", "QuestionBlocks"]

SHARED_TYPES: Final = frozenset({"single_choice", "multiple_choice", "number", "notice"})
"""The question types whose block depends on the question, the answer and the evaluation alone (their widgets
read no page facts): the blocks that may be shared, when drawn by their type's own widget (a province pack's
widget for one of them, ``"widget": "stars"``, may read anything, and is never kept)."""
_KEPT: Final = 4096

QuestionMacro = Callable[..., Markup]
"""``farmer/_macros.html``'s ``question(form, q, answers, ev, show_missing, oob=false)``."""


class QuestionBlocks:
    """A question's block from its macro, taken from the kept ones when the same block was rendered before."""

    def __init__(self, size: int = _KEPT) -> None:
        self._size = size
        # By the form's identity, checked against a weak reference: a form being edited in the builder is compiled
        # anew at each change, and a block kept does not keep its old form alive.
        self._kept: OrderedDict[tuple[Any, ...], tuple[weakref.ref[CompiledForm], Markup]] = OrderedDict()

    def block(
        self,
        macro: QuestionMacro,
        form: CompiledForm,
        question: Question,
        answers: Mapping[str, Any],
        evaluation: Evaluation,
        show_missing: bool,
        lang: str,
        oob: bool = False,
    ) -> Markup:
        """``macro(form, question, answers, evaluation, show_missing, oob=oob)`` on a page in ``lang``, kept when
        it may be shared."""
        # A pack's widget drawing one of these types may read more than the answer: never kept.
        if question.widget or question.__struct_config__.tag not in SHARED_TYPES:
            return macro(form, question, answers, evaluation, show_missing, oob=oob)
        qid = question.id
        key = (
            id(form),
            qid,
            lang,
            msgspec.json.encode(answers.get(qid)),
            qid in evaluation.visible,
            tuple(evaluation.errors.get(qid, ())),
            show_missing and qid in evaluation.missing,
            oob,
        )
        kept = self._kept.get(key)
        if kept is not None and kept[0]() is form:
            self._kept.move_to_end(key)
            return kept[1]
        html = macro(form, question, answers, evaluation, show_missing, oob=oob)
        self._kept[key] = (weakref.ref(form), html)
        if len(self._kept) > self._size:
            self._kept.popitem(last=False)
        return html
