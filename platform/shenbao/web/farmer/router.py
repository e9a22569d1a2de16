"""The farmer's router: the forms and their sections, the status page, the trial links of forms being built, and
the demo's pages when it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Router
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.types import ControllerRouterHandler

from shenbao.web.farmer.apply import FarmerController
from shenbao.web.farmer.demo import DemoController
from shenbao.web.farmer.first_visit import FirstVisitLane
from shenbao.web.farmer.status import StatusController
from shenbao.web.farmer.trial import TrialController
from shenbao.web.services import Services

__all__ = ["farmer_router"]


def farmer_router(*, services_of: Callable[[State], Awaitable[Services]], demo: bool = False) -> Router:
    """The farmer's pages at the platform's root; ``demo`` adds ``/demo`` (the text messages the demo "sent").

    ``services_of`` gives the platform's services to :class:`FirstVisitLane`, which answers a section page for a
    phone with no draft before its handler's dependencies run (the handlers get theirs as a dependency).
    """
    handlers: list[ControllerRouterHandler] = [FarmerController, StatusController, TrialController]
    if demo:
        handlers.append(DemoController)
    return Router(
        path="/",
        route_handlers=handlers,
        middleware=[DefineMiddleware(FirstVisitLane, services_of=services_of)],
    )
