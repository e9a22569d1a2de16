"""The API's router: the JSON API under ``/api/v1``."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, Router
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from shenbao.files import FileStoreUnavailableError
from shenbao.web.api.controller import ApiController

__all__ = ["api_router"]

log = logging.getLogger("shenbao.api")

FILES_RETRY_SECONDS = 30
"""What ``Retry-After`` says when the file store did not answer (as the upload routes say)."""


def api_router() -> Router:
    """``/api/v1``: published forms, evaluation, phone codes and submissions (see DESIGN.md's contracts)."""
    return Router(
        path="/api/v1",
        route_handlers=[ApiController],
        exception_handlers={FileStoreUnavailableError: _files_away},
    )


def _files_away(request: Request[Any, Any, Any], error: FileStoreUnavailableError) -> Response[Any]:
    """``503`` in the API's error shape: a picture sent as a data URL could not be kept, and nothing was stored."""
    log.warning("file store unavailable at %s: %s", request.url.path, error.detail)
    return Response(
        {"status_code": HTTP_503_SERVICE_UNAVAILABLE, "detail": str(error)},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Cache-Control": "no-store", "Retry-After": str(FILES_RETRY_SECONDS)},
    )
