"""The headers every response of the platform carries, and the request id a farmer reads to the hotline.

One ``before_send`` hook (:class:`ResponseHeaders`) adds them as each response starts, whatever made it: a page,
a static file, the API, a redirect, an error page, Litestar's own 404. Only paths under the platform's prefix
get them, so a host application that embeds the platform keeps its own policy for its own pages.

The Content-Security-Policy allows scripts from the platform itself and, by their sha256 hashes, the few inline
scripts of its templates (they save a request on 3G; the first page is rendered once and cached, so a nonce per
response would not fit). Every ``<script>`` without ``src`` in ``templates/`` and the widgets' templates must
therefore be constant text, no Jinja inside: :func:`inline_script_hashes` reads them from the files.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from litestar.types import Message, Scope

from shenbao.paths import templates_dir, widgets_dir

__all__ = [
    "REQUEST_ID_HEADER",
    "ResponseHeaders",
    "content_security_policy",
    "inline_script_hashes",
    "request_id",
]

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID = "shenbao_request_id"
_SANE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
"""What a proxy's id may look like (nginx's ``$request_id`` is 32 hex digits); anything else is replaced."""
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
HSTS = "max-age=31536000"
"""A year; no ``includeSubDomains``: a province's other hosts under the same domain may not speak HTTPS yet."""


def request_id(scope: Scope) -> str:
    """This request's id: the proxy's ``X-Request-ID`` when it looks sane, else 8 new hex digits, kept per request.

    Short on purpose: a farmer reads it from the error page to the hotline, who finds the log line by it. It
    names a request and guards nothing, so it comes from :mod:`random`, not from the system's entropy (one system
    call less on every response).
    """
    state = scope.setdefault("state", {})
    known = state.get(_REQUEST_ID)
    if isinstance(known, str):
        return known
    incoming = next(
        (value.decode("latin-1") for name, value in scope.get("headers", ()) if name == b"x-request-id"), ""
    )
    made = incoming if _SANE_ID.match(incoming) else f"{random.getrandbits(32):08X}"
    state[_REQUEST_ID] = made
    return made


def _template_files() -> Iterable[Path]:
    yield from templates_dir().rglob("*.html")
    yield from widgets_dir().rglob("*.html")


@cache
def inline_script_hashes(extra_roots: tuple[Path, ...] = ()) -> tuple[str, ...]:
    """The CSP source (``'sha256-…'``) of every inline script of the templates, the widgets' and ``extra_roots``'.

    Raises:
        ValueError: an inline script holds Jinja (``{{`` or ``{%``): its text would change per page, and no
            hash read from the file could allow it. Move what varies into a ``data-`` attribute.
    """
    files = [*_template_files(), *(path for root in extra_roots for path in root.rglob("*.html"))]
    hashes: dict[str, None] = {}
    for path in sorted(files):
        for script in _INLINE_SCRIPT.findall(path.read_text("utf-8")):
            if "{{" in script or "{%" in script:
                raise ValueError(f"{path}: an inline <script> must be constant text for its CSP hash")
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            hashes[f"'sha256-{digest}'"] = None
    return tuple(hashes)


def content_security_policy(script_hashes: Iterable[str]) -> str:
    """The policy: everything from the platform itself, inline styles (the widgets' CSS is inlined), no frames."""
    return "; ".join(
        (
            "default-src 'self'",
            " ".join(("script-src 'self'", *script_hashes)),
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",  # the favicon is data:, the camera's preview a blob
            "media-src 'self' blob:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class ResponseHeaders:
    """A ``before_send`` hook: the security headers and ``X-Request-ID`` on every response under ``prefix``,
    the Content-Security-Policy and frame refusal on its pages (HTML documents, not htmx swaps).

    With ``https``, every cookie the response sets is made ``Secure`` and ``Strict-Transport-Security`` is sent.
    """

    __slots__ = ("_document", "_fixed", "_framed", "_framed_document", "_names", "https", "prefix")

    def __init__(self, prefix: str, *, https: bool, csp: str, framed: str | None = None) -> None:
        """``framed``: a path (under ``prefix``) whose pages the platform's own pages may frame (the builder's
        phone preview); every other page refuses any frame."""
        self.prefix = prefix
        self._framed = f"{prefix}{framed}" if framed else None
        self.https = https
        fixed = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
        if https:
            fixed["Strict-Transport-Security"] = HSTS
        # A policy governs the document it comes with: a script, a picture, JSON or an htmx swap (which lands in
        # a page that has its policy) would carry 700 bytes for nothing, on every answer a farmer taps over 3G.
        document = {
            "Content-Security-Policy": csp,
            "X-Frame-Options": "DENY",
        }  # X-Frame-Options: old browsers
        # Encoded once: this runs on every response, so it appends raw pairs instead of searching by name each time.
        self._fixed = _raw(fixed)
        self._document = _raw(document)
        self._framed_document = _raw(
            {
                "Content-Security-Policy": csp.replace("frame-ancestors 'none'", "frame-ancestors 'self'"),
                "X-Frame-Options": "SAMEORIGIN",
            }
        )
        self._names = {name for name, _ in (*self._fixed, *self._document)} | {
            REQUEST_ID_HEADER.lower().encode()
        }

    def _ours(self, path: str) -> bool:
        return not self.prefix or path == self.prefix or path.startswith(f"{self.prefix}/")

    async def __call__(self, message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or not self._ours(scope.get("path", "")):
            return
        kept: list[tuple[bytes, bytes]] = []
        html = False
        for name, value in message.get("headers", ()):
            lowered = name.lower()
            if lowered in self._names:
                continue
            if lowered == b"content-type":
                html = value.startswith(b"text/html")
            elif lowered == b"set-cookie" and self.https and b"secure" not in _attributes(value):
                value += b"; Secure"
            kept.append((name, value))
        kept += self._fixed
        if html and not any(name == b"hx-request" for name, _ in scope.get("headers", ())):
            framed = self._framed is not None and scope.get("path", "").startswith(self._framed)
            kept += self._framed_document if framed else self._document
        kept.append((b"x-request-id", request_id(scope).encode("latin-1")))
        message["headers"] = kept


def _raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]


def _attributes(cookie: bytes) -> set[bytes]:
    """A ``Set-Cookie`` value's attribute names, lower-cased (``secure``, ``httponly``, ``path``...)."""
    return {part.split(b"=", 1)[0].strip().lower() for part in cookie.split(b";")[1:]}
