"""The bare Litestar hello-world that ``render_rps.py`` measures the form page against.

No plugins, no middleware, no compression: the least a Litestar application does for a request. Served by
uvicorn as ``_hello:app`` (``--app-dir bench``) in the HTTP mode, and called in-process through ``hello_app()``.
"""

from __future__ import annotations

from litestar import Litestar, MediaType, get

BODY = "Hello, world!"


@get("/", media_type=MediaType.TEXT)
async def hello() -> str:
    return BODY


def hello_app() -> Litestar:
    """A fresh instance of the hello-world application."""
    return Litestar(route_handlers=[hello])


app = hello_app()
