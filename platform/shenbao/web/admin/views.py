"""What the admin pages show: the builder's outline, its panel and the draft's problems, built for the templates."""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import Any

import msgspec

from shenbao.cases.authoring import content_key, decoded_definition
from shenbao.forms import CompiledForm, compile_form
from shenbao.forms.editing import QUESTION_TYPES
from shenbao.forms.lint import lint_form
from shenbao.forms.lint_zh import in_chinese
from shenbao.forms.model import FieldsQuestion, FormDef, Question, Region, text_of
from shenbao.forms.scenarios import ScenarioResult, run_scenarios, summary
from shenbao.forms.values import Cleaner
from shenbao.regions import LEVELS, Division, Divisions, parent_of
from shenbao.roles import role_label
from shenbao.store.staff import SignedIn
from shenbao.web.admin.edits import BLANK_KINDS, FieldSpec, form_fields, label_values, question_fields
from shenbao.web.posted import CSRF_FIELD
from shenbao.widgets import WidgetRegistry
from shenbao.workflow.lint import form_chain_problems
from shenbao.workflow.model import Chain

__all__ = [
    "Blank",
    "Draft",
    "Field",
    "OutlineRow",
    "RegionRoot",
    "blank_rows",
    "chain_choices",
    "checked_draft",
    "common",
    "draft_of",
    "pack_widgets",
    "panel_fields",
    "question_kind",
    "region_root",
]

LABEL_LIMIT = 300
"""The most characters a question's label may have (a farmer reads it on a phone)."""


def pack_widgets(widgets: WidgetRegistry, kind: str | None = None) -> list[tuple[str, str, str]]:
    """The pack's own widgets among ``widgets`` (the form's pack's; not the platform's own types): ``(name, type
    it draws, label)``, all of them or those for one question type."""
    return [
        (widget.name, widget.draws, f"{QUESTION_TYPES[widget.draws]}·{widget.name}（本省组件）")
        for widget in widgets
        if widget.name not in QUESTION_TYPES
        and widget.draws in QUESTION_TYPES
        and kind in (None, widget.draws)
    ]


def chain_choices(chains: Iterable[Chain]) -> list[tuple[str, str]]:
    """The approval chains a form may use, as ``(id, title)``."""
    return [(chain.id, text_of(chain.title)) for chain in chains]


def common(signed_in: SignedIn) -> dict[str, Any]:
    """What every admin page needs: who is signed in and the CSRF token of their forms."""
    staff = signed_in.staff
    return {
        "staff": staff,
        "role_label": role_label(staff.role),
        "csrf_field": CSRF_FIELD,
        "csrf_token": signed_in.csrf_token,
    }


def question_kind(question: Question) -> str:
    """The question's type tag (``single_choice``)."""
    return str(type(question).__struct_config__.tag)


class OutlineRow(msgspec.Struct, frozen=True, kw_only=True):
    """One question in the outline: its number, label, type and how many problems it has."""

    id: str
    number: int | None
    label: str
    kind: str
    kind_name: str
    conditional: bool
    problems: int


class Field(msgspec.Struct, frozen=True, kw_only=True):
    """One input of the property panel, with its current values (per language) and its error."""

    spec: FieldSpec
    value: Any
    texts: dict[str, str]
    error: str = ""


