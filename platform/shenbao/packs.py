"""Province packs: the folders under ``form_defs/`` with a province's forms (and, later, chains and holidays)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from shenbao.forms import CompiledForm, compile_form
from shenbao.forms.lint import lint_form
from shenbao.forms.loader import decode_form
from shenbao.forms.model import FormDef
from shenbao.forms.values import Cleaner
from shenbao.pack_manifest import manifests, packs_problems
from shenbao.paths import form_defs_dir
from shenbao.workflow.calendar import WorkingCalendar, YearOverride, load_calendar
from shenbao.workflow.lint import decode_chain, form_chain_problems
from shenbao.workflow.model import Chain

if TYPE_CHECKING:
    from shenbao.pack_runtime import Packs

__all__ = [
    "FARMER_FORMS",
    "STEP_FORMS",
    "ChainRegistry",
    "FormRegistry",
    "PackChain",
    "PackError",
    "PackForms",
    "check_packs",
    "check_routing",
]

FARMER_FORMS = "forms"
"""A pack's folder of the forms farmers fill."""
STEP_FORMS = "chains/forms"
"""A pack's folder of the forms staff fill at a chain's step (the household check)."""


class PackError(RuntimeError):
    """A pack is missing, its ``pack.json`` is missing or wrong, two packs claim one id, or one of its forms
    does not lint clean; the message lists every problem."""


def check_packs(packs: Iterable[str], root: Path | None = None) -> None:
    """Refuse packs whose ``pack.json`` is missing or wrong, whose divisions lie outside their province, or
    that claim a form id or chain id another of them claims (``shenbao lint``'s P001-P006).

    Raises:
        PackError: listing every such problem.
    """
    problems = packs_problems(packs, root or form_defs_dir())
    if problems:
        raise PackError("\n".join(map(str, problems)))


