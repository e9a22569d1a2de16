"""The form linter: finds what would break a form before any farmer meets it.

Staged like a compiler: decode (the format), then structure (ids, options, outcomes), then expressions
(compile, references, order, cycles), then reachability, then the form's own scenarios (each must pass). Each problem carries a stable code from
:data:`CODES`, the file and the question id, so the output is testable and greppable.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from shenbao.forms.engine import compile_form
from shenbao.forms.expressions import CompiledExpression, ExpressionError, compile_expression, new_context
from shenbao.forms.loader import DefinitionError, form_files, load_form
from shenbao.forms.messages import placeholders
from shenbao.forms.model import (
    FieldsQuestion,
    FormDef,
    Label,
    MultipleChoice,
    Question,
    Rule,
    SingleChoice,
    TextQuestion,
)
from shenbao.forms.rule_problems import CODES as RULE_CODES
from shenbao.forms.rule_problems import rule_problems
from shenbao.forms.rule_text import Place
from shenbao.forms.rules import rule_source
from shenbao.forms.scenarios import run_scenario, scenario_problems

__all__ = ["CODES", "Problem", "lint_form", "lint_path"]

CODES = {
    "E001": "the file does not match the form format: {detail}",
    "E002": "question id {detail} is used more than once",
    "E003": "option value {detail} is used more than once in this question",
    "E004": "{detail} does not compile: {error}",
    "E005": "{detail} reads {name}, which is not a question of this form",
    "E006": "{detail} reads {name}, which comes after it: display and jump rules read earlier questions only",
    "E007": "a jump goes to {detail}, which is not an outcome of this form",
    "E008": "this question can never be shown: {detail}",
    "E009": "display and jump rules form a cycle: {detail}",
    "E010": "{detail} has no Chinese text (zh)",
    "E011": "min_selections {detail} is more than the number of options",
    "E012": "pledge_before names {detail}, which is not a question of this form",
    "E013": "outcome id {detail} is also a question id",
    "E014": "applicant_name names {detail}, which is not a text question or a text field of a fields question",
    "E015": "outcome {detail} resumes at {name}, which is not a question of this form: name the question "
    "the form goes on from after the jump",
    "E016": "a jump goes to outcome {detail}, which resumes at {name}: {name} does not come after this "
    "question, so the form would go back; resume at a question after every jump to {detail}",
    "E017": "outcome {detail} is blocked: nothing is stored, so the form cannot resume after it; remove "
    "resume_at or make the outcome flagged",
    "E018": "{detail} {error}",
    "E019": 'scenario "{detail}" fails: {error}',
    "E020": 'scenario "{detail}" cannot run: {error}',
    "E021": "{detail}, the rule builder's tree at {where}: {problem} ({message})",
    "E022": "{detail} is drawn by widget {name}, which is not one of this pack's widgets (the platform's and its "
    "own; another pack's widget is not): add form_defs/<pack>/widgets/{name}/ to this pack, or remove the "
    "question's widget",
    "E023": "{detail} is a {kind} question, but widget {name} is made for {draws} questions: choose a widget made "
    "for its type, or remove the question's widget",
}

_UNCOMPILABLE = frozenset({"E002", "E004", "E005", "E006", "E007", "E009", "E021"})
"""Problems after which the form does not compile (or evaluates ambiguously), so its scenarios are not run."""

_TREE_CHECKED_ELSEWHERE = frozenset({"R001", "R002"})
"""Rule problems the expression stage reports already, tree or CEL alike (E005, E006)."""

_MAX_COMBINATIONS = 4096


class Problem(msgspec.Struct, frozen=True):
    """One finding: its code from :data:`CODES`, the file, the question (if any) and the message."""

    code: str
    path: str
    question: str | None
    message: str
    values: dict[str, str] = {}
    """What filled the message's placeholders (``detail``, ``name``, ``error``), for other languages' messages."""

    def __str__(self) -> str:
        where = f"{self.path}: {self.question}" if self.question else self.path
        return f"{where}: {self.code} {self.message}"


def _problem(path: str, question: str | None, code: str, **values: Any) -> Problem:
    return Problem(code, path, question, CODES[code].format(**values), {k: str(v) for k, v in values.items()})


def _labels(question: Question) -> Iterator[tuple[str, Label]]:
    yield "label", question.label
    if question.help is not None:
        yield "help", question.help
    for option in getattr(question, "options", ()):
        yield f"option {option.value}", option.label


def _structure(form: FormDef, path: str) -> Iterator[Problem]:
    seen: set[str] = set()
    outcome_ids = {outcome.id for outcome in form.outcomes}
    for question in form.questions():
        if question.id in seen:
            yield _problem(path, question.id, "E002", detail=question.id)
        seen.add(question.id)
        if question.id in outcome_ids:
            yield _problem(path, question.id, "E013", detail=question.id)
        for where, label in _labels(question):
            if isinstance(label, dict) and not label.get("zh"):
                yield _problem(path, question.id, "E010", detail=where)
        if isinstance(question, SingleChoice | MultipleChoice):
            values = [str(option.value) for option in question.options]
            for value in sorted({value for value in values if values.count(value) > 1}):
                yield _problem(path, question.id, "E003", detail=value)
        if isinstance(question, MultipleChoice) and question.min_selections > len(question.options):
            yield _problem(path, question.id, "E011", detail=question.min_selections)
        for jump in question.jumps:
            if jump.to not in outcome_ids:
                yield _problem(path, question.id, "E007", detail=jump.to)
    if form.pledge_before is not None and form.pledge_before not in seen:
        yield _problem(path, None, "E012", detail=form.pledge_before)
    if form.applicant_name is not None and not _names_text(form, form.applicant_name):
        yield _problem(path, None, "E014", detail=form.applicant_name)
    yield from _resumes(form, path)


def _resumes(form: FormDef, path: str) -> Iterator[Problem]:
    """Each outcome's ``resume_at`` names a question after every jump that leads to the outcome."""
    position = {question.id: index for index, question in enumerate(form.questions())}
    for outcome in form.outcomes:
        if outcome.resume_at is None:
            continue
        if outcome.kind == "blocked":
            yield _problem(path, None, "E017", detail=outcome.id)
            continue
        if outcome.resume_at not in position:
            yield _problem(path, None, "E015", detail=outcome.id, name=outcome.resume_at)
            continue
        for question in form.questions():
            jumps_here = any(jump.to == outcome.id for jump in question.jumps)
            if jumps_here and position[outcome.resume_at] <= position[question.id]:
                yield _problem(path, question.id, "E016", detail=outcome.id, name=outcome.resume_at)


