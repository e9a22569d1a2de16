"""Province packs: the folders under ``form_defs/`` with a province's forms (and, later, chains and holidays)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from shenbao.forms import CompiledForm, compile_form, load_form
from shenbao.forms.lint import lint_form
from shenbao.forms.values import Cleaner
from shenbao.paths import form_defs_dir
from shenbao.workflow.calendar import WorkingCalendar, YearOverride, load_calendar
from shenbao.workflow.lint import decode_chain, form_chain_problems
from shenbao.workflow.model import Chain

__all__ = [
    "FARMER_FORMS",
    "STEP_FORMS",
    "ChainRegistry",
    "FormRegistry",
    "PackChain",
    "PackError",
    "PackForms",
    "check_routing",
]

FARMER_FORMS = "forms"
"""A pack's folder of the forms farmers fill."""
STEP_FORMS = "chains/forms"
"""A pack's folder of the forms staff fill at a chain's step (the household check)."""


class PackError(RuntimeError):
    """A pack is missing or one of its forms does not lint clean; the message lists every problem."""


class FormRegistry:
    """The published forms, compiled once at start-up and looked up by id."""

    def __init__(self, forms: Iterable[CompiledForm]) -> None:
        self._forms = {form.id: form for form in forms}

    @classmethod
    def from_packs(
        cls,
        packs: Iterable[str],
        root: Path | None = None,
        *,
        cleaners: Mapping[str, Cleaner] | None = None,
        folder: str = FARMER_FORMS,
    ) -> FormRegistry:
        """Load, lint and compile every form of the named packs (folders of ``form_defs/``).

        Args:
            packs: the pack folders' names.
            root: where the packs are (``form_defs/`` by default).
            cleaners: the installed widgets' answer cleaners.
            folder: ``forms`` for the farmer's forms; ``chains/forms`` for the forms staff fill at a step.

        Raises:
            PackError: a pack folder is missing, or a form has lint errors (run ``shenbao lint`` to see them).
        """
        root = root or form_defs_dir()
        return cls(form for pack in packs for form in _compiled(root, pack, folder, cleaners))

    def get(self, form_id: str) -> CompiledForm | None:
        return self._forms.get(form_id)

    def __iter__(self) -> Iterator[CompiledForm]:
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._forms)


def _compiled(
    root: Path,
    pack: str,
    folder: str,
    cleaners: Mapping[str, Cleaner] | None,
    widgets: Mapping[str, str | None] | None = None,
) -> list[CompiledForm]:
    """Each form of ``<root>/<pack>/<folder>``, linted and compiled (a pack without step forms has none)."""
    found = root / pack / folder
    if not found.is_dir():
        if folder != FARMER_FORMS:
            return []
        raise PackError(f"pack {pack!r} not found: expected form definitions in {found}")
    forms: list[CompiledForm] = []
    for path in sorted(found.glob("*.json")):
        definition = load_form(path)
        problems = lint_form(definition, str(path), widgets=widgets)
        if problems:
            raise PackError("\n".join(map(str, problems)))
        forms.append(compile_form(definition, cleaners=cleaners))
    return forms


class PackForms(NamedTuple):
    """The packs' forms, each compiled once: the farmer's forms and the forms staff fill at a chain's step."""

    forms: FormRegistry
    step_forms: FormRegistry

    @classmethod
    def from_packs(
        cls,
        packs: Iterable[str],
        root: Path | None = None,
        *,
        cleaners: Mapping[str, Cleaner] | None = None,
        widgets: Mapping[str, str | None] | None = None,
    ) -> PackForms:
        """Load, lint and compile each pack's ``forms/`` and ``chains/forms/`` in one pass over the packs.

        ``widgets`` (each installed widget and the question type it draws) checks the questions' own widgets.

        Raises:
            PackError: as :meth:`FormRegistry.from_packs`.
        """
        root = root or form_defs_dir()
        forms: list[CompiledForm] = []
        step_forms: list[CompiledForm] = []
        for pack in packs:
            forms += _compiled(root, pack, FARMER_FORMS, cleaners, widgets)
            step_forms += _compiled(root, pack, STEP_FORMS, cleaners, widgets)
        return cls(forms=FormRegistry(forms), step_forms=FormRegistry(step_forms))


class PackChain(NamedTuple):
    """A chain with the working-day calendar of its pack (chinesecalendar, its ``holidays.json``, the saved years)."""

    chain: Chain
    calendar: WorkingCalendar


