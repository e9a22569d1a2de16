"""What changed between two versions of a form, each change one plain Chinese sentence with its severity.

``safe`` changes leave what farmers have filled in valid (wording, a new optional question, a relaxed limit, a
question moved or removed); ``breaking`` ones may make a farmer mid-form answer again or go back (an option's
value removed, a tightened limit, a changed rule, a new required question among the old ones, a changed chain);
``refused`` ones cannot be published (a question's type changed under the same id: a new id is the way).
Questions are named by their label, page and number, rules by :mod:`shenbao.forms.rule_text`'s sentences.
What only admins read (the description, a question's note, the scenarios) is not compared. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal, TypeAlias

import msgspec

from shenbao.forms.diff_questions import Version, compare_question, label_changes, name, quoted
from shenbao.forms.model import FormDef, Notice, Outcome, Region, text_of

__all__ = ["KINDS", "SEVERITY_NAMES", "Change", "FormDiff", "Severity", "diff_forms"]

Severity: TypeAlias = Literal["safe", "breaking", "refused"]
"""How much a change matters to the farmers already filling the form (see the module's docstring)."""

SEVERITY_NAMES: dict[Severity, str] = {
    "refused": "不能发布的修改",
    "breaking": "会影响正在填写的农户的修改",
    "safe": "不影响已填内容的修改",
}
"""The heading of each group of changes, most serious first."""

KINDS: dict[str, str] = {
    "form": "表单设置（标题、指南、承诺书、申请按钮）",
    "chain": "审批流程",
    "region": "分派申请的地址题",
    "section": "页（新增、删除、标题、顺序）",
    "added": "新增的题目",
    "removed": "删除的题目",
    "moved": "移动的题目",
    "type": "题型",
    "label": "题目、说明、单位等文字",
    "help": "题目下的说明",
    "required": "必答或可选",
    "display": "编号与显示方式",
    "options": "选项（新增、文字、顺序）",
    "option_removed": "删去或改了值的选项",
    "limits": "字数、数值、选择项数等限制",
    "fields": "多项填空的各项",
    "rule": "显示条件、跳转和检查规则",
    "outcome": "结果页",
}
"""Every ``Change.kind``, with what it is about."""


class Change(msgspec.Struct, frozen=True, kw_only=True):
    """One difference between two versions.

    Attributes:
        kind: what changed (a key of :data:`KINDS`).
        question: the id of the question it is about; ``None`` for the form, a page or an outcome.
        text: one plain Chinese sentence an admin reads, naming the question by its label and place.
        severity: ``safe``, ``breaking`` or ``refused``.
    """

    kind: str
    question: str | None
    text: str
    severity: Severity


class FormDiff(msgspec.Struct, frozen=True, kw_only=True):
    """Every change from one version to the next, in form order (the form's own settings first)."""

    changes: list[Change]

    @property
    def breaking(self) -> bool:
        """Whether any change is breaking or refused."""
        return any(change.severity != "safe" for change in self.changes)

    @property
    def refused(self) -> list[Change]:
        """The changes that keep the new version from being published."""
        return [change for change in self.changes if change.severity == "refused"]

    @property
    def safe_only(self) -> bool:
        """Whether every change is safe (also when there is none)."""
        return not self.breaking

    def by_severity(self) -> dict[Severity, list[Change]]:
        """The changes grouped most serious first (refused, breaking, safe), each group in form order; a group
        with no change is left out. :data:`SEVERITY_NAMES` names the groups."""
        groups: dict[Severity, list[Change]] = {severity: [] for severity in SEVERITY_NAMES}
        for change in self.changes:
            groups[change.severity].append(change)
        return {severity: changes for severity, changes in groups.items() if changes}

    def of_question(self, question_id: str) -> list[Change]:
        """The changes about one question, in order."""
        return [change for change in self.changes if change.question == question_id]


Token: TypeAlias = tuple[str, str]
"""A place in a form: ``("s", section id)`` or ``("q", question id)``."""


@dataclass
class _Collector:
    """Changes with their sort keys: a place in the new form, or the old place of what was removed."""

    items: list[tuple[tuple[int, int, int], Change]]

    def add(
        self, key: tuple[int, int, int], kind: str, question: str | None, text: str, severity: Severity
    ) -> None:
        self.items.append((key, Change(kind=kind, question=question, text=text, severity=severity)))

    def sorted(self) -> list[Change]:
        return [change for _, change in sorted(self.items, key=lambda item: item[0])]


def _tokens(form: FormDef) -> list[Token]:
    tokens: list[Token] = []
    for section in form.sections:
        tokens.append(("s", section.id))
        tokens += [("q", question.id) for question in section.questions]
    return tokens


def _unmoved(old: list[str], new: list[str]) -> set[str]:
    """The items that kept their order: the longest runs ``difflib`` matches; the rest were moved."""
    matcher = SequenceMatcher(None, old, new, autojunk=False)
    return {item for block in matcher.get_matching_blocks() for item in old[block.a : block.a + block.size]}


def diff_forms(old: FormDef, new: FormDef) -> FormDiff:
    """What changed from ``old`` to ``new`` (two versions of one form), in form order.

    The form's own settings come first, then each page and its questions in the new version's order (a
    removed page or question where it used to be), then the outcomes. Identical versions give no change.

    Args:
        old: the version farmers are filling in now.
        new: the version about to be published.
    """
    before, after = Version.of(old), Version.of(new)
    found = _Collector([])
    for change in _form_changes(before, after):
        found.add((-1, 0, 0), *change)
    old_tokens, new_tokens = _tokens(old), _tokens(new)
    position = {token: index for index, token in enumerate(new_tokens)}
    _sections(before, after, position, found)
    kept = [question.id for question in new.questions() if question.id in before.by_id]
    last_kept = max((position[("q", question_id)] for question_id in kept), default=-1)
    shuffled = _shuffled(before, after)
    for question in new.questions():
        key = (position[("q", question.id)], 0, 0)
        if question.id not in before.by_id:
            _added(after, question.id, position[("q", question.id)] > last_kept, key, found)
            continue
        for difference in compare_question(before, after, question.id):
            found.add(key, *difference)
        moved = _moved(before, after, question.id, shuffled)
        if moved:
            found.add(key, "moved", question.id, moved, "safe")
    anchor = -1
    for index, token in enumerate(old_tokens):
        if token in position:
            anchor = position[token]
        elif token[0] == "q":
            text = f"删除了{name(before, token[1])}：以后不再问这道题，已提交的申请里的答案照旧保留"
            found.add((anchor, 1, index), "removed", token[1], text, "safe")
        else:
            title = quoted(text_of(before.sections[token[1]].title))
            found.add(
                (anchor, 1, index),
                "section",
                None,
                f"删除了原第{before.page_of_section[token[1]]}页{title}",
                "safe",
            )
    end = len(new_tokens)
    for change in _outcome_changes(before, after):
        found.add((end, 0, 0), *change)
    return FormDiff(changes=found.sorted())


def _form_changes(before: Version, after: Version) -> Iterator[tuple[str, str | None, str, Severity]]:
    old, new = before.form, after.form
    yield from (("form", None, text, "safe") for text in label_changes("表单标题", old.title, new.title))
    if old.guide != new.guide:
        yield "form", None, "申报指南的文字改了", "safe"
    if old.guide_min_seconds != new.guide_min_seconds:
        text = f"阅读申报指南的最少时间由{old.guide_min_seconds}秒改为{new.guide_min_seconds}秒"
        yield "form", None, text, "safe"
    if old.pledge != new.pledge:
        text = (
            "新增了承诺书"
            if old.pledge is None
            else "去掉了承诺书"
            if new.pledge is None
            else "承诺书的文字改了"
        )
        yield "form", None, text, "safe"
    if old.pledge_before != new.pledge_before and new.pledge_before and new.pledge is not None:
        yield "form", None, f"承诺书改为显示在{name(after, new.pledge_before)}之前", "safe"
    yield from (
        ("form", None, text, "safe") for text in label_changes("申请按钮", old.submit_label, new.submit_label)
    )
    if old.applicant_name != new.applicant_name:
        was, now = _applicant(before, old.applicant_name), _applicant(after, new.applicant_name)
        yield "form", None, f"员工列表里的申请人姓名原来{was}，现在{now}", "safe"
    if old.chain != new.chain:
        text = (
            f"审批流程由“{old.chain or '未设置'}”改为“{new.chain or '未设置'}”："
            "新提交的申请走新流程，已提交的申请照旧"
        )
        yield "chain", None, text, "breaking"
    old_router, new_router = _router(before), _router(after)
    if old_router != new_router:
        was = name(before, old_router) if old_router else "没有"
        now = name(after, new_router) if new_router else "没有"
        yield "region", None, f"申请按哪道题的地址分派给村里，由{was}改为{now}", "breaking"


def _applicant(version: Version, path: str | None) -> str:
    """Where the applicant's name is taken from: a question, or a blank of a multi-field question."""
    question_id, _, blank = (path or "").partition(".")
    question = version.by_id.get(question_id)
    if question is None:
        return "不显示" if path is None else f"取自“{path}”"
    where = name(version, question_id)
    field = next((each for each in getattr(question, "fields", []) if each.id == blank), None)
    return f"取自{where}" + (f"的{quoted(text_of(field.label))}" if field is not None else "")


def _router(version: Version) -> str | None:
    """The first region question: its answer decides which village's staff get an application."""
    return next((question.id for question in version.questions if isinstance(question, Region)), None)


def _sections(before: Version, after: Version, position: dict[Token, int], found: _Collector) -> None:
    common = [section.id for section in after.form.sections if section.id in before.sections]
    in_order = _unmoved(
        [section.id for section in before.form.sections if section.id in after.sections], common
    )
    for page, section in enumerate(after.form.sections, start=1):
        key = (position[("s", section.id)], 0, 0)
        title = quoted(text_of(section.title))
        old = before.sections.get(section.id)
        if old is None:
            found.add(key, "section", None, f"新增一页：第{page}页{title}", "safe")
            continue
        for text in label_changes(f"第{page}页的标题", old.title, section.title):
            found.add(key, "section", None, text, "safe")
        if section.id not in in_order:
            text = f"原第{before.page_of_section[section.id]}页{title}移到了第{page}页"
            found.add(key, "section", None, text, "safe")


def _added(
    after: Version, question_id: str, at_end: bool, key: tuple[int, int, int], found: _Collector
) -> None:
    question = after.by_id[question_id]
    named = name(after, question_id)
    if isinstance(question, Notice):
        found.add(key, "added", question_id, f"新增说明文字{named}", "safe")
    elif not question.required:
        found.add(key, "added", question_id, f"新增可选题{named}", "safe")
    elif at_end:
        text = f"新增必答题{named}，排在原有题目之后：正在填写的农户接着往下填就会答到"
        found.add(key, "added", question_id, text, "safe")
    else:
        text = f"新增必答题{named}，排在原有题目之间：已经填过这里的农户要回去补答"
        found.add(key, "added", question_id, text, "breaking")


def _shuffled(before: Version, after: Version) -> set[str]:
    """The questions that stayed on their page but not in their order among the page's other questions."""
    found: set[str] = set()
    for section_id, section in after.sections.items():
        if section_id not in before.sections:
            continue
        stayed = [q.id for q in section.questions if before.section_of.get(q.id) == section_id]
        was = [
            q.id for q in before.sections[section_id].questions if after.section_of.get(q.id) == section_id
        ]
        found |= set(stayed) - _unmoved(was, stayed)
    return found


def _moved(before: Version, after: Version, question_id: str, shuffled: set[str]) -> str:
    """The sentence for a question that moved to another page or among its page's questions, or ``""``."""
    old_section, new_section = before.section_of[question_id], after.section_of[question_id]
    if old_section != new_section:
        was, now = before.page[question_id], after.page[question_id]
        return f"{name(after, question_id, page=False)}由第{was}页移到了第{now}页"
    if question_id not in shuffled:
        return ""
    questions = after.sections[new_section].questions
    index = next(index for index, each in enumerate(questions) if each.id == question_id)
    if index == 0:
        return f"{name(after, question_id)}换了位置，现在是这一页的第一道题"
    return (
        f"{name(after, question_id)}换了位置，现在排在{name(after, questions[index - 1].id, page=False)}之后"
    )


_OUTCOME_KINDS = {"blocked": "不能申请", "flagged": "可以申请但标记"}


def _outcome_changes(before: Version, after: Version) -> Iterator[tuple[str, str | None, str, Severity]]:
    old_outcomes = {outcome.id: outcome for outcome in before.form.outcomes}
    new_outcomes = {outcome.id: outcome for outcome in after.form.outcomes}
    for outcome in after.form.outcomes:
        was = old_outcomes.get(outcome.id)
        named = _outcome_name(outcome)
        if was is None:
            yield "outcome", None, f"新增结果页{named}（{_OUTCOME_KINDS[outcome.kind]}）", "safe"
            continue
        for text in label_changes(f"结果页{_outcome_name(was)}的文字", was.message, outcome.message):
            yield "outcome", None, text, "safe"
        if was.kind != outcome.kind:
            text = f"结果页{named}由“{_OUTCOME_KINDS[was.kind]}”改为“{_OUTCOME_KINDS[outcome.kind]}”"
            yield "outcome", None, text, "breaking"
        if was.resume_at != outcome.resume_at:
            now = f"从{name(after, outcome.resume_at)}继续" if outcome.resume_at else "到此结束"
            yield "outcome", None, f"到了结果页{named}之后，改为{now}", "breaking"
    for outcome in before.form.outcomes:
        if outcome.id not in new_outcomes:
            yield "outcome", None, f"删除了结果页{_outcome_name(outcome)}", "safe"


def _outcome_name(outcome: Outcome) -> str:
    return quoted(text_of(outcome.message))