def _names_text(form: FormDef, where: str) -> bool:
    """Whether ``where`` (``question`` or ``question.field``) is a text answer of the form."""
    question_id, _, field_id = where.partition(".")
    question = next((each for each in form.questions() if each.id == question_id), None)
    if isinstance(question, FieldsQuestion):
        return any(field.id == field_id and field.kind == "text" for field in question.fields)
    return isinstance(question, TextQuestion) and not field_id


def _ordered_rules(question: Question) -> Iterator[tuple[str, str | Rule]]:
    """The rules that decide flow (and so may only look back): display and jump conditions."""
    if question.visible_if:
        yield "visible_if", question.visible_if
    for index, jump in enumerate(question.jumps):
        yield f"jumps[{index}]", jump.when


def _expressions(form: FormDef, path: str) -> Iterator[Problem]:
    questions = form.questions()
    position = {question.id: index for index, question in enumerate(questions)}
    graph: dict[str, set[str]] = {}
    for question in questions:
        checks: list[tuple[str, str | Rule]] = [
            (where, source)
            for index, check in enumerate(question.checks)
            for where, source in [
                (f"checks[{index}]", check.rule),
                *((f"checks[{index}].values.{name}", value) for name, value in check.values.items()),
            ]
        ]
        yield from _check_messages(question, path)
        for where, rule in [*_ordered_rules(question), *checks]:
            if not isinstance(rule, str):
                yield from _tree_problems(form, path, question, where, rule)
            try:
                compiled = compile_expression(rule_source(rule, form))
            except ExpressionError as error:
                yield _problem(path, question.id, "E004", detail=where, error=error)
                continue
            for name in sorted(compiled.reads):
                if name not in position:
                    yield _problem(path, question.id, "E005", detail=where, name=name)
                elif not where.startswith("checks"):
                    if not (where.startswith("jumps") and name == question.id):  # a jump reads its own answer
                        graph.setdefault(question.id, set()).add(name)
                    if position[name] > position[question.id]:
                        yield _problem(path, question.id, "E006", detail=where, name=name)
    yield from _cycles(graph, path)


