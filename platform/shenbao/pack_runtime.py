"""The packs an application serves, each with its own divisions and widgets, owned by the application.

A pack is one folder and one unit (its ``pack.json``, forms, chains, divisions and widgets). Several packs serve side
by side in one process: each :class:`Pack` holds its province's :class:`~shenbao.regions.Divisions` and its own
:class:`~shenbao.widgets.WidgetRegistry` (the platform's widgets and the pack's, their hooks made for the pack), so
a region answer of pack A's form is checked against pack A's divisions and a form never sees another pack's widget.
:class:`Packs` is built by ``ShenbaoPlugin`` at start-up and reached through ``services.packs``; nothing of it
lives in a module global (two applications in one process serve their own packs).

Only code is shared between applications: a widget folder's module is imported once per folder
(:func:`discovered`) and a division file read once (:func:`shenbao.regions.divisions_of`); each pack binds its own
hooks to its own divisions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import chain
from pathlib import Path
from typing import Any

from shenbao.pack_manifest import PackManifest, read_manifest
from shenbao.paths import form_defs_dir, widgets_dir
from shenbao.regions import Divisions, divisions_of, with_provinces
from shenbao.widgets import Cleaned, Widget, WidgetError, WidgetPlace, WidgetRegistry

__all__ = ["Pack", "Packs", "discovered"]

Cleaner = Callable[[Any, Any], Cleaned]


@cache
def discovered(roots: tuple[Path, ...]) -> WidgetRegistry:
    """The widget folders under ``roots``, their modules imported once per process (code, not state); bind the
    registry to a pack (:meth:`WidgetRegistry.bind`) before using its hooks."""
    return WidgetRegistry.discover(root for root in roots if root.is_dir())


@dataclass(frozen=True)
class Pack:
    """One served pack: its folder, ``pack.json``, divisions and widgets (the platform's and its own)."""

    code: str
    folder: Path
    manifest: PackManifest | None
    divisions: Divisions
    widgets: WidgetRegistry
    """The widgets its forms are drawn with: the platform's and the pack's own, hooks made for this pack."""
    own_widgets: frozenset[str] = frozenset()
    """The names of the widgets in the pack's own ``widgets/`` folder."""

    @property
    def province(self) -> str:
        """The province's 2-digit code (``pack.json``'s, else the only province its divisions hold)."""
        return self.manifest.province if self.manifest is not None else self.divisions.default_root()[:2]

    def drawn(self) -> dict[str, str | None]:
        """Each of its widgets and the question type it draws (what the linter and the builder check)."""
        return {widget.name: widget.draws for widget in self.widgets}


class Packs:
    """The packs one application serves, by code, and the look-ups that span them.

    Args:
        packs: the served packs, in ``SHENBAO_PACKS`` order.

    Raises:
        WidgetError: two packs have a widget of the same name (pages share one template namespace).
    """

    def __init__(self, packs: Iterable[Pack] = ()) -> None:
        self._packs = {pack.code: pack for pack in packs}
        owners: dict[str, Pack] = {}
        for pack in self._packs.values():
            for name in sorted(pack.own_widgets):
                other = owners.setdefault(name, pack)
                if other is not pack:
                    raise WidgetError(
                        f"two served packs have a widget named {name!r}: {other.folder / 'widgets' / name} and "
                        f"{pack.folder / 'widgets' / name}; rename one (their templates share one namespace)"
                    )
        served = list(self._packs.values())
        self.divisions = (
            served[0].divisions  # one pack: its own index, not a copy built at every start
            if len(served) == 1
            else Divisions(
                chain.from_iterable(((each.code, each.name) for each in pack.divisions) for pack in served)
            )
        )
        """Every served pack's divisions together: for pages that look up any code (a staff member's region,
        a report's sub-regions). Codes are national, so the packs' provinces never overlap."""
        self.widgets = discovered((widgets_dir(),)).bind(WidgetPlace(self.divisions))
        """The platform's widgets over :attr:`divisions`: for a form that belongs to no served pack."""

    @classmethod
    def load(
        cls,
        codes: Iterable[str],
        root: Path | None = None,
        *,
        imported: Mapping[str, Iterable[tuple[str, str]]] | None = None,
    ) -> Packs:
        """The named packs under ``root`` (``form_defs/`` by default), each with its divisions and widgets.

        Args:
            codes: the packs' folder names.
            root: the folder holding them.
            imported: divisions imported into the database, by province (``shenbao regions import``): each
                replaces the province its pack ships.

        Raises:
            WidgetError: a widget folder is malformed, or two packs have a widget of the same name.
        """
        root = root or form_defs_dir()
        platform = discovered((widgets_dir(),))
        rows = {province: list(found) for province, found in (imported or {}).items()}
        packs: list[Pack] = []
        for code in dict.fromkeys(codes):
            folder = root / code
            read = read_manifest(folder)
            manifest = read if isinstance(read, PackManifest) else None
            divisions = divisions_of(root, (code,))
            provinces = _provinces(divisions, manifest)
            replaced = {province: rows[province] for province in provinces if province in rows}
            if replaced:
                divisions = with_provinces(divisions, replaced)
            own = discovered((folder / "widgets",))
            place = WidgetPlace(divisions, code)
            widgets = WidgetRegistry([*platform.bind(place), *own.bind(place)])
            packs.append(
                Pack(code, folder, manifest, divisions, widgets, frozenset(widget.name for widget in own))
            )
        return cls(packs)

    def provinces(self) -> list[str]:
        """The provinces the packs serve (their ``pack.json``'s and those their division files hold)."""
        return sorted({province for pack in self for province in _provinces(pack.divisions, pack.manifest)})

    def __iter__(self) -> Iterator[Pack]:
        return iter(self._packs.values())

    def __len__(self) -> int:
        return len(self._packs)

    def __contains__(self, code: object) -> bool:
        return code in self._packs

    def __getitem__(self, code: str) -> Pack:
        return self._packs[code]

    def get(self, code: str | None) -> Pack | None:
        """The pack ``code``, or ``None`` when this application does not serve it."""
        return self._packs.get(code) if code else None

    @property
    def codes(self) -> list[str]:
        """The served packs' codes, in order."""
        return list(self._packs)

    def of_region(self, code: str) -> Pack | None:
        """The pack whose province holds the division ``code`` (a staff member's or an owner's region)."""
        return next((pack for pack in self if code[:2] and pack.province == code[:2]), None)

    def pack_of_version(self, source: str, owner_region: str, chain_pack: str | None = None) -> str | None:
        """The pack a published form version belongs to.

        A pack file's version names its pack (``source`` is ``pack:<code>``); a form published from the builder
        belongs to the pack whose province its owner's region lies in, else to its chain's pack, else to the only
        pack served (see :func:`shenbao.cases.pack_files.pack_of_version` for the export's stricter rule).
        """
        if source.startswith("pack:") and source.removeprefix("pack:") in self._packs:
            return source.removeprefix("pack:")
        found = self.of_region(owner_region)
        if found is not None:
            return found.code
        if chain_pack in self._packs:
            return chain_pack
        return self.codes[0] if len(self._packs) == 1 else None

    def sign_of(self, pack: str | None) -> str | None:
        """The SMS sign of ``pack`` (its ``pack.json``'s ``sms_sign``): every message of its chains goes under it."""
        found = self.get(pack)
        return found.manifest.sms_sign if found is not None and found.manifest is not None else None

    def widgets_of(self, pack: str | None) -> WidgetRegistry:
        """The widgets a form of ``pack`` is drawn and checked with (the platform's alone for no served pack)."""
        found = self.get(pack)
        return found.widgets if found is not None else self.widgets

    def divisions_of(self, pack: str | None) -> Divisions:
        """The divisions of ``pack`` (every served pack's for no served pack)."""
        found = self.get(pack)
        return found.divisions if found is not None else self.divisions

    def cleaners_of(self, pack: str | None) -> Mapping[str, Cleaner]:
        """The answer cleaners a form of ``pack`` is compiled with."""
        return self.widgets_of(pack).cleaners()

    def every_widget(self) -> list[Widget]:
        """Each widget once by name, the platform's and every pack's (their templates, assets and routes)."""
        found: dict[str, Widget] = {widget.name: widget for widget in self.widgets}
        for pack in self:
            found.update((widget.name, widget) for widget in pack.widgets if widget.name in pack.own_widgets)
        return list(found.values())

    def widget_folders(self) -> list[Path]:
        """The platform's widget folder and each pack's (the pages' inline scripts are hashed from them)."""
        return [
            widgets_dir(),
            *(pack.folder / "widgets" for pack in self if (pack.folder / "widgets").is_dir()),
        ]


def _provinces(divisions: Divisions, manifest: PackManifest | None) -> set[str]:
    found = {division.code for division in divisions.children("")}
    return found | ({manifest.province} if manifest is not None else set())
