"""Question blocks kept for everyone who gave the same answer: only choices, and only while nothing differs."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from markupsafe import Markup

from shenbao.forms import CompiledForm, compile_form, evaluate, load_form
from shenbao.paths import form_defs_dir
from shenbao.web.fragments import QuestionBlocks

ZIZHU = form_defs_dir() / "gansu" / "forms" / "gansu-zizhu-2021.json"


def _form() -> CompiledForm:
    return compile_form(load_form(ZIZHU))


class Counted:
    """A stand-in for the section macro ``question``: what it was given, written out; its calls counted."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(
        self,
        form: CompiledForm,
        q: Any,
        answers: dict[str, Any],
        ev: Any,
        show_missing: bool,
        oob: bool = False,
    ) -> Markup:
        self.calls += 1
        missing = show_missing and q.id in ev.missing
        return Markup(
            f"{q.id}={answers.get(q.id)} shown={q.id in ev.visible} missing={missing} oob={oob} #{self.calls}"
        )


@pytest.fixture
def form() -> CompiledForm:
    return _form()


def _block(
    blocks: QuestionBlocks,
    macro: Counted,
    form: CompiledForm,
    qid: str,
    answers: dict[str, Any],
    *,
    show_missing: bool = False,
    lang: str = "zh",
    oob: bool = False,
) -> Markup:
    return blocks.block(
        macro, form, form.by_id[qid], answers, evaluate(form, answers), show_missing, lang, oob=oob
    )


def test_a_choice_answered_alike_is_rendered_once(form: CompiledForm) -> None:
    blocks, macro = QuestionBlocks(), Counted()
    first = _block(blocks, macro, form, "q8", {"q8": "yes", "q12": "张三家的事"})
    again = _block(
        blocks, macro, form, "q8", {"q8": "yes", "q12": "李四家的事"}
    )  # another farmer, same choice
    assert again is first and macro.calls == 1
    assert first == "q8=yes shown=True missing=False oob=False #1"


def test_anything_that_changes_the_block_renders_it_again(form: CompiledForm) -> None:
    blocks, macro = QuestionBlocks(), Counted()
    yes = _block(blocks, macro, form, "q8", {"q8": "yes"})
    no = _block(blocks, macro, form, "q8", {"q8": "no"})
    missing = _block(blocks, macro, form, "q8", {}, show_missing=True)
    quiet = _block(blocks, macro, form, "q8", {}, show_missing=False)
    swapped = _block(blocks, macro, form, "q8", {"q8": "yes"}, oob=True)
    hidden = _block(blocks, macro, form, "q10", {"q8": "yes"})
    shown = _block(blocks, macro, form, "q10", {"q8": "no"})
    english = _block(blocks, macro, form, "q8", {"q8": "yes"}, lang="en")
    assert macro.calls == 8
    assert yes.startswith("q8=yes ") and no.startswith("q8=no ")
    assert "missing=True" in missing and "missing=False" in quiet
    assert "oob=True" in swapped and "oob=False" in yes
    assert "shown=False" in hidden and "shown=True" in shown
    assert english.endswith("#8")


def test_what_a_farmer_typed_is_never_kept(form: CompiledForm) -> None:
    blocks, macro = QuestionBlocks(), Counted()
    answers = {"q12": "父亲常年吃药"}
    first = _block(blocks, macro, form, "q12", answers)
    _block(blocks, macro, form, "q12", answers)
    assert macro.calls == 2 and "父亲常年吃药" in first


def test_a_form_compiled_anew_gets_its_own_blocks(form: CompiledForm) -> None:
    """A form being edited is compiled anew at each change: a block of the old one is never handed out."""
    blocks, macro = QuestionBlocks(), Counted()
    _block(blocks, macro, form, "q8", {"q8": "yes"})
    _block(blocks, macro, _form(), "q8", {"q8": "yes"})
    assert macro.calls == 2


def test_the_oldest_block_goes_first(form: CompiledForm) -> None:
    blocks, macro = QuestionBlocks(size=2), Counted()
    for value in ("yes", "no", "yes"):
        _block(blocks, macro, form, "q8", {"q8": value})
    assert macro.calls == 2  # "yes" was used again before "no" came
    _block(blocks, macro, form, "q14", {})  # a third block: the least recently used ("no") goes
    _block(blocks, macro, form, "q8", {"q8": "no"})
    assert macro.calls == 4


def test_a_choice_drawn_by_a_packs_widget_is_never_kept(form: CompiledForm) -> None:
    """A pack's widget for a choice (a star rating) may read the page's facts: its block is rendered each time."""
    stars = msgspec.structs.replace(form.by_id["q13"], widget="stars")
    blocks, macro = QuestionBlocks(), Counted()
    for _ in range(2):
        blocks.block(macro, form, stars, {"q13": 3}, evaluate(form, {"q13": 3}), False, "zh")
    assert macro.calls == 2
