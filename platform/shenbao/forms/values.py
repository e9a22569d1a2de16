"""Turn one raw answer (from JSON or an HTML form) into its clean value, or say in Chinese what is wrong.

Each cleaner returns ``(value, problems)``; ``value`` is ``None`` (or ``[]`` for a list) when unanswered.
Messages say what to do; the caller prefixes the question's number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from shenbao import text
from shenbao.forms import identity
from shenbao.forms.model import (
    FieldsQuestion,
    MultipleChoice,
    NumberQuestion,
    Option,
    Question,
    SingleChoice,
    TextQuestion,
    text_of,
)

__all__ = [
    "CLEANERS",
    "Cleaner",
    "blank_problems",
    "clean",
    "empty_value",
    "is_answered",
    "is_mobile",
    "normalise_phone",
]

Cleaned = tuple[Any, list[str]]

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_SEPARATORS = re.compile(r"[\s\-()]+")
_LINE_BREAKS = re.compile(r"[\t\r\n]+")


def empty_value(question: Question) -> Any:
    """What a rule sees for an unanswered or hidden question."""
    return [] if isinstance(question, MultipleChoice) or question.__struct_config__.tag == "upload" else None


def is_answered(value: Any) -> bool:
    """Whether ``value`` counts as an answer (``None``, ``""``, ``[]`` and ``{}`` do not)."""
    return value is not None and value != [] and value != "" and value != {}


def _match_option(options: list[Option], raw: Any) -> Option | None:
    wanted = str(raw).strip()
    for option in options:
        if str(option.value) == wanted:
            return option
    return None


def _single(question: SingleChoice, raw: Any) -> Cleaned:
    if isinstance(raw, list):
        if len(raw) > 1:
            return None, ["只能选一项，请只保留一个选择"]
        raw = raw[0] if raw else None
    if not is_answered(raw):
        return None, []
    option = _match_option(question.options, raw)
    if option is None:
        return None, [f"所选的“{raw}”不在选项里，请从给出的选项中选择"]
    return option.value, []


def _multiple(question: MultipleChoice, raw: Any) -> Cleaned:
    if not is_answered(raw):
        return [], []
    items = raw if isinstance(raw, list) else [raw]
    chosen: list[Option] = []
    problems: list[str] = []
    for item in items:
        option = _match_option(question.options, item)
        if option is None:
            problems.append(f"所选的“{item}”不在选项里，请从给出的选项中选择")
        elif option not in chosen:
            chosen.append(option)
    if problems:
        return [], problems
    # Keep the definition's order, whatever order the browser sent them in.
    values = [option.value for option in question.options if option in chosen]
    exclusive = [option for option in chosen if option.exclusive]
    if exclusive and len(chosen) > 1:
        problems.append(f"选了“{text_of(exclusive[0].label)}”就不能再选其他项，请去掉其中一种")
    if question.min_selections and len(values) < question.min_selections:
        problems.append(f"请至少选择{question.min_selections}项")
    if question.max_selections and len(values) > question.max_selections:
        problems.append(f"最多只能选{question.max_selections}项，现在选了{len(values)}项")
    return values, problems


def _multiline(question: TextQuestion) -> bool:
    """Whether the page draws a text box of several lines (as ``widgets/text`` decides)."""
    return question.multiline or question.max_chars > 60


def _one_line(raw: str) -> str:
    """A one-line answer with its tabs and line breaks (which only an API client can send) made spaces."""
    return _LINE_BREAKS.sub(" ", raw).strip()


def _text(question: TextQuestion, raw: Any) -> Cleaned:
    if raw is None:
        return None, []
    if not isinstance(raw, str):
        return None, ["请填写文字"]
    value = raw.strip() if _multiline(question) else _one_line(raw)
    if not value:
        return None, []
    length = len(value)
    if length > question.max_chars:
        limit = question.max_chars
        return value, [f"最多写{limit}个字，现在是{length}个字，请删去{length - limit}个字"]
    if length < question.min_chars:
        lead = "请写" if question.required else "如果填写，请写"
        return value, [f"{lead}{question.min_chars}到{question.max_chars}个字，现在只有{length}个字"]
    return value, []


def _integer(raw: Any, low: int, high: int) -> Cleaned:
    if not is_answered(raw):
        return None, []
    if isinstance(raw, bool):
        return None, [f"请填写{low}到{high}之间的整数"]
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d{1,12}\s*", raw):
        raw = int(raw)
    if not isinstance(raw, int):
        return None, [f"请填写{low}到{high}之间的整数，不要带文字或小数点"]
    if not low <= raw <= high:
        return raw, [f"请填写{low}到{high}之间的整数，现在是{raw}"]
    return raw, []


def _number(question: NumberQuestion, raw: Any) -> Cleaned:
    return _integer(raw, question.min, question.max)


def normalise_phone(raw: str) -> str:
    """The number as stored: ASCII digits, no spaces, dashes or brackets, no leading +86."""
    number = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    return number[3:] if number.startswith("+86") else number


def is_mobile(number: str) -> bool:
    """Whether ``number`` (as :func:`normalise_phone` leaves it) is a mainland mobile number: 11 digits from 13 to 19."""
    return _MOBILE.fullmatch(number) is not None


def _phone_number(raw: str) -> list[str]:
    return [] if is_mobile(raw) else ["请填写11位手机号码，以1开头，只写数字"]


def _blanks(
    question: FieldsQuestion, raw: dict[str, Any]
) -> tuple[dict[str, Any], list[str], dict[str, list[str]]]:
    """The clean blanks, the problems of the question as a whole, and the problems of each blank, by its id."""
    value: dict[str, Any] = {}
    known = {field.id for field in question.fields}
    general = [f"没有“{extra}”这一项，请只填写页面上的各项" for extra in sorted(set(raw) - known)]
    blanks: dict[str, list[str]] = {}
    for field in question.fields:
        entry = raw.get(field.id)
        entry = _one_line(entry) if isinstance(entry, str) else entry
        name = text_of(field.label)
        problems: list[str] = []
        if not is_answered(entry):
            if field.required:
                blanks[field.id] = [f"请填写“{name}”"]
            continue
        if field.kind == "number":
            number, number_problems = _integer(entry, 0, 1_000_000)
            value[field.id] = number
            problems += [f"“{name}”：{problem}" for problem in number_problems]
        else:
            entry = str(entry)
            if field.kind == "phone":
                entry = normalise_phone(entry)
            elif field.kind == "id_number":
                entry = identity.normalise(entry)
            value[field.id] = entry
            if len(entry) > field.max_chars:
                problems.append(f"“{name}”最多写{field.max_chars}个字，现在是{len(entry)}个字")
            elif field.kind == "phone":
                problems += [f"“{name}”：{problem}" for problem in _phone_number(entry)]
            elif field.kind == "id_number":
                problems += [f"“{name}”：{problem}" for problem in identity.problems(entry)]
        if problems:
            blanks[field.id] = problems
    return value, general, blanks


def _unusable_blank(question: FieldsQuestion, raw: dict[str, Any]) -> tuple[str, str] | None:
    """The first blank of a multi-field answer holding a control character, and the message naming it."""
    for field in question.fields:
        problem = text.unusable_problem(raw.get(field.id), f"“{text_of(field.label)}”里")
        if problem:
            return field.id, problem
    return None


def _unusable(question: Question, raw: Any) -> str | None:
    """The message for a control character in ``raw``, naming the blank of a multi-field answer it is in."""
    if isinstance(question, FieldsQuestion) and isinstance(raw, dict):
        found = _unusable_blank(question, raw)
        if found:
            return found[1]
    return text.unusable_problem(raw)


def blank_problems(question: FieldsQuestion, raw: Any) -> dict[str, list[str]]:
    """The problems of each blank of a multi-field answer, by blank id (only blanks with a problem).

    They are among the problems :func:`clean` gives for the question, word for word, so a page can show each
    under its own blank and the rest (a blank the question does not have) under the question.
    """
    if not isinstance(raw, dict):
        return {}
    found = _unusable_blank(question, raw)
    if found:
        return {found[0]: [found[1]]}
    return _blanks(question, text.without_invisible(raw))[2]


def _fields(question: FieldsQuestion, raw: Any) -> Cleaned:
    if not is_answered(raw):
        return None, []
    if not isinstance(raw, dict):
        return None, ["请逐项填写"]
    value, general, blanks = _blanks(question, raw)
    problems = general + [problem for field in question.fields for problem in blanks.get(field.id, [])]
    return (value or None), problems


def _plain_string(
    normalise: Callable[[str], str], checker: Callable[[str], list[str]]
) -> Callable[[Question, Any], Cleaned]:
    def cleaner(question: Question, raw: Any) -> Cleaned:
        if not is_answered(raw):
            return None, []
        if not isinstance(raw, str):
            return None, ["请填写文字"]
        value = normalise(raw)
        if not value:
            return None, []
        return value, checker(value)

    return cleaner


def _structured(question: Question, raw: Any) -> Cleaned:
    """Widget values (region, location, photo, signature, upload) arrive as JSON objects or lists."""
    if not is_answered(raw):
        return empty_value(question), []
    if isinstance(raw, dict | list | str):
        return raw, []
    return None, ["这一项的内容不对，请重新填写"]


Cleaner = Callable[[Any, Any], Cleaned]
"""``cleaner(question, raw) -> (value, problems)``: one per question type."""

CLEANERS: Mapping[str, Cleaner] = {
    "single_choice": _single,
    "multiple_choice": _multiple,
    "text": _text,
    "number": _number,
    "fields": _fields,
    "phone": _plain_string(normalise_phone, _phone_number),
    "id_number": _plain_string(identity.normalise, identity.problems),
    "region": _structured,
    "geolocation": _structured,
    "photo": _structured,
    "signature": _structured,
    "upload": _structured,
}


def clean(question: Question, raw: Any, cleaners: Mapping[str, Cleaner] = CLEANERS) -> Cleaned:
    """Clean one raw answer for ``question`` with the cleaner of its type (``cleaners`` may add widgets' own).

    Every answer of every type passes here, from the pages and the API alike: one holding a control character
    anywhere is refused, and bidi overrides and zero-width characters are removed before the type's cleaner
    sees it (:mod:`shenbao.text`).
    """
    own = cleaners.get(question.widget) if question.widget else None  # a pack's widget checks its own answers
    cleaner = own or cleaners.get(question.__struct_config__.tag)  # type: ignore[arg-type]
    if cleaner is None:  # a notice has nothing to answer
        return None, []
    problem = _unusable(question, raw)
    if problem is not None:
        return empty_value(question), [problem]
    return cleaner(question, text.without_invisible(raw))
