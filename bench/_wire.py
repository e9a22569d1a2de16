"""A tiny HTTP/1.1 client over a raw socket that counts the bytes exactly as they arrive on the wire.

httpx and browsers' decoded views hide the compressed size and the header bytes; this reads the response of
one request to the end (``Connection: close``) and keeps the raw bytes: status line and headers, and the
body as sent (gzip, chunk framing included).
"""

from __future__ import annotations

import gzip
import socket
import zlib
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode


@dataclass
class Wire:
    """One response as it came over the wire."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    head_bytes: int  # status line + headers + blank line
    body_bytes: int  # the body as sent (compressed, with any chunk framing)
    body: bytes = field(repr=False)  # the body decoded (de-chunked, gunzipped)

    @property
    def total(self) -> int:
        return self.head_bytes + self.body_bytes

    def header(self, name: str) -> str:
        return next((value for key, value in self.headers if key.lower() == name.lower()), "")

    def cookies(self) -> dict[str, str]:
        jar: dict[str, str] = {}
        for key, value in self.headers:
            if key.lower() == "set-cookie":
                cookie: SimpleCookie = SimpleCookie()
                cookie.load(value)
                jar.update({name: morsel.value for name, morsel in cookie.items()})
        return jar

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


def request(
    host: str,
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    form: list[tuple[str, str]] | None = None,
    cookies: dict[str, str] | None = None,
    timeout: float = 10.0,
) -> Wire:
    """Send one request and read the whole response off the socket."""
    body = urlencode(form).encode() if form is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    for key, value in (headers or {}).items():
        lines.append(f"{key}: {value}")
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{key}={value}" for key, value in cookies.items()))
    if form is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    raw_request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body

    with socket.create_connection((host, port), timeout=timeout) as connection:
        connection.sendall(raw_request)
        chunks = []
        while True:
            chunk = connection.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    raw = b"".join(chunks)
    head, _, sent_body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = [tuple(line.split(":", 1)) for line in header_lines]
    response_headers = [(key.strip(), value.strip()) for key, value in parsed]
    wire = Wire(
        url=path,
        status=int(status_line.split()[1]),
        headers=response_headers,
        head_bytes=len(head) + 4,
        body_bytes=len(sent_body),
        body=b"",
    )
    payload = _dechunk(sent_body) if wire.header("transfer-encoding").lower() == "chunked" else sent_body
    if wire.header("content-encoding").lower() == "gzip":
        payload = gzip.decompress(payload)
    elif wire.header("content-encoding").lower() == "deflate":
        payload = zlib.decompress(payload)
    wire.body = payload
    return wire


def _dechunk(data: bytes) -> bytes:
    out = bytearray()
    position = 0
    while True:
        end = data.index(b"\r\n", position)
        size = int(data[position:end].split(b";")[0], 16)
        if size == 0:
            return bytes(out)
        out += data[end + 2 : end + 2 + size]
        position = end + 2 + size + 2
