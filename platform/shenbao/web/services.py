"""What every request handler needs, built once when the application starts."""

from __future__ import annotations

from dataclasses import dataclass, field

from shenbao.cases.catalog import Catalog
from shenbao.exports import PackExports
from shenbao.housekeeping import HousekeepingJob
from shenbao.notify.dispatcher import OutboxDispatcher
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.reminders import ReminderJob
from shenbao.packs import ChainRegistry, FormRegistry
from shenbao.settings import Settings
from shenbao.store import Database
from shenbao.web.pages import FirstVisitPages
from shenbao.web.render import Renderer

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
    first_visit: FirstVisitPages = field(default_factory=FirstVisitPages)
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
