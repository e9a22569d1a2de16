"""Which answers of each form fill the export's columns: ``form_defs/<pack>/export.json``, decoded and linted.

The columns themselves (name, ID number, phone, household size, risk types) are what the national system asks
for, the same for every province; a pack says, form by form, which question answers each. A path is a question
id (``"hardship"``), or a question id and one of its blanks for a multi-field question (``"q4.id_number"``), of
the applicant's form; or, after the id of a form that a step of the form's chain fills and a colon, a question
of that form as the staff recorded it (``"household-check:members"``, the household check's count). A column
may list several paths: the first one answered fills the cell (``["q13", "household-check:members"]``: what the
applicant said, else what the check counted). A column no path answers is left out, and the export leaves
that cell blank.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, TypeAlias

import msgspec

from shenbao.forms.lint import Problem
from shenbao.forms.loader import DefinitionError, loadable_forms
from shenbao.forms.model import FieldsQuestion, FormDef, Label, Question, text_of
from shenbao.paths import form_defs_dir
from shenbao.workflow.lint import pack_chains
from shenbao.workflow.model import Chain

__all__ = [
    "CODES",
    "COLUMNS",
    "EXPORT_FILE",
    "ExportSpec",
    "FormColumns",
    "PackExports",
    "decode_export",
    "lint_export",
    "lint_exports",
    "load_exports",
]

DEFAULT_TITLE = "已审批的申请"
"""The sheet's title when no pack names one."""
EXPORT_FILE = "export.json"
"""The file, at the top of a pack, that maps each form's answers to the export's columns."""

AnswerPath = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^([a-z0-9][a-z0-9-]*:)?[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$",
        description=(
            "a question id, or question_id.field_id for one blank of a multi-field question, of the applicant's "
            "form; step-form-id:question_id for an answer recorded through a form a step of the chain fills"
        ),
    ),
]
Sources = AnswerPath | Annotated[list[AnswerPath], msgspec.Meta(min_length=1)]
"""One path, or several: the first answered fills the cell."""
Column: TypeAlias = Literal["name", "id_number", "phone", "household_size", "risk_types"]

COLUMNS: dict[Column, tuple[str, ...]] = {
    "name": ("text",),
    "id_number": ("id_number",),
    "phone": ("phone",),
    "household_size": ("number", "single_choice"),
    "risk_types": ("multiple_choice", "single_choice"),
}
"""Each column and the question types (or kinds of blank) that can answer it."""

CODES = {
    "X001": "the file does not match the export format: {detail}",
    "X002": "form {detail} is not a form of this pack",
    "X003": "{column} reads {detail}, which is not a question of form {form}",
    "X004": "{column} reads {detail}, which is not a blank of question {parent}",
    "X005": "{column} reads {detail}, a {kind}: use a question of type {expected}",
    "X006": "household_size reads {detail}, whose options are not all whole numbers",
    "X007": "form {detail} has an approval chain but no columns here: its exported rows would be blank",
    "X008": "{column} reads {detail}, but {step_form} is not a form of this pack's chains/forms",
    "X009": "{column} reads {detail}, but no step of form {form}'s chain fills form {step_form}",
}


class _Base(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True, omit_defaults=True):
    """Strict, immutable, keyword-only, like the form and chain formats."""


class FormColumns(_Base, frozen=True, kw_only=True):
    """The answers of one form that fill the export's columns; a column left out stays blank."""

    name: Sources | None = None
    id_number: Sources | None = None
    phone: Sources | None = None
    household_size: Sources | None = None
    risk_types: Sources | None = None

    def sources(self, column: Column) -> tuple[str, ...]:
        """The answer paths of ``column``, in the order they are tried (none: the cell stays blank)."""
        given: str | list[str] | None = getattr(self, column)
        if given is None:
            return ()
        return (given,) if isinstance(given, str) else tuple(given)

    def paths(self) -> Iterator[tuple[Column, str]]:
        """Each column this form fills, with each of its answer paths."""
        for column in COLUMNS:
            for path in self.sources(column):
                yield column, path


class ExportSpec(_Base, frozen=True, kw_only=True):
    """A pack's ``export.json``: the sheet's title and each form's columns, by form id."""

    schema: str | None = msgspec.field(default=None, name="$schema")
    title: Label
    description: str = ""
    forms: dict[str, FormColumns]


def decode_export(data: bytes | str, *, source: str = EXPORT_FILE) -> ExportSpec:
    """Decode an ``export.json``, naming ``source`` and the JSON path in any error.

    Raises:
        DefinitionError: not JSON, or not in the export format.
    """
    try:
        return msgspec.json.decode(data, type=ExportSpec)
    except msgspec.DecodeError as error:
        raise DefinitionError(f"{source}: {error}") from None


class PackExports(msgspec.Struct, frozen=True, kw_only=True):
    """The published packs' exports: the sheet's title and each form's columns, by form id."""

    title: str = DEFAULT_TITLE
    columns: dict[str, FormColumns] = {}


