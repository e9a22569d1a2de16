"""The chain linter: finds what would stall or misroute an application before any farmer submits one.

Chains are checked against their pack: the forms that use a chain (``FormDef.chain``), the forms its steps
fill (``forms/`` and ``chains/forms/``), its SMS templates and its green-channel rule. Problems reuse the
form linter's :class:`~shenbao.forms.lint.Problem`, with the step id where the form linter puts a question.

A step's role (and ``relief_roles``, ``appeal_role``) must be one of the five levels, optionally with an
office (``county:民政``): anything else is a decode error (C001) naming its path. An office is allowed at
every level, the province's too (省民政厅 is an office of the province level as 县民政局 is of a county's).
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import msgspec

from shenbao.forms.expressions import ExpressionError, compile_expression
from shenbao.forms.lint import Problem, lint_path
from shenbao.forms.loader import DefinitionError, loadable_forms
from shenbao.forms.model import FormDef, Label, Region
from shenbao.forms.rules import rule_source
from shenbao.regions.divisions import LEVELS, Level
from shenbao.roles import role_level
from shenbao.workflow.engine import appeal_step
from shenbao.workflow.model import ADVANCING, FINISHING, Chain
from shenbao.workflow.sms_templates import SMS_CODES, SMS_WARNINGS, sms_problems, sms_warnings

__all__ = [
    "CODES",
    "PLACEHOLDERS",
    "WARNING_CODES",
    "chain_files",
    "chain_warnings",
    "decode_chain",
    "form_chain_problems",
    "lint_all",
    "lint_chain",
    "lint_chains",
    "pack_chains",
    "routing_problems",
]

CODES = {
    "C001": "the file does not match the chain format: {detail}",
    "C002": "step id {detail} is used more than once",
    "C003": "{detail}",
    "C004": "the step fills form {detail}, which is not a form of this pack",
    "C005": "a notification uses SMS template {detail}, which is not in sms",
    "C006": "the green-channel rule does not compile: {detail}",
    "C007": "the green-channel rule reads {detail}, which is not a question of {forms}",
    "C008": "SMS template {detail} uses {{{name}}}, which is not one of {known}",
    "C009": "form {detail} uses chain {name}, which is not a chain of this pack",
    "C010": "the step's deadline ({detail} working days from submission) is later than the chain's ({total})",
    "C011": "a notification on {detail}, which the step does not allow",
    "C012": "the chain id {detail} does not match the file name",
    "C013": "relief_roles names {detail}, which acts at no step of this chain",
    "C014": "reminders.{field} names SMS template {detail}, which is not in sms",
    "C015": "SMS template {detail} uses {{days}}, which only the escalation template (reminders.escalate) is given",
    "C016": "appeal_role is {detail}, which acts at no step of this chain: an appeal would have nowhere to go",
    "C017": "appeal_role is set but appeal_days is not: say how many working days after a refusal "
    "the applicant may appeal",
    "C018": "appeals reopen the case at step {detail}, which has no notification on appeal to its handler: "
    "nobody would hear of an appeal",
    "C019": "appeal_days is set but appeal_role is not: say who hears an appeal",
    "C020": "public_name is empty or has no Chinese text (zh): give the step the name the applicant reads "
    "on the status page and in SMS, in words of the guide (e.g. 村里答复 beside the staff's 答复农户)",
    "C021": "public_name {detail} is also the public_name of step {name}: the applicant could not tell "
    "the two steps apart",
    "C022": "region question {detail} routes the application but picks only down to {depth}, while step {at} "
    "of chain {chain} acts at {level} level: no {level} handler would ever see an application; set its depth "
    'to "{level}"',
    "C023": "form {detail} uses chain {chain} but has no region question to route the application: it would "
    'reach no handler; add a required region question (depth "{level}") for the applicant\'s household',
    "C024": "region question {detail} routes the application but is not always answered ({why}): an "
    "application without it reaches no handler; make it required, shown to everyone, and asked before any "
    "jump to a flagged outcome ends the form",
    **SMS_CODES,
}

WARNING_CODES = {**SMS_WARNINGS}
"""Warnings: the chain works as it is, but something costs more than it should (a template longer than one
SMS). :func:`lint_chain` does not report them; :func:`chain_warnings` does."""

PLACEHOLDERS = frozenset({"receipt", "step", "due", "reason", "label", "days"})
"""What an SMS template may use: the store fills {receipt}; the engine the rest ({days}, the working days
overdue, only in the escalation template)."""


def _problem(path: str, step: str | None, code: str, **values: Any) -> Problem:
    return Problem(code, path, step, CODES[code].format(**values), {k: str(v) for k, v in values.items()})


def decode_chain(data: bytes | str, *, source: str = "<chain>") -> Chain:
    """Decode one chain file, naming ``source`` and the JSON path in any error.

    Raises:
        DefinitionError: not JSON, or not in the chain format.
    """
    try:
        return msgspec.json.decode(data, type=Chain)
    except msgspec.DecodeError as error:
        raise DefinitionError(f"{source}: {error}") from None


def _shown(label: Label) -> str:
    """The Chinese text of ``label`` without surrounding blanks; ``""`` when there is none."""
    text = label if isinstance(label, str) else label.get("zh", "")
    return text.strip()


def _public_names(chain: Chain, path: str) -> Iterator[Problem]:
    """Every step has a farmer-facing name, and no two steps share one."""
    first: dict[str, str] = {}
    for step in chain.steps:
        name = _shown(step.public_name)
        if not name:
            yield _problem(path, step.id, "C020")
        elif name in first:
            yield _problem(path, step.id, "C021", detail=name, name=first[name])
        else:
            first[name] = step.id


def _steps(chain: Chain, path: str, forms: Mapping[str, FormDef]) -> Iterator[Problem]:
    seen: set[str] = set()
    last = len(chain.steps) - 1
    for position, step in enumerate(chain.steps):
        if step.id in seen:
            yield _problem(path, step.id, "C002", detail=step.id)
        seen.add(step.id)
        actions = set(step.actions)
        if position < last and not actions & ADVANCING:
            detail = f"no action moves on from this step: allow one of {sorted(ADVANCING)}"
            yield _problem(path, step.id, "C003", detail=detail, why="no_advance")
        if position == last and not actions & FINISHING:
            detail = f"the last step must be able to finish the chain: allow one of {sorted(FINISHING)}"
            yield _problem(path, step.id, "C003", detail=detail, why="no_finish")
        if position == 0 and "return" in actions:
            yield _problem(
                path, step.id, "C003", detail="the first step has no step to return to", why="first_return"
            )
        if "relief" in actions:
            detail = "relief is not a step action: list the roles in green_channel.relief_roles"
            yield _problem(path, step.id, "C003", detail=detail, why="relief")
        if step.form is not None and step.form not in forms:
            yield _problem(path, step.id, "C004", detail=step.form)
        for notification in step.notify:
            if notification.template not in chain.sms:
                yield _problem(path, step.id, "C005", detail=notification.template)
            allowed = notification.on == "enter" or notification.on in actions
            if notification.on == "appeal":
                allowed = step is appeal_step(chain)
            if not allowed:
                yield _problem(path, step.id, "C011", detail=notification.on)
        total = chain.deadline.working_days
        if step.deadline.start == "submission" and step.deadline.working_days > total:
            yield _problem(path, step.id, "C010", detail=step.deadline.working_days, total=total)


def _templates(chain: Chain, path: str) -> Iterator[Problem]:
    known = ", ".join(sorted(PLACEHOLDERS))
    for template_id, text in chain.sms.items():
        try:
            names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
        except ValueError as error:
            yield _problem(path, None, "C008", detail=template_id, name=error, known=known)
            continue
        for name in names:
            if name not in PLACEHOLDERS:
                yield _problem(path, None, "C008", detail=template_id, name=name, known=known)
        escalation = chain.reminders.escalate if chain.reminders else None
        if "days" in names and template_id != escalation:
            yield _problem(path, None, "C015", detail=template_id)


def _reminders(chain: Chain, path: str) -> Iterator[Problem]:
    if chain.reminders is None:
        return
    for field in ("remind", "escalate"):
        template = getattr(chain.reminders, field)
        if template is not None and template not in chain.sms:
            yield _problem(path, None, "C014", detail=template, field=field)


def _appeals(chain: Chain, path: str) -> Iterator[Problem]:
    if chain.appeal_role is None:
        if chain.appeal_days is not None:
            yield _problem(path, None, "C019")
        return
    if chain.appeal_days is None:
        yield _problem(path, None, "C017")
    step = appeal_step(chain)
    if step is None:
        yield _problem(path, None, "C016", detail=chain.appeal_role)
    elif not any(note.on == "appeal" and note.to == "handler" for note in step.notify):
        yield _problem(path, step.id, "C018", detail=step.id)


def _green(chain: Chain, path: str, users: list[FormDef]) -> Iterator[Problem]:
    if chain.green_channel is None:
        return
    roles = {step.role for step in chain.steps}
    for role in chain.green_channel.relief_roles:
        if role not in roles:
            yield _problem(path, None, "C013", detail=role)
    try:
        rule = compile_expression(chain.green_channel.when)
    except ExpressionError as error:
        yield _problem(path, None, "C006", detail=error)
        return
    for form in users:
        questions = {question.id for question in form.questions()}
        for name in sorted(rule.reads - questions):
            yield _problem(path, None, "C007", detail=name, forms=f"form {form.id}")


def lint_chain(chain: Chain, path: str, forms: Mapping[str, FormDef]) -> list[Problem]:
    """Every problem in one decoded chain, given the forms of its pack by id."""
    users = [form for form in forms.values() if form.chain == chain.id]
    problems = [
        *_steps(chain, path, forms),
        *_public_names(chain, path),
        *_templates(chain, path),
        *sms_problems(chain, path),
        *_reminders(chain, path),
        *_appeals(chain, path),
        *_green(chain, path, users),
    ]
    if Path(path).suffix == ".json" and Path(path).stem != chain.id:
        problems.append(_problem(path, None, "C012", detail=chain.id))
    return problems


def chain_warnings(chain: Chain, path: str, *, sign: str = "") -> list[Problem]:
    """The warnings of one decoded chain (:data:`WARNING_CODES`): templates longer than one SMS as sent.

    Args:
        chain: the chain.
        path: its file, as the warnings name it.
        sign: the sign the messages go out with; ``""``: the one each template begins with.
    """
    return sms_warnings(chain, path, sign=sign)


def routing_problems(form: FormDef, path: str, chain: Chain) -> Iterator[Problem]:
    """The form's first region question routes its applications (the store keeps its answer as the
    application's region): it must be answered on every stored application, and reach the level of the
    chain's deepest step, or that step's handlers never see a case."""
    questions = form.questions()
    router = next((question for question in questions if isinstance(question, Region)), None)
    deepest = max(chain.steps, key=lambda step: LEVELS.index(_level(step.role)))  # the first of the deepest
    level = _level(deepest.role)
    if router is None:
        yield _problem(path, None, "C023", detail=form.id, chain=chain.id, level=level)
        return
    why = _unanswered_when(form, router)
    if why:
        yield _problem(path, router.id, "C024", detail=router.id, why=why)
    if LEVELS.index(level) > LEVELS.index(router.depth):
        yield _problem(
            path,
            router.id,
            "C022",
            detail=router.id,
            depth=router.depth,
            at=deepest.id,
            chain=chain.id,
            level=level,
        )


def _level(role: str) -> Level:
    # a decoded chain's roles all match the role pattern; one built in code and never decoded counts as the top
    return role_level(role) or "province"


def _unanswered_when(form: FormDef, router: Region) -> str:
    """Why an application could be stored without an answer to ``router`` ("" when it cannot)."""
    if not router.required:
        return "it is optional"
    if router.visible_if:
        try:
            return f"it is shown only when {rule_source(router.visible_if, form)}"
        except ExpressionError:
            return "it is shown only under a display rule"
    questions = form.questions()
    position = {question.id: index for index, question in enumerate(questions)}
    outcomes = {outcome.id: outcome for outcome in form.outcomes}
    for question in questions[: position[router.id]]:
        for jump in question.jumps:
            outcome = outcomes.get(jump.to)
            if outcome is None or outcome.kind != "flagged":
                continue  # a blocked outcome stores nothing; an unknown one is the form linter's E007
            resume = position.get(outcome.resume_at) if outcome.resume_at else None
            if resume is None or resume > position[router.id]:
                return f"the jump of {question.id} to {outcome.id} skips it"
    return ""


def chain_files(root: Path) -> list[Path]:
    """The chain files below ``root``: every ``chains/*.json`` of every pack, or ``root`` itself."""
    if root.is_file():
        return [root] if root.parent.name == "chains" else []
    return sorted(root.glob("**/chains/*.json"))


def _pack_forms(pack: Path) -> dict[str, tuple[Path, FormDef]]:
    """The pack's forms by id, each with its file: the farmer's (``forms/``) and the steps' (``chains/forms/``)."""
    return {**loadable_forms(pack / "chains" / "forms"), **loadable_forms(pack / "forms")}


def pack_chains(pack: Path) -> dict[str, Chain | None]:
    """The pack's chains by id, decoded but not linted (``None`` for a file that does not decode)."""
    chains: dict[str, Chain | None] = {}
    for file in chain_files(pack):
        try:
            chain = decode_chain(file.read_bytes(), source=str(file))
        except DefinitionError:
            chains[file.stem] = None
            continue
        chains[chain.id] = chain
    return chains


def lint_chains(root: Path) -> tuple[list[Path], list[Problem]]:
    """Lint every chain file at or below ``root``, and every form's ``chain``; return files and problems.

    A form's chain is checked against the form too: the question that routes its applications (C022-C024).
    ``root`` may be one form file of a pack's ``forms/``: its pack's chains are then read for it, not linted.
    """
    files = chain_files(root)
    packs = sorted({file.parent.parent for file in files} | set(_form_packs(root)))
    problems: list[Problem] = []
    for pack in packs:
        forms = _pack_forms(pack)
        chains: dict[str, Chain | None] = {}
        for file in (file for file in files if file.parent.parent == pack):
            try:
                chain = decode_chain(file.read_bytes(), source=str(file))
            except DefinitionError as error:
                problems.append(_problem(str(file), None, "C001", detail=str(error).split(": ", 1)[-1]))
                chains[file.stem] = None  # reported once, as C001, not again for every form using it
                continue
            chains[chain.id] = chain
            problems += lint_chain(chain, str(file), {id: form for id, (_, form) in forms.items()})
        if root.is_file() and root.parent.name == "chains":
            continue  # one chain file: the pack's other chains were not read
        if root.is_file():  # one form file
            chains = pack_chains(pack)
            forms = {id: each for id, each in forms.items() if each[0].resolve() == root.resolve()}
        for file, form in forms.values():
            problems += form_chain_problems(form, str(file), chains, pack=str(pack))
    return files, problems


def form_chain_problems(
    form: FormDef, path: str, chains: Mapping[str, Chain | None], *, pack: str | None = None
) -> list[Problem]:
    """A form checked against its chain: the chain exists (C009), and it routes (C022-C024).

    Args:
        form: the form (one without a chain has nothing to check).
        path: the form's file, as the routing problems name it.
        chains: the chains the form may use, by id (``None`` for one that did not decode: reported already).
        pack: where a missing chain is named (the pack's folder); ``path`` when not given.
    """
    if form.chain is None:
        return []
    if form.chain not in chains:
        return [_problem(pack or path, None, "C009", detail=form.id, name=form.chain)]
    used = chains[form.chain]
    return list(routing_problems(form, path, used)) if used is not None else []


def _form_packs(root: Path) -> list[Path]:
    if root.is_file():
        in_forms = root.parent.name == "forms" and root.parent.parent.name != "chains"
        return [root.parent.parent] if in_forms and root.suffix == ".json" else []
    return [folder.parent for folder in root.glob("**/forms") if folder.parent.name != "chains"]


def lint_all(
    root: Path, *, widgets: Mapping[str, str | None] | None = None
) -> tuple[list[Path], list[Problem]]:
    """Forms and chains at or below ``root`` (a folder, a form file or a chain file): what ``shenbao lint`` runs;
    ``widgets``: the installed widgets the forms' questions may name, with the question type each draws."""
    if root.is_file() and root.parent.name == "chains":
        return lint_chains(root)
    form_files, form_problems = lint_path(root, widgets=widgets)
    chains, chain_problems = lint_chains(root)
    return [*form_files, *chains], [*form_problems, *chain_problems]
