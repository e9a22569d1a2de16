"""Files sent as they are (htmx, the widgets' scripts): read and gzipped once per app, then served as bytes.

A phone that scans the village's QR code fetches these once and keeps them a year (their URLs carry a version).
Compressing them on every request, as the compression middleware would, cost more than the page itself; here the
first request reads the file and gzips it at the highest level, and every later one is a dictionary look-up. Their
handlers carry :data:`~shenbao.web.pages.SKIP_COMPRESSION`.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any, NamedTuple

from litestar import Request
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from shenbao.web.pages import accepts_gzip, etag_of

__all__ = ["YEAR", "Asset", "Assets", "asset_response"]

YEAR = "public, max-age=31536000, immutable"
"""The caching of a file whose URL carries its version: a new version is a new URL."""


class Asset(NamedTuple):
    """A file's bytes, plain and gzipped, with its media type and ETag."""

    body: bytes
    gzipped: bytes
    media_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, media_type: str) -> Asset:
        return cls(body, gzip.compress(body, 9, mtime=0), media_type, etag_of(body))


class Assets:
    """The files of one app, by path, each read and compressed the first time it is asked for."""

    def __init__(self) -> None:
        self._kept: dict[Path, Asset] = {}

    def get(self, path: Path, media_type: str) -> Asset:
        """The file at ``path`` (a file of the platform or of a pack's widget, never a path a request names)."""
        asset = self._kept.get(path)
        if asset is None:
            asset = self._kept[path] = Asset.of(path.read_bytes(), media_type)
        return asset


def asset_response(
    request: Request[Any, Any, Any], asset: Asset, *, cache_control: str = YEAR
) -> ASGIResponse:
    """``asset``, gzipped when the browser accepts it; ``304`` when the browser has this version already."""
    headers = {"ETag": asset.etag, "Cache-Control": cache_control, "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == asset.etag:
        return ASGIResponse(body=b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    if accepts_gzip(request):
        headers["Content-Encoding"] = "gzip"
        return ASGIResponse(body=asset.gzipped, media_type=asset.media_type, headers=headers)
    return ASGIResponse(body=asset.body, media_type=asset.media_type, headers=headers)
