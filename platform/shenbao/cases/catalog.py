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
from datetime import UTC, datetime
from typing import Any

from shenbao.cases.holidays import refresh_holiday_years
from shenbao.forms import CompiledForm
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
    ) -> None:
        self._database = database
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
                self._forms.add(record.item_id, record.version, record.definition)
            self._last_row = max(self._last_row, record.row)
        self._forms.use(await stored.current_versions(self._database))
        if self._chains is not None:
            await refresh_holiday_years(self._database, self._forms, self._chains)
        self._generation = seen

    async def fresh(self) -> None:
        """:meth:`refresh` when the last look is older than a second (every request calls this)."""
        if time.monotonic() - self._checked >= self._every:
            await self.refresh()


async def sync_pack_versions(database: Database, packs: PackForms, *, now: datetime | None = None) -> None:
    """Record each pack file's form version as published, once; a file newer than the current version becomes it.

    Safe with several processes starting at once: each statement is conditional, and a lost race is read again.

    Raises:
        PackError: a file's version was already published with other content (a published version never
            changes: the file must take the next number).
    """
    now = now or datetime.now(UTC)
    for form in packs.forms:
        raw = packs.files.get(form.id)
        if raw is None:
            continue
        pack = packs.pack_of.get(form.id, "")
        async with database.transaction():
            await _sync_one(database, form, raw, pack, now)


async def _sync_one(
    database: Database, form: CompiledForm, raw: dict[str, Any], pack: str, now: datetime
) -> None:
    stored_now = await stored.store_version(
        database, item_id=form.id, version=form.version, definition=raw, title=form.title(),
        source=f"pack:{pack}", owner_region="", staff=None, reason=f"{pack} 包的文件", now=now,
    )  # fmt: skip
    found = await stored.version_record(database, form.id, form.version)
    if found is None or found.digest != stored.definition_digest(raw):
        raise PackError(
            f"form {form.id}: version {form.version} in pack {pack!r} differs from the version {form.version} "
            f"published {found.at:%Y-%m-%d} ({found.source or found.username}); a published version never changes: "
            f"give the file the next free version number ({await stored.next_version(database, form.id)})"
            if found
            else f"form {form.id}: version {form.version} could not be stored"
        )
    if not stored_now:  # known already: an admin may have published or rolled back since; leave that be
        return
    current = await stored.current_version(database, form.id, for_update=True)
    if current is not None and current >= form.version:
        return
    if await stored.move_current(database, form.id, expected=current, version=form.version, now=now):
        await bump_generation(database)
        await stored.record_publication(
            database, item_id=form.id, version=form.version, previous=current, action="pack", staff=None,
            reason=f"{pack} 包的文件", now=now,
        )  # fmt: skip
        log.info("form %s: version %d of pack %s is served", form.id, form.version, pack)