def _tree_problems(form: FormDef, path: str, question: Question, where: str, rule: Rule) -> Iterator[Problem]:
    """What the builder would say of a stored tree: a removed option, an operator that does not fit, ..."""
    place: Place = "visible_if" if where == "visible_if" else "jump" if where.startswith("jumps") else "check"
    for problem in rule_problems(rule, form, question.id, place):
        if problem.code in _TREE_CHECKED_ELSEWHERE or problem.code == "R004":  # R004: E004 says it
            continue
        yield _problem(
            path,
            question.id,
            "E021",
            detail=where,
            where=problem.path or "its root",
            problem=RULE_CODES[problem.code],
            message=problem.message,
        )


def _check_messages(question: Question, path: str) -> Iterator[Problem]:
    """Every placeholder of a check's message names one of its values, and every value is shown."""
    for index, check in enumerate(question.checks):
        where = f"checks[{index}].message"
        texts = [check.message] if isinstance(check.message, str) else list(check.message.values())
        used: set[str] = set()
        for text in texts:
            try:
                names = placeholders(text)
            except ValueError as error:
                yield _problem(
                    path,
                    question.id,
                    "E018",
                    detail=where,
                    error=f"is not a message format: {error} (write a literal brace twice: {{{{ or }}}})",
                )
                continue
            used.update(names)
            for name in dict.fromkeys(names):
                if name not in check.values:
                    known = ", ".join(sorted(check.values)) or "none"
                    yield _problem(
                        path,
                        question.id,
                        "E018",
                        detail=where,
                        error=f"uses {{{name}}}, which is not one of its values ({known})",
                    )
        for name in sorted(set(check.values) - used):
            yield _problem(
                path,
                question.id,
                "E018",
                detail=f"checks[{index}].values.{name}",
                error="is computed but the message never shows it: add {" + name + "} to the message",
            )