def load_exports(packs: Iterable[str], root: Path | None = None) -> PackExports:
    """Read the named packs' ``export.json`` files (a pack may have none); the first pack's title names the sheet.

    Raises:
        DefinitionError: an ``export.json`` is not in the export format (``shenbao lint`` tells more).
    """
    root = root or form_defs_dir()
    titles: list[str] = []
    columns: dict[str, FormColumns] = {}
    for pack in packs:
        path = root / pack / EXPORT_FILE
        if path.is_file():
            spec = decode_export(path.read_bytes(), source=str(path))
            titles.append(text_of(spec.title))
            columns.update(spec.forms)
    return PackExports(title=titles[0] if titles else DEFAULT_TITLE, columns=columns)


def _problem(path: str, question: str | None, code: str, **values: Any) -> Problem:
    return Problem(code, path, question, CODES[code].format(**values))


def _kind(question: Question, field: str | None) -> str | None:
    """The type of the question, or the kind of its blank ``field``; ``None`` when there is no such blank."""
    if field is None:
        return str(question.__struct_config__.tag)
    if not isinstance(question, FieldsQuestion):
        return None
    return next((blank.kind for blank in question.fields if blank.id == field), None)


@dataclass(frozen=True)
class _Pack:
    """What an export's paths may read: the pack's forms, the forms its steps fill, its chains, by id."""

    forms: Mapping[str, FormDef]
    step_forms: Mapping[str, FormDef]
    chains: Mapping[str, Chain]


def _filled_at_a_step(pack: _Pack, form: FormDef, step_form: str) -> bool:
    chain = pack.chains.get(form.chain) if form.chain else None
    return chain is not None and any(step.form == step_form for step in chain.steps)


def _check_path(path: str, pack: _Pack, form: FormDef, column: Column, answer_path: str) -> Iterator[Problem]:
    step_form, _, local = answer_path.rpartition(":")
    owner = form
    if step_form:
        found = pack.step_forms.get(step_form)
        if found is None:
            yield _problem(path, form.id, "X008", column=column, detail=answer_path, step_form=step_form)
            return
        if not _filled_at_a_step(pack, form, step_form):
            yield _problem(
                path, form.id, "X009", column=column, detail=answer_path, form=form.id, step_form=step_form
            )
            return
        owner = found
    question_id, _, field = local.partition(".")
    question = next((each for each in owner.questions() if each.id == question_id), None)
    if question is None:
        yield _problem(path, form.id, "X003", column=column, detail=answer_path, form=owner.id)
        return
    kind = _kind(question, field or None)
    if kind is None:
        yield _problem(path, form.id, "X004", column=column, detail=answer_path, parent=question_id)
        return
    expected = COLUMNS[column]
    if kind not in expected:
        yield _problem(
            path,
            form.id,
            "X005",
            column=column,
            detail=answer_path,
            kind=kind,
            expected=" or ".join(expected),
        )
        return
    if column == "household_size" and kind == "single_choice":
        options = getattr(question, "options", [])
        if not all(str(option.value).isdigit() for option in options):
            yield _problem(path, form.id, "X006", detail=answer_path)


def lint_export(
    spec: ExportSpec,
    path: str,
    forms: Mapping[str, FormDef],
    *,
    step_forms: Mapping[str, FormDef] | None = None,
    chains: Mapping[str, Chain] | None = None,
) -> list[Problem]:
    """Every problem in a decoded ``export.json``.

    Args:
        spec: the decoded file.
        path: the file, as problems name it.
        forms: the pack's forms by id.
        step_forms: the forms the pack's chain steps fill (``chains/forms/``), by id.
        chains: the pack's chains by id.
    """
    pack = _Pack(forms=forms, step_forms=step_forms or {}, chains=chains or {})
    problems: list[Problem] = []
    for form_id, columns in spec.forms.items():
        form = forms.get(form_id)
        if form is None:
            problems.append(_problem(path, None, "X002", detail=form_id))
            continue
        for column, answer_path in columns.paths():
            problems += _check_path(path, pack, form, column, answer_path)
    for form in forms.values():
        if form.chain is not None and form.id not in spec.forms:
            problems.append(_problem(path, None, "X007", detail=form.id))
    return problems


def lint_exports(root: Path) -> tuple[list[Path], list[Problem]]:
    """Lint every pack's ``export.json`` at or below ``root`` (a folder, or one export file)."""
    if root.is_file():
        files = [root] if root.name == EXPORT_FILE else []
    else:
        files = sorted(root.glob(f"**/{EXPORT_FILE}"))
    problems: list[Problem] = []
    for file in files:
        try:
            spec = decode_export(file.read_bytes(), source=str(file))
        except DefinitionError as error:
            problems.append(_problem(str(file), None, "X001", detail=str(error).split(": ", 1)[-1]))
            continue
        problems += lint_export(
            spec,
            str(file),
            _forms_in(file.parent / "forms"),
            step_forms=_forms_in(file.parent / "chains" / "forms"),
            chains={id: chain for id, chain in pack_chains(file.parent).items() if chain is not None},
        )
    return files, problems


def _forms_in(folder: Path) -> dict[str, FormDef]:
    return {id: form for id, (_, form) in loadable_forms(folder).items()}
