"""Province packs: the folders under ``form_defs/`` with a province's forms; their chains are in
:mod:`shenbao.chain_registry` (re-exported here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import msgspec

from shenbao.chain_registry import ChainRegistry, PackChain
from shenbao.forms import CompiledForm, compile_form
from shenbao.forms.lint import lint_form
from shenbao.forms.loader import decode_form
from shenbao.forms.model import FormDef
from shenbao.forms.values import Cleaner
from shenbao.pack_manifest import PackError, check_packs
from shenbao.paths import form_defs_dir
from shenbao.workflow.lint import form_chain_problems
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