class ChainRegistry:
    """The packs' approval chains by id, each with its pack's working-day calendar.

    The chains are loaded once at start-up. A pack's calendar is chinesecalendar, then the pack's ``holidays.json``,
    then the years its admins saved (:meth:`use_years`, e.g. 2027 once the State Council publishes it): installing
    them swaps in a new calendar for every chain of the pack at once, and the next :meth:`get` sees it.
    """

    def __init__(
        self,
        chains: Mapping[str, tuple[Chain, WorkingCalendar]] | None = None,
        *,
        packs: Mapping[str, str] | None = None,
    ) -> None:
        """Hold ``chains`` (by id, each with its calendar).

        Args:
            chains: each chain and the calendar of its pack's files.
            packs: each chain's pack (a folder of ``form_defs/``); a chain not named is a pack of its own (its id).
        """
        self._chains: dict[str, Chain] = {}
        self._pack_of: dict[str, str] = {}
        self._files: dict[str, WorkingCalendar] = {}
        for chain_id, (chain, calendar) in (chains or {}).items():
            pack = (packs or {}).get(chain_id, chain_id)
            self._chains[chain_id] = chain
            self._pack_of[chain_id] = pack
            self._files.setdefault(pack, calendar)
        self._calendars: dict[str, WorkingCalendar] = dict(self._files)
        self._saved: dict[str, dict[int, YearOverride]] = {pack: {} for pack in self._files}
        self.generation = -1
        """The catalog generation the saved years were loaded at (-1: not loaded yet)."""

    @classmethod
    def from_packs(cls, packs: Iterable[str], root: Path | None = None) -> ChainRegistry:
        """Decode every ``chains/*.json`` of the named packs, with the pack's ``holidays.json`` (if any).

        Raises:
            DefinitionError: a chain file is not in the chain format (``shenbao lint`` tells more).
            CalendarError: a ``holidays.json`` is malformed.
        """
        root = root or form_defs_dir()
        chains: dict[str, tuple[Chain, WorkingCalendar]] = {}
        pack_of: dict[str, str] = {}
        for pack in packs:
            holidays = root / pack / "holidays.json"
            calendar = load_calendar(holidays if holidays.is_file() else None)
            for path in sorted((root / pack / "chains").glob("*.json")):
                chain = decode_chain(path.read_bytes(), source=str(path))
                chains[chain.id] = (chain, calendar)
                pack_of[chain.id] = pack
        return cls(chains, packs=pack_of)

    def get(self, chain_id: str) -> PackChain | None:
        """The chain called ``chain_id`` and its pack's calendar as it is now, or ``None``."""
        chain = self._chains.get(chain_id)
        if chain is None:
            return None
        return PackChain(chain, self._calendars[self._pack_of[chain_id]])

    def __iter__(self) -> Iterator[Chain]:
        """Every chain."""
        return iter(self._chains.values())

    def packs(self) -> list[str]:
        """The packs that have chains, in the order they were loaded."""
        return list(self._files)

    def pack_of(self, chain_id: str) -> str | None:
        """The pack of chain ``chain_id``, or ``None`` for a chain not loaded."""
        return self._pack_of.get(chain_id)

    def calendar(self, pack: str) -> WorkingCalendar:
        """The pack's calendar as it is now (its files and its saved years).

        Raises:
            KeyError: no chain of this pack is loaded.
        """
        return self._calendars[pack]

    def file_years(self, pack: str) -> dict[int, YearOverride]:
        """The years the pack's ``holidays.json`` adds to chinesecalendar."""
        return self._files[pack].years

    def saved_years(self, pack: str) -> dict[int, YearOverride]:
        """The years saved by the pack's admins that are installed now."""
        return dict(self._saved[pack])

    def use_years(self, pack: str, years: Mapping[int, YearOverride]) -> None:
        """Install the pack's saved years (all of them: a year left out is no longer saved) over its files' calendar.

        Raises:
            KeyError: no chain of this pack is loaded.
            CalendarError: a day is listed under another year.
        """
        calendar = self._files[pack].with_years(years)
        self._saved[pack] = dict(years)
        self._calendars[pack] = calendar


def check_routing(forms: FormRegistry, chains: ChainRegistry) -> None:
    """Refuse to serve a form whose applications would reach no handler.

    The same check as ``shenbao lint`` (C009, C022-C024): the form's chain exists, and the region question
    that routes the form's applications is always answered and goes as deep as the chain's deepest step.

    Raises:
        PackError: listing every such problem.
    """
    known: dict[str, Chain | None] = {chain.id: chain for chain in chains}
    problems = [problem for form in forms for problem in form_chain_problems(form.definition, form.id, known)]
    if problems:
        raise PackError("\n".join(map(str, problems)))
