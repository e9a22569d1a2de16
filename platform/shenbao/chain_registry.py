"""The packs' approval chains by id and version, each with its pack's working-day calendar and province."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import msgspec

from shenbao.pack_manifest import check_packs, manifests
from shenbao.paths import form_defs_dir
from shenbao.workflow.calendar import WorkingCalendar, YearOverride, load_calendar
from shenbao.workflow.lint import decode_chain
from shenbao.workflow.model import Chain

__all__ = ["ChainRegistry", "PackChain"]


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