class FormRegistry:
    """The forms farmers get, by id, and every published version of each, compiled once when first needed.

    Built from the packs at start-up; publishing (:mod:`shenbao.cases.publishing`) adds versions and moves which one
    is current. A version never changes once published, so a compiled version is kept for good; only the map of
    current versions moves, and every process reloads it from the database (:mod:`shenbao.cases.catalog`).
    """

    def __init__(
        self,
        forms: Iterable[CompiledForm],
        *,
        cleaners: Mapping[str, Cleaner] | None = None,
        pack_of: Mapping[str, str] | None = None,
        cleaners_of: Callable[[str | None], Mapping[str, Cleaner]] | None = None,
    ) -> None:
        self._cleaners = cleaners
        self._cleaners_of = cleaners_of
        self._pack_of: dict[str, str] = dict(pack_of or {})
        self._compiled: dict[tuple[str, int], CompiledForm] = {}
        self._stored: dict[tuple[str, int], dict[str, Any]] = {}
        self._current: dict[str, int] = {}
        for form in forms:
            self._compiled[form.id, form.version] = form
            self._current[form.id] = form.version

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
            PackError: a pack folder is missing, a form has lint errors (run ``shenbao lint`` to see them), or as
                :func:`check_packs`.
        """
        root = root or form_defs_dir()
        packs = list(packs)
        check_packs(packs, root)
        found = (form for pack in packs for form in _compiled(root, pack, folder, cleaners))
        return cls(found, cleaners=cleaners)

    def get(self, form_id: str) -> CompiledForm | None:
        """The version of ``form_id`` farmers get now, or ``None``."""
        version = self._current.get(form_id)
        return None if version is None else self.version(form_id, version)

    def version(self, form_id: str, version: int) -> CompiledForm | None:
        """Version ``version`` of ``form_id`` as it was published, or ``None`` when this process does not know it."""
        key = (form_id, version)
        found = self._compiled.get(key)
        if found is None and key in self._stored:
            definition = msgspec.convert(self._stored.pop(key), FormDef)
            found = self._compiled[key] = compile_form(definition, cleaners=self.cleaners_for(form_id))
        return found

    def pack_of(self, form_id: str) -> str | None:
        """The pack ``form_id`` belongs to (its file's, or the one its publication was assigned), if known."""
        return self._pack_of.get(form_id)

    def cleaners_for(self, form_id: str) -> Mapping[str, Cleaner] | None:
        """The answer cleaners a version of ``form_id`` is compiled with: its pack's widgets'."""
        if self._cleaners_of is not None:
            return self._cleaners_of(self._pack_of.get(form_id))
        return self._cleaners

    def of(self, form_id: str, version: int) -> CompiledForm | None:
        """The version an application or a draft was filled on; the current one if that version is unknown here
        (an application stored before versions were kept, of a file changed in place)."""
        return self.version(form_id, version) or self.get(form_id)

    def knows(self, form_id: str, version: int) -> bool:
        """Whether version ``version`` of ``form_id`` is known here."""
        return (form_id, version) in self._compiled or (form_id, version) in self._stored

    def add(
        self, form_id: str, version: int, definition: Mapping[str, Any], *, pack: str | None = None
    ) -> None:
        """Know a published version (compiled when first asked for, with ``pack``'s widgets); a version already
        known stays as it is, and a form keeps the pack it was first known in."""
        if pack and form_id not in self._pack_of:
            self._pack_of[form_id] = pack
        if not self.knows(form_id, version):
            self._stored[form_id, version] = dict(definition)

    def use(self, current: Mapping[str, int]) -> None:
        """Serve these versions (by form id) to farmers from now on; a form not named keeps its current version."""
        self._current.update({form_id: v for form_id, v in current.items() if self.knows(form_id, v)})

    def current(self) -> dict[str, int]:
        """The version farmers get, by form id."""
        return dict(self._current)

    def all_versions(self) -> list[CompiledForm]:
        """Every version of every form this process knows, compiled (an export reads applications of any)."""
        keys = sorted({*self._compiled, *self._stored})
        return [found for key in keys if (found := self.version(*key)) is not None]

    def __iter__(self) -> Iterator[CompiledForm]:
        """The current version of every form."""
        return (form for form in map(self.get, list(self._current)) if form is not None)

    def __len__(self) -> int:
        return len(self._current)


def _compiled(
    root: Path,
    pack: str,
    folder: str,
    cleaners: Mapping[str, Cleaner] | None,
    widgets: Mapping[str, str | None] | None = None,
    files: dict[str, dict[str, Any]] | None = None,
) -> list[CompiledForm]:
    """Each form of ``<root>/<pack>/<folder>``, linted and compiled (a pack without step forms has none); with
    ``files``, each form's file as JSON is kept there by form id (what a published version is compared with)."""
    found = root / pack / folder
    if not found.is_dir():
        if folder != FARMER_FORMS:
            return []
        raise PackError(f"pack {pack!r} not found: expected form definitions in {found}")
    forms: list[CompiledForm] = []
    for path in sorted(found.glob("*.json")):
        data = path.read_bytes()
        definition = decode_form(data, source=str(path))
        if files is not None:
            files[definition.id] = msgspec.json.decode(data)
        problems = lint_form(definition, str(path), widgets=widgets)
        if problems:
            raise PackError("\n".join(map(str, problems)))
        forms.append(compile_form(definition, cleaners=cleaners))
    return forms


class PackForms(NamedTuple):
    """The packs' forms, each compiled once: the farmer's forms and the forms staff fill at a chain's step."""

    forms: FormRegistry
    step_forms: FormRegistry
    pack_of: Mapping[str, str] = {}
    """The pack each farmer's form came from, by form id."""
    files: Mapping[str, dict[str, Any]] = {}
    """Each farmer's form as its file holds it (JSON), by form id: what a published version is compared with."""

    @classmethod
    def from_packs(
        cls,
        packs: Iterable[str],
        root: Path | None = None,
        *,
        cleaners: Mapping[str, Cleaner] | None = None,
        widgets: Mapping[str, str | None] | None = None,
        served: Packs | None = None,
    ) -> PackForms:
        """Load, lint and compile each pack's ``forms/`` and ``chains/forms/`` in one pass over the packs.

        ``widgets`` (each installed widget and the question type it draws) checks the questions' own widgets.
        With ``served`` (the application's packs), each pack's forms are checked against and compiled with that
        pack's own widgets instead, and versions published later are compiled with their pack's.

        Raises:
            PackError: as :meth:`FormRegistry.from_packs`.
        """
        root = root or form_defs_dir()
        packs = list(packs)
        check_packs(packs, root)
        forms: list[CompiledForm] = []
        step_forms: list[CompiledForm] = []
        pack_of: dict[str, str] = {}
        step_pack_of: dict[str, str] = {}
        files: dict[str, dict[str, Any]] = {}
        for pack in packs:
            own = served.get(pack) if served is not None else None
            pack_cleaners = own.widgets.cleaners() if own is not None else cleaners
            drawn = own.drawn() if own is not None else widgets
            found = _compiled(root, pack, FARMER_FORMS, pack_cleaners, drawn, files)
            pack_of.update((form.id, pack) for form in found)
            forms += found
            steps = _compiled(root, pack, STEP_FORMS, pack_cleaners, drawn)
            step_pack_of.update((form.id, pack) for form in steps)
            step_forms += steps
        cleaners_of = served.cleaners_of if served is not None else None
        return cls(
            forms=FormRegistry(forms, cleaners=cleaners, pack_of=pack_of, cleaners_of=cleaners_of),
            step_forms=FormRegistry(
                step_forms, cleaners=cleaners, pack_of=step_pack_of, cleaners_of=cleaners_of
            ),
            pack_of=pack_of,
            files=files,
        )


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
        provinces: Mapping[str, str] | None = None,
    ) -> None:
        """Hold ``chains`` (by id, each with its calendar).

        Args:
            chains: each chain and the calendar of its pack's files.
            packs: each chain's pack (a folder of ``form_defs/``); a chain not named is a pack of its own (its id).
            provinces: each pack's province (its ``pack.json``'s 2-digit code), whose admins keep its chains.
        """
        self._chains: dict[str, Chain] = {}
        self._versions: dict[tuple[str, int], Chain] = {}
        self._pack_of: dict[str, str] = {}
        self._provinces: dict[str, str] = dict(provinces or {})
        self._files: dict[str, WorkingCalendar] = {}
        self.raw: dict[str, dict[str, Any]] = {}
        """Each chain as its pack file holds it (JSON), by id: what a published version is compared with."""
        for chain_id, (chain, calendar) in (chains or {}).items():
            pack = (packs or {}).get(chain_id, chain_id)
            self._chains[chain_id] = chain
            self._versions[chain_id, chain.version] = chain
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
            PackError: as :func:`check_packs`.
            DefinitionError: a chain file is not in the chain format (``shenbao lint`` tells more).
            CalendarError: a ``holidays.json`` is malformed.
        """
        root = root or form_defs_dir()
        packs = list(packs)
        check_packs(packs, root)
        chains: dict[str, tuple[Chain, WorkingCalendar]] = {}
        pack_of: dict[str, str] = {}
        raw: dict[str, dict[str, Any]] = {}
        for pack in packs:
            holidays = root / pack / "holidays.json"
            calendar = load_calendar(holidays if holidays.is_file() else None)
            for path in sorted((root / pack / "chains").glob("*.json")):
                data = path.read_bytes()
                chain = decode_chain(data, source=str(path))
                chains[chain.id] = (chain, calendar)
                pack_of[chain.id] = pack
                raw[chain.id] = msgspec.json.decode(data)
        provinces = {pack: manifest.province for pack, manifest in manifests(packs, root).items()}
        registry = cls(chains, packs=pack_of, provinces=provinces)
        registry.raw = raw
        return registry

    def get(self, chain_id: str) -> PackChain | None:
        """The version of chain ``chain_id`` new cases start on, with its pack's calendar as it is now, or ``None``."""
        chain = self._chains.get(chain_id)
        if chain is None:
            return None
        return PackChain(chain, self._calendars[self._pack_of[chain_id]])

    def of(self, chain_id: str, version: int | None) -> PackChain | None:
        """The version a case started on (it finishes on it), with its pack's calendar; the current one when the
        case predates versions or this process does not know that version."""
        chain = self._versions.get((chain_id, version)) if version is not None else None
        if chain is None:
            return self.get(chain_id)
        return PackChain(chain, self._calendars[self._pack_of[chain_id]])

    def add(self, chain_id: str, version: int, definition: Mapping[str, Any]) -> None:
        """Know a published version of a chain of a loaded pack (a chain of no loaded pack is ignored)."""
        if chain_id in self._pack_of and (chain_id, version) not in self._versions:
            self._versions[chain_id, version] = decode_chain(msgspec.json.encode(definition), source=chain_id)

    def use(self, current: Mapping[str, int]) -> None:
        """Start new cases on these versions (by chain id) from now on."""
        for chain_id, version in current.items():
            if (chain_id, version) in self._versions:
                self._chains[chain_id] = self._versions[chain_id, version]

    def current(self) -> dict[str, int]:
        """The version new cases start on, by chain id."""
        return {chain_id: chain.version for chain_id, chain in self._chains.items()}

    def versions(self) -> Iterator[Chain]:
        """Every version of every chain this process knows (a case may be on any of them)."""
        return iter(self._versions.values())

    def __iter__(self) -> Iterator[Chain]:
        """The current version of every chain."""
        return iter(self._chains.values())

    def packs(self) -> list[str]:
        """The packs that have chains, in the order they were loaded."""
        return list(self._files)

    def pack_of(self, chain_id: str) -> str | None:
        """The pack of chain ``chain_id``, or ``None`` for a chain not loaded."""
        return self._pack_of.get(chain_id)

    def province_of(self, pack: str | None) -> str | None:
        """The province whose admins keep ``pack`` (``None``: a pack without a ``pack.json``, or none at all)."""
        return self._provinces.get(pack) if pack else None

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