def _cycles(graph: dict[str, set[str]], path: str) -> Iterator[Problem]:
    done: set[str] = set()

    def visit(node: str, trail: list[str]) -> list[str] | None:
        if node in trail:
            return [*trail[trail.index(node) :], node]
        if node in done:
            return None
        for successor in sorted(graph.get(node, ())):
            cycle = visit(successor, [*trail, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            yield _problem(path, cycle[0], "E009", detail=" → ".join(cycle))
            done.update(cycle)


def _domain(question: Question) -> list[Any] | None:
    """The values worth trying for ``question`` when looking for a way to show a later one."""
    if isinstance(question, SingleChoice):
        return [None, *(option.value for option in question.options)]
    if isinstance(question, MultipleChoice):
        every = [option.value for option in question.options]
        return [[], *([value] for value in every), every]
    return None


def _reachability(form: FormDef, path: str) -> Iterator[Problem]:
    """Try the choice answers a display rule reads; if none shows the question, nobody ever sees it."""
    questions = form.questions()
    by_id = {question.id: question for question in questions}
    outcomes = {outcome.id: outcome for outcome in form.outcomes}
    unconditional_end: str | None = None
    resume: str | None = None  # where the form goes on after the unconditional jump, if anywhere
    for question in questions:
        if unconditional_end and question.id == resume:
            unconditional_end = resume = None
        if unconditional_end:
            detail = f"{unconditional_end} always ends the form before it"
            if resume:
                detail = f"{unconditional_end} always jumps past it to {resume}"
            yield _problem(path, question.id, "E008", detail=detail)
            continue
        for jump in question.jumps:
            try:
                always = rule_source(jump.when, form).strip() == "true"
            except ExpressionError:
                always = False  # reported already
            if always:
                unconditional_end = question.id
                target = outcomes.get(jump.to)
                resume = target.resume_at if target is not None and target.kind == "flagged" else None
                break
        if not question.visible_if:
            continue
        try:
            rule = compile_expression(rule_source(question.visible_if, form))
        except ExpressionError:
            continue  # reported already
        if not _may_hold(rule, by_id):
            detail = f"no answer to {sorted(rule.reads)} makes it true"
            yield _problem(path, question.id, "E008", detail=detail)


def _may_hold(rule: CompiledExpression, by_id: dict[str, Question]) -> bool:
    names = sorted(rule.reads)
    domains = []
    for name in names:
        question = by_id.get(name)
        domain = _domain(question) if question else None
        if domain is None:
            return True  # free text or numbers: too many values to try, so assume it can hold
        domains.append(domain)
    for count, combination in enumerate(itertools.product(*domains)):
        if count >= _MAX_COMBINATIONS:
            return True
        context = new_context()  # only what the rule reads: the rest cannot change whether it holds
        for name, value in zip(names, combination, strict=True):
            context.add_variable(name, value)
        if rule.holds(context):
            return True
    return False


def _scenarios(form: FormDef, path: str) -> Iterator[Problem]:
    """Run the form's scenarios: each difference of a failing one is an E019, a scenario that cannot run E020."""
    if not form.scenarios:
        return
    compiled = compile_form(form)
    named: set[str] = set()
    for scenario in form.scenarios:
        if scenario.name in named:
            error = "另一个场景也叫这个名字：请给每个场景起不同的名字"
            yield _problem(path, None, "E020", detail=scenario.name, error=error)
        named.add(scenario.name)
        problems = scenario_problems(form, scenario)
        for error in problems:
            yield _problem(path, None, "E020", detail=scenario.name, error=error)
        if problems:
            continue
        for difference in run_scenario(compiled, scenario).differences:
            yield _problem(path, difference.question, "E019", detail=scenario.name, error=difference.text)


def lint_form(
    form: FormDef, path: str, *, scenarios: bool = True, widgets: Mapping[str, str | None] | None = None
) -> list[Problem]:
    """Every problem in one decoded form; its scenarios run when its rules compile (unless ``scenarios`` is off:
    the builder runs them itself, to show each one's result). With ``widgets`` (each installed widget's name and
    the question type it is made for), a question's own ``widget`` must be one of them, made for its type."""
    problems = [*_structure(form, path), *_expressions(form, path)]
    if widgets is not None:
        problems += _widgets(form, path, widgets)
    if not any(problem.code in {"E004", "E005", "E006", "E009"} for problem in problems):
        problems += _reachability(form, path)
    if scenarios and not any(problem.code in _UNCOMPILABLE for problem in problems):
        problems += _scenarios(form, path)
    return problems


def _widgets(form: FormDef, path: str, widgets: Mapping[str, str | None]) -> Iterator[Problem]:
    for question in form.questions():
        if question.widget is None:
            continue
        kind = str(question.__struct_config__.tag)
        if question.widget not in widgets:
            yield _problem(path, question.id, "E022", detail=question.id, name=question.widget)
        elif widgets[question.widget] not in (None, kind):
            draws = widgets[question.widget]
            yield _problem(
                path, question.id, "E023", detail=question.id, name=question.widget, kind=kind, draws=draws
            )


def lint_path(
    root: Path,
    *,
    widgets: Mapping[str, str | None] | None = None,
    widgets_of: Callable[[Path], Mapping[str, str | None] | None] | None = None,
) -> tuple[list[Path], list[Problem]]:
    """Lint every form file at or below ``root`` (with ``widgets``: against the installed widgets, as
    :func:`lint_form`; with ``widgets_of``: against the widgets of each file's own pack); return the files read
    and the problems found."""
    files = form_files(root)
    problems: list[Problem] = []
    for file in files:
        try:
            form = load_form(file)
        except DefinitionError as error:
            problems.append(_problem(str(file), None, "E001", detail=str(error).split(": ", 1)[-1]))
            continue
        problems += lint_form(
            form, str(file), widgets=widgets_of(file) if widgets_of is not None else widgets
        )
    return files, problems
