"""What every request handler needs, built once when the application starts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from shenbao.cases.catalog import Catalog
from shenbao.exports import PackExports
from shenbao.housekeeping import HousekeepingJob
from shenbao.notify.dispatcher import OutboxDispatcher
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.reminders import ReminderJob
from shenbao.pack_runtime import Packs
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.regions import Divisions
from shenbao.settings import Settings
from shenbao.store import Database
from shenbao.web.assets import Assets
from shenbao.web.evaluations import RecentEvaluations
from shenbao.web.pages import FirstVisitPages
from shenbao.web.render import Renderer
from shenbao.widgets import PACK, WidgetRegistry, page_facts

__all__ = ["Services"]


@dataclass
class Services:
    """The platform's long-lived parts, handed to handlers through dependency injection as ``services``."""

    settings: Settings
    forms: FormRegistry
    renderer: Renderer
    database: Database
    base: str
    """The path the platform is mounted at ("" when standalone)."""
    phones: PhoneVerifier
    """Sends and checks phone verification codes."""
    packs: Packs = field(default_factory=Packs)
    """The served packs, each with its own divisions and widgets; ``packs.divisions``: all of them together."""
    first_visit: FirstVisitPages = field(default_factory=FirstVisitPages)
    assets: Assets = field(default_factory=Assets)
    """htmx and the widgets' scripts, read and gzipped once."""
    evaluations: RecentEvaluations = field(default_factory=RecentEvaluations)
    """The drafts evaluated last: a swap's "before" is the farmer's previous swap's "after"."""
    chains: ChainRegistry = field(default_factory=ChainRegistry)
    """The packs' approval chains, each with its working-day calendar (read once at start-up)."""
    step_forms: FormRegistry = field(default_factory=lambda: FormRegistry([]))
    """The forms staff fill at a chain's step (the household check), never shown to farmers."""
    exports: PackExports = field(default_factory=PackExports)
    """Which answers fill the export's columns, per form (the packs' ``export.json``, read once at start-up)."""
    dispatcher: OutboxDispatcher | None = None
    """Sends the outbox's SMS in the background while the application runs."""
    reminders: ReminderJob | None = None
    """Reminds handlers of deadlines and escalates overdue cases (running when ``settings.remind_minutes``)."""
    catalog: Catalog | None = None
    """Keeps ``forms`` in step with the versions published in the database (any process's)."""
    housekeeping: HousekeepingJob | None = None
    """Sweeps orphan pictures and forgets old rate-limit counts while the application runs."""

    def pack_of(self, form_id: str) -> str | None:
        """The pack of the form a page draws: the page's ``pack`` fact (a form being tried in the builder), else
        the pack the farmer's or step form ``form_id`` is served in."""
        fact = page_facts().get(PACK)
        return str(fact) if fact else self.forms.pack_of(form_id) or self.step_forms.pack_of(form_id)

    def widgets_of(self, form_id: str) -> WidgetRegistry:
        """The widgets a form is drawn and checked with: its pack's (the platform's alone for no pack's form)."""
        return self.packs.widgets_of(self.pack_of(form_id))

    def builder_pack(
        self, form_id: str, owner_region: str, definition: Mapping[str, Any] | None = None
    ) -> str | None:
        """The pack a form in the builder belongs to: the one it is served in, else the pack of its owner's
        province (or of its chain); its widgets are the ones it may use."""
        chain = (definition or {}).get("chain")
        chain_pack = self.chains.pack_of(chain) if isinstance(chain, str) and chain else None
        return self.forms.pack_of(form_id) or self.packs.pack_of_version("", owner_region, chain_pack)

    def builder_widgets(
        self, form_id: str, owner_region: str, definition: Mapping[str, Any] | None = None
    ) -> WidgetRegistry:
        """The widgets of :meth:`builder_pack`'s pack (the platform's alone when it belongs to none)."""
        return self.packs.widgets_of(self.builder_pack(form_id, owner_region, definition))

    def divisions_of(self, form_id: str) -> Divisions:
        """The divisions of a form's pack (every served pack's for no pack's form)."""
        return self.packs.divisions_of(self.pack_of(form_id))
