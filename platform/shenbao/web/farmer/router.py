"""The farmer's router: the forms and their sections, the status page, the trial links of forms being built, and
the demo's pages when it runs."""

from __future__ import annotations

from litestar import Router
from litestar.types import ControllerRouterHandler

from shenbao.web.farmer.apply import FarmerController
from shenbao.web.farmer.demo import DemoController
from shenbao.web.farmer.status import StatusController
from shenbao.web.farmer.trial import TrialController

__all__ = ["farmer_router"]


def farmer_router(*, demo: bool = False) -> Router:
    """The farmer's pages at the platform's root; ``demo`` adds ``/demo`` (the text messages the demo "sent")."""
    handlers: list[ControllerRouterHandler] = [FarmerController, StatusController, TrialController]
    if demo:
        handlers.append(DemoController)
    return Router(path="/", route_handlers=handlers)
