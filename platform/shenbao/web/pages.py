"""HTML responses the platform compresses itself, and the first-visit pages it renders only once.

A farmer who scans the QR code has no draft yet, so the guide and every section page they first see are the
same for everyone (per form version and language). Those are rendered and gzipped once and then served as
bytes, with an ETag so a phone coming back on 3G gets a 304 instead of the page again. Handlers that use
this module carry the route option :data:`SKIP_COMPRESSION`, so the compression middleware leaves their
already-compressed bodies alone.
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Callable, Hashable, Iterable
from typing import Any, NamedTuple

from litestar import MediaType, Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_200_OK, HTTP_304_NOT_MODIFIED

__all__ = ["SKIP_COMPRESSION", "FirstVisitPages", "Page", "accepts_gzip", "etag_of", "html_response"]

SKIP_COMPRESSION = "shenbao_skip_compression"
"""The route option (and the compression config's ``exclude_opt_key``) of handlers that compress themselves."""

_LEVEL = 6
_VARY = "Accept-Encoding, Cookie"
_HTML = b"text/html; charset=utf-8"


class Page(NamedTuple):
    """A rendered page, plain and gzipped, with its ETag and its response's header lines, encoded once."""

    html: bytes
    gzipped: bytes
    etag: str
    lines: tuple[tuple[bytes, bytes], ...]
    """``Vary``, ``ETag`` and ``Cache-Control``, encoded as the ASGI server takes them (see :class:`_Framed`)."""

    @classmethod
    def of(cls, html: str) -> Page:
        body = html.encode()
        etag = etag_of(body)
        lines = {"vary": _VARY, "etag": etag, "cache-control": "private, no-cache"}
        return cls(
            body,
            gzip.compress(body, _LEVEL, mtime=0),
            etag,
            tuple((name.encode(), value.encode("latin-1")) for name, value in lines.items()),
        )


class FirstVisitPages:
    """Pages with no personal content, rendered once per key (form, version, page, language)."""

    def __init__(self) -> None:
        self._pages: dict[Hashable, Page] = {}

    def get(self, key: Hashable, render: Callable[[], str]) -> Page:
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = Page.of(render())
        return page


def etag_of(body: bytes) -> str:
    """A strong ETag for ``body``: a short digest of its bytes, quoted."""
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def accepts_gzip(request: Request[Any, Any, Any]) -> bool:
    """Whether the browser takes a gzipped body."""
    return "gzip" in request.headers.get("accept-encoding", "")


def html_response(
    request: Request[Any, Any, Any],
    page: Page | str,
    *,
    status_code: int = HTTP_200_OK,
    cookies: Iterable[Cookie] = (),
    set_cookies: Iterable[str] = (),
) -> ASGIResponse:
    """The page, gzipped when the browser accepts it.

    A shared first-visit :class:`Page` may be revalidated (ETag, 304); a personal page (a ``str``, rendered
    with the farmer's draft) is never stored by any cache. The response is built as the low-level
    ``ASGIResponse``: the body is bytes already, so nothing is left for the framework to serialise.
    ``cookies`` are set on the response, a 304 included (a shared body with one browser's cookie);
    ``set_cookies`` are ``Set-Cookie`` values already written out.
    """
    if isinstance(page, Page):
        return _shared(request, page, status_code, cookies, set_cookies)
    headers = {"Vary": _VARY, "Cache-Control": "no-store"}
    plain = page.encode()
    packed = gzip.compress(plain, _LEVEL) if accepts_gzip(request) and len(plain) > 512 else None
    if packed is not None:
        headers["Content-Encoding"] = "gzip"
    return ASGIResponse(
        body=packed if packed is not None else plain,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers=_with_set_cookies(headers, set_cookies),
        cookies=cookies,
    )


def _shared(
    request: Request[Any, Any, Any],
    page: Page,
    status_code: int,
    cookies: Iterable[Cookie],
    set_cookies: Iterable[str],
) -> ASGIResponse:
    """A shared page's response (a 304 when the browser has it), its header lines as they were encoded."""
    lines = [
        *page.lines,
        *((b"set-cookie", value.encode("latin-1")) for value in set_cookies),
        *(cookie.to_encoded_header() for cookie in cookies),
    ]
    if request.headers.get("if-none-match") == page.etag:
        return _Framed(HTTP_304_NOT_MODIFIED, lines, b"")
    if accepts_gzip(request):
        body = page.gzipped
        lines.append((b"content-encoding", b"gzip"))
    else:
        body = page.html
    lines += ((b"content-type", _HTML), (b"content-length", str(len(body)).encode()))
    return _Framed(status_code, lines, body)


class _Framed(ASGIResponse):
    """An ``ASGIResponse`` given its status, every header line (framing included) and its body, as they are sent.

    ``ASGIResponse.__init__`` takes headers by name and looks up the framing ones again: on a shared page, sent
    thousands of times, that was a twentieth of its time. This sets the same attributes from lines already made.
    """

    __slots__ = ()

    def __init__(self, status_code: int, lines: list[tuple[bytes, bytes]], body: bytes) -> None:
        self.headers = MutableScopeHeaders({"headers": lines})
        self.status_code = status_code
        self.body = body
        self.content_length = len(body)
        self.encoding = "utf-8"
        self.background = None
        self.is_head_response = False
        self._encoded_cookies = ()


def _with_set_cookies(headers: dict[str, str], set_cookies: Iterable[str]) -> list[tuple[str, str]]:
    return [*headers.items(), *(("set-cookie", value) for value in set_cookies)]
