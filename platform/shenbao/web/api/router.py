"""The API's router: the JSON API under ``/api/v1``."""

from __future__ import annotations

from litestar import Router

from shenbao.web.api.controller import ApiController

__all__ = ["api_router"]


def api_router() -> Router:
    """``/api/v1``: published forms, evaluation, phone codes and submissions (see DESIGN.md's contracts)."""
    return Router(path="/api/v1", route_handlers=[ApiController])
