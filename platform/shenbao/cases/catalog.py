"""The published forms every process serves, kept in step with the database.

The database holds every published version (``published_version``) and which one farmers get
(``published_current``). At
start, :func:`sync_pack_versions` records each pack file's version there (once; a file whose version was
published with other content is refused). A process then serves from its :class:`~shenbao.packs.FormRegistry`
and :class:`Catalog` brings that up to date: at most once a second, on the next request, it reads the versions
stored since its last look (the table is append-only) and the current map (one row per form). A publication in
this process is served at once; in every other process within a second.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

from shenbao.cases.holidays import refresh_holiday_years
from shenbao.forms.model import text_of
from shenbao.packs import ChainRegistry, FormRegistry, PackError, PackForms
from shenbao.store import Database
from shenbao.store import versions as stored
from shenbao.store.catalog import bump_generation, generation

__all__ = ["Catalog", "sync_pack_versions"]

log = logging.getLogger("shenbao.cases.catalog")

REFRESH_SECONDS = 1.0
"""How stale a process's view of the published versions may be (another process's publication shows within it)."""


class Catalog:
    """Brings a process's forms and working-day calendars up to date with what is published in the database.

    Every change of published data bumps the catalog's generation in its own transaction; a look that finds the
    generation it saw last costs one one-row read.
    """

    def __init__(
        self,
        database: Database,
        forms: FormRegistry,
        chains: ChainRegistry | None = None,
        *,
        every: float = REFRESH_SECONDS,
        pack_of: Callable[[stored.VersionRecord], str | None] | None = None,
    ) -> None:
        self._database = database
        self._pack_of = pack_of
        """Which served pack a form version belongs to (its widgets compile it)."""
        self._forms = forms
        self._chains = chains
        self._every = every
        self._last_row = 0
        self._generation: int | None = None
        self._checked = float("-inf")

    async def refresh(self) -> None:
        """Look now: when the generation moved, read the versions stored since the last look, the current map and
        (when they changed) the saved holiday years."""
        self._checked = time.monotonic()
        seen = await generation(
            self._database
        )  # read first: a change made while loading shows at the next look
        if seen == self._generation:
            return
        for record in await stored.versions_since(self._database, self._last_row):
            if record.kind == "form":
                pack = self._pack_of(record) if self._pack_of is not None else None
                self._forms.add(record.item_id, record.version, record.definition, pack=pack)
            elif self._chains is not None:
                self._chains.add(record.item_id, record.version, record.definition)
            self._last_row = max(self._last_row, record.row)
        self._forms.use(await stored.current_versions(self._database))
        if self._chains is not None:
            self._chains.use(await stored.current_versions(self._database, kind="chain"))
        if self._chains is not None:
            await refresh_holiday_years(self._database, self._forms, self._chains)
        self._generation = seen

    async def fresh(self) -> None:
        """:meth:`refresh` when the last look is older than a second (every request calls this).

        A look that fails (the database away for a moment) is logged and tried again a second later; the request goes
        on with what this process serves already, as a page that needs no database would.
        """
        if time.monotonic() - self._checked < self._every:
            return
        try:
            await self.refresh()
        except Exception as error:  # any driver's failure: the look is only an optimisation of freshness
            log.warning("could not look for new publications (serving what is known): %s", error)


class _FileVersion(NamedTuple):
    """One pack file's form or chain, as its version is to be published."""

    kind: stored.Kind
    item_id: str
    version: int
    title: str
    raw: dict[str, Any]
    pack: str


async def sync_pack_versions(
    database: Database, packs: PackForms, chains: ChainRegistry | None = None, *, now: datetime | None = None
) -> None:
    """Record each pack file's form (and chain) version as published, once; a file newer than the version served
    becomes it.

    Safe with several processes starting at once: each statement is conditional, and a lost race is read again.

    Raises:
        PackError: a file's version was already published with other content (a published version never
            changes: the file must take the next number).
    """
    now = now or datetime.now(UTC)
    files = [
        _FileVersion("form", form.id, form.version, form.title(), raw, packs.pack_of.get(form.id, ""))
        for form in packs.forms
        if (raw := packs.files.get(form.id)) is not None
    ]
    if chains is not None:
        files += [
            _FileVersion(
                "chain", chain.id, chain.version, text_of(chain.title), raw, chains.pack_of(chain.id) or ""
            )
            for chain in chains
            if (raw := chains.raw.get(chain.id)) is not None
        ]
    for file in files:
        async with database.transaction():
            await _sync_one(database, file, now)


async def _sync_one(database: Database, file: _FileVersion, now: datetime) -> None:
    kind, item_id, version, pack = file.kind, file.item_id, file.version, file.pack
    stored_now = await stored.store_version(
        database, kind=kind, item_id=item_id, version=version, definition=file.raw, title=file.title,
        source=f"pack:{pack}", owner_region="", staff=None, reason=f"{pack} 包的文件", now=now,
    )  # fmt: skip
    found = await stored.version_record(database, item_id, version, kind=kind)
    if found is None or found.digest != stored.definition_digest(file.raw):
        free = await stored.next_version(database, item_id, kind=kind)
        raise PackError(
            f"{kind} {item_id}: version {version} in pack {pack!r} differs from the version {version} published "
            f"{found.at:%Y-%m-%d} ({found.source or found.username}); a published version never changes: give the "
            f"file the next free version number ({free})"
            if found
            else f"{kind} {item_id}: version {version} could not be stored"
        )
    if not stored_now:  # known already: an admin may have published or rolled back since; leave that be
        return
    current = await stored.current_version(database, item_id, kind=kind, for_update=True)
    if current is not None and current >= version:
        return
    if await stored.move_current(database, item_id, kind=kind, expected=current, version=version, now=now):
        await bump_generation(database)
        await stored.record_publication(
            database, kind=kind, item_id=item_id, version=version, previous=current, action="pack", staff=None,
            reason=f"{pack} 包的文件", now=now,
        )  # fmt: skip
        log.info("%s %s: version %d of pack %s is served", kind, item_id, version, pack)
