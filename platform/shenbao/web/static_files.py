"""``<path>/static``: htmx and the platform's other files of its own, sent from memory (:mod:`shenbao.web.assets`)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from litestar import Request, Router, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response.base import ASGIResponse

from shenbao.web.assets import asset_response
from shenbao.web.pages import SKIP_COMPRESSION
from shenbao.web.services import Services

__all__ = ["STATIC_DIR", "static_router", "static_version"]

STATIC_DIR = Path(__file__).parent / "static"
_TYPES = {".js": "text/javascript", ".css": "text/css"}
"""The files served, by suffix, and their media types (named here: the system's mime.types may say otherwise)."""


def static_version() -> str:
    """The version in the files' URLs (``?v=``): a digest of them all, so a changed file is a new URL."""
    digest = hashlib.sha256()
    for file in sorted(STATIC_DIR.glob("*")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:10]


def static_router() -> Router:
    """The files of :data:`STATIC_DIR`, cached for a year by the browsers (their URLs carry the version)."""
    names = {path.name for path in STATIC_DIR.iterdir() if path.is_file() and path.suffix in _TYPES}

    @get("/{name:str}", name="shenbao:static", include_in_schema=False, opt={SKIP_COMPRESSION: True})
    async def static_file(
        services: NamedDependency[Services], request: Request[Any, Any, Any], name: FromPath[str]
    ) -> ASGIResponse:
        if name not in names:
            raise NotFoundException("没有这个文件")
        path = STATIC_DIR / name
        return asset_response(request, services.assets.get(path, _TYPES[path.suffix]))

    return Router(path="/static", route_handlers=[static_file])