class Draft:
    """A form being built, checked: its problems by question (``None``: the form's own), its compiled form when its
    rules compile (the preview needs it), and its scenarios' results, run when first asked for."""

    def __init__(
        self,
        definition: FormDef,
        problems: dict[str | None, list[str]],
        compiled: CompiledForm | None,
        numbers: dict[str, int],
    ) -> None:
        self.definition = definition
        self.problems = problems
        self.compiled = compiled
        self.numbers = numbers

    @cached_property
    def scenarios(self) -> list[ScenarioResult]:
        """Each scenario's result (none while the form does not compile)."""
        return run_scenarios(self.compiled) if self.compiled is not None else []

    @property
    def scenario_summary(self) -> str:
        return summary(self.scenarios) if self.compiled is not None else "改好问题后才能运行场景"

    @property
    def scenarios_failed(self) -> int:
        return sum(not result.passed for result in self.scenarios)

    def outline(self) -> list[tuple[Any, list[OutlineRow]]]:
        """Each page with its questions' rows."""
        return [
            (
                section,
                [
                    OutlineRow(
                        id=question.id,
                        number=self.numbers.get(question.id),
                        label=text_of(question.label) or "（未填写题目文字）",
                        kind=question_kind(question),
                        kind_name=QUESTION_TYPES.get(question_kind(question), question_kind(question)),
                        conditional=bool(question.visible_if or question.jumps),
                        problems=len(self.problems.get(question.id, ())),
                    )
                    for question in section.questions
                ],
            )
            for section in self.definition.sections
        ]

    def question(self, question_id: str | None) -> Question | None:
        """The question ``question_id``, if the form has it."""
        return next((each for each in self.definition.questions() if each.id == question_id), None)

    @property
    def problem_count(self) -> int:
        return sum(len(each) for each in self.problems.values())


def draft_of(
    definition: FormDef,
    *,
    cleaners: Mapping[str, Cleaner] | None = None,
    chains: Mapping[str, Chain | None] | None = None,
    widgets: Mapping[str, str | None] | None = None,
) -> Draft:
    """Check ``definition`` as the builder shows it: the linter's problems, and too-long labels; compile it
    (with the installed widgets' ``cleaners``) when it has none."""
    problems: dict[str | None, list[str]] = defaultdict(list)
    found = [
        *lint_form(
            definition, "builder", scenarios=False, widgets=widgets
        ),  # the builder shows each scenario's result itself
        *form_chain_problems(definition, "builder", chains or {}),  # its region question routes to its chain
    ]
    for problem in found:
        problems[problem.question].append(in_chinese(problem))
    for question in definition.questions():
        label = text_of(question.label)
        if len(label) > LABEL_LIMIT:
            problems[question.id].append(
                f"题目文字最多{LABEL_LIMIT}个字，现在有{len(label)}个字：请缩短，详细说明可以写在“填写说明”里"
            )
    compiled = None
    try:  # a draft with problems still previews, as long as its rules compile
        compiled = compile_form(definition, cleaners=cleaners)
    except (ValueError, KeyError):
        problems[None].append("表单的规则还有错，改好后才能预览和运行场景（错在哪里已在题目上标出）")
    numbers: dict[str, int] = {}
    for question in definition.questions():
        if question.numbered:
            numbers[question.id] = len(numbers) + 1
    return Draft(definition, dict(problems), compiled, numbers)


_CHECKED: OrderedDict[tuple[bytes, int, int], tuple[WidgetRegistry, Iterable[Chain], Draft]] = OrderedDict()
_CHECKED_SIZE = 32


def checked_draft(stored: Mapping[str, Any], *, chains: Iterable[Chain], widgets: WidgetRegistry) -> Draft:
    """:func:`draft_of` a stored definition, computed once per content (the edit that saves a revision checks it;
    the preview's reload and the next pages reuse that). ``widgets`` are the form's pack's
    (:meth:`~shenbao.web.services.Services.builder_widgets`).

    Keyed by a digest of the content (a revision never changes), so it is a memo of a pure function and nothing
    else: another process computes the same. An entry keeps the widgets and chains it was checked with, so an id
    reused by another application's registry is never taken for it.
    """
    key = (content_key(stored), id(widgets), id(chains))
    found = _CHECKED.get(key)
    if found is None or found[0] is not widgets or found[1] is not chains:
        known = {chain.id: chain for chain in chains}
        definition = decoded_definition(stored)
        draft = draft_of(definition, cleaners=widgets.cleaners(), chains=known, widgets=widgets.drawn())
        _CHECKED[key] = (widgets, chains, draft)
        while len(_CHECKED) > _CHECKED_SIZE:
            _CHECKED.popitem(last=False)
        return draft
    _CHECKED.move_to_end(key)
    return found[2]


def panel_fields(
    target: Question | FormDef,
    posted: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    *,
    chains: Sequence[tuple[str, str]] = (),
    widgets: Sequence[tuple[str, str]] = (),
) -> list[Field]:
    """The panel's inputs for a question or the form's settings, filled from what is stored (or was just posted)."""
    specs = (
        question_fields(target, widgets) if not isinstance(target, FormDef) else form_fields(target, chains)
    )
    stored = msgspec.to_builtins(target)
    defaults = {name: getattr(target, name, None) for name in (spec.name for spec in specs)}
    fields = []
    for spec in specs:
        value = defaults[spec.name]
        texts = label_values(stored.get(spec.name)) if spec.translated else {}
        if posted is not None and spec.name in posted:
            value = posted[spec.name]
            texts = {
                **texts,
                "zh": posted[spec.name],
                **{
                    k.split(".", 1)[1]: v
                    for k, v in posted.items()
                    if k.startswith(f"{spec.name}.") and not k.endswith("._shown")
                },
            }
        fields.append(Field(spec=spec, value=value, texts=texts, error=(errors or {}).get(spec.name, "")))
    return fields


class Blank(msgspec.Struct, frozen=True, kw_only=True):
    """One blank of a fields question as its panel shows it: what is stored (or was just posted) and its errors."""

    id: str
    texts: dict[str, str]
    kind: str
    required: bool
    max_chars: str
    verify: bool
    error: str = ""


def blank_rows(
    question: FieldsQuestion, posted: dict[str, str] | None = None, errors: dict[str, str] | None = None
) -> tuple[list[Blank], tuple[tuple[str, str], ...]]:
    """The blanks of ``question``'s panel, each with its inputs' values, and the kinds a blank may be."""
    rows = []
    for field in question.fields:
        key = f"field.{field.id}"
        texts = label_values(field.label)
        kind: str = field.kind
        required, max_chars, verify = field.required, str(field.max_chars), field.verify
        if posted is not None and f"{key}.label" in posted:  # a refused post: what was typed stays
            texts = {**texts, "zh": posted[f"{key}.label"], "bo": posted.get(f"{key}.label.bo", "")}
            kind = posted.get(f"{key}.kind", kind)
            max_chars = posted.get(f"{key}.max_chars", max_chars)
            if f"{key}.required._shown" in posted:
                required = posted.get(f"{key}.required") == "1"
            if f"{key}.verify._shown" in posted:
                verify = posted.get(f"{key}.verify") == "1"
        error = "；".join(message for name, message in (errors or {}).items() if name.startswith(f"{key}."))
        rows.append(
            Blank(
                id=field.id,
                texts=texts,
                kind=kind,
                required=required,
                max_chars=max_chars,
                verify=verify,
                error=error,
            )
        )
    return rows, BLANK_KINDS


class RegionRoot(msgspec.Struct, frozen=True, kw_only=True):
    """The picker's root as the panel shows it: its path from the top, the children it may narrow to, and the
    parent it may widen to (``""`` when that would leave the admin's region)."""

    path: list[Division]
    children: list[Division]
    parent: str


def region_root(question: Region, owner: str, divisions: Divisions) -> RegionRoot:
    """The root block of ``question``'s panel, for a form owned by the region ``owner``, over its pack's
    ``divisions`` (a question without a root starts in the pack's province)."""
    root = question.root or divisions.default_root()
    depth = LEVELS.index(question.depth)
    children = [child for child in divisions.children(root) if LEVELS.index(child.level) < depth]
    parent = parent_of(root)
    return RegionRoot(
        path=divisions.path(root),
        children=children,
        parent=parent if parent and parent.startswith(owner) else "",
    )
