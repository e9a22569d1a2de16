"""The widgets' HTTP side, under ``<base>/widgets/``: their scripts, stored images, and each widget's own routes.

``/widgets/_assets/<name>/<file>``
    A script a widget declares (``SCRIPTS``), cached for a year: its URL carries the widget's version.
``/widgets/_files/<sha256>.<ext>?w=<width>&t=<token>``
    A stored image's thumbnail, for the review page and later the staff pages. The token is an HMAC of the hash
    (:meth:`shenbao.files.FileStore.url` makes the URL), so knowing a hash is not enough.
``/widgets/<name>/...``
    The handlers a widget lists in its ``ROUTES`` (the region cascade, the photo and signature uploads).

Should the file store not answer (a bucket unreachable, a full disk), an upload or a thumbnail answers ``503``
with :data:`shenbao.files.UNAVAILABLE` (``{"errors": [...]}``) and a ``Retry-After``; nothing was kept, and the
draft is as it was (the scripts then leave the page's other answers to be saved with the page).

``ShenbaoPlugin`` adds ``widget_router(settings)`` to its route handlers, and calls :func:`install_widgets` once its
services exist. A route finds the application's packs through its ``services`` and its ``divisions`` (every served
pack's) through dependency injection, never through a module global.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import Request, Response, Router, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response.base import ASGIResponse
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY, HTTP_503_SERVICE_UNAVAILABLE

from shenbao.files import THUMBNAIL_WIDTHS, FileRef, FileStoreUnavailableError, parse_ref
from shenbao.pack_runtime import discovered
from shenbao.paths import form_defs_dir, widgets_dir
from shenbao.regions import Divisions
from shenbao.settings import Settings
from shenbao.web.assets import asset_response
from shenbao.web.pages import SKIP_COMPRESSION
from shenbao.web.services import Services
from shenbao.web.widget_templates import install_widget_templates
from shenbao.widgets import rejection, widget_services

__all__ = [
    "SECTION_CEILING",
    "UPLOAD_CEILING",
    "install_widgets",
    "store_unavailable",
    "upload_limit",
    "upload_response",
    "widget_router",
]

UPLOAD_CEILING = 16 * 1024 * 1024
"""No upload request body may be larger, whatever a question allows; no file posted with a form is read further."""
SECTION_CEILING = 48 * 1024 * 1024
"""The largest section post: without script a page's pictures come with the form (the 2021 pledge page: a photo
and up to six documents of 5 MB each). Each file is still read only up to :data:`UPLOAD_CEILING` and checked
against its own question's limit."""

log = logging.getLogger(__name__)

_FILE = re.compile(r"^([0-9a-f]{64})\.(jpg|png)$")
_TYPES = {"jpg": "image/jpeg", "png": "image/png"}
_SCRIPT_TYPE = "text/javascript"


def upload_response(value: Any, services: Services) -> Response[Any]:
    """The JSON an upload route answers: ``{"value", "posted", "thumb"}``, or ``422 {"errors": [...]}``.

    ``posted`` is the reference as the text the widget's hidden input posts with the form.
    """
    problems = rejection(value)
    ref = parse_ref(value)
    if problems is not None or ref is None:
        return Response(
            {"errors": problems or ["没有保存好，请重试"]},
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            headers={"Cache-Control": "no-store"},
        )
    files = widget_services(services.settings).files
    return Response(
        {
            "value": ref.as_value(),
            "posted": msgspec.json.encode(ref.as_value()).decode(),
            "thumb": files.url(ref, services.base),
        },
        headers={"Cache-Control": "no-store"},
    )


def store_unavailable(request: Request[Any, Any, Any], error: FileStoreUnavailableError) -> Response[Any]:
    """``503`` with the Chinese message, when the file store does not answer; the cause goes to the log."""
    log.warning("file store unavailable at %s: %s", request.url.path, error.detail)
    return Response(
        {"errors": [str(error)]},
        status_code=HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Cache-Control": "no-store", "Retry-After": "30"},
    )


def upload_limit(services: Services, kind: type[Any], default: int) -> int:
    """The largest ``max_bytes`` of the published questions of type ``kind`` (within :data:`UPLOAD_CEILING`).

    An upload route serves every such question; each answer is checked against its own question's limit later.
    """
    limits = [
        question.max_bytes
        for form in services.forms
        for question in form.questions
        if isinstance(question, kind)
    ]
    return min(max(limits, default=default), UPLOAD_CEILING)


def install_widgets(services: Services) -> None:
    """Give the platform's page renderer the widgets' templates and template globals (at start-up)."""
    install_widget_templates(
        services.packs,
        services.renderer.environment,
        widget_services(services.settings).files,
        services.pack_of,
    )


def _divisions(services: NamedDependency[Services]) -> Divisions:
    """Every served pack's divisions: a cascade's ``root`` names the province its picker started in."""
    return services.packs.divisions


def widget_router(settings: Settings | None = None) -> Router:
    """Every widget's routes, assets and the stored-image thumbnails, mounted at ``/widgets``.

    Routes are code, mounted when the application is built: those of the platform's widgets and of each of
    ``settings``' packs' own (none of a pack's when ``settings`` is omitted). What they serve comes from the
    running application's packs (``services.packs``; the ``divisions`` dependency).
    """
    roots = [widgets_dir()]
    if settings is not None:
        root = settings.form_defs or form_defs_dir()
        roots += [root / pack / "widgets" for pack in settings.packs]
    code = [widget for folder in roots for widget in discovered((folder,))]

    @get(
        "/_assets/{name:str}/{asset:str}",
        name="widgets:asset",
        include_in_schema=False,
        opt={SKIP_COMPRESSION: True},
    )
    async def asset(
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        name: FromPath[str],
        asset: FromPath[str],
    ) -> ASGIResponse:
        widget = next((each for each in services.packs.every_widget() if each.name == name), None)
        if widget is None or asset not in widget.scripts:
            raise NotFoundException("没有这个文件")
        return asset_response(request, services.assets.get(widget.folder / asset, _SCRIPT_TYPE))

    @get("/_files/{name:str}", name="widgets:file", include_in_schema=False)
    async def stored_file(
        services: NamedDependency[Services],
        name: FromPath[str],
        t: FromQuery[str] = "",
        w: FromQuery[int] = 480,
    ) -> Response[bytes]:
        match = _FILE.match(name)
        if match is None or w not in THUMBNAIL_WIDTHS:
            raise NotFoundException("没有这张图片")
        ref = FileRef(file=match.group(1), type=_TYPES[match.group(2)])
        files = widget_services(services.settings).files
        content = await files.thumbnail(ref, w) if files.token_matches(ref, t) else None
        if content is None:
            raise NotFoundException("没有这张图片")
        return Response(
            content,
            media_type=ref.type,
            headers={"Cache-Control": "private, max-age=604800", "X-Content-Type-Options": "nosniff"},
        )

    handlers: list[Any] = [asset, stored_file]
    handlers += [
        Router(path=f"/{widget.name}", route_handlers=list(widget.routes))
        for widget in {each.name: each for each in code}.values()
        if widget.routes
    ]
    return Router(
        path="/widgets",
        route_handlers=handlers,
        dependencies={"divisions": Provide(_divisions, sync_to_thread=False)},
        exception_handlers={FileStoreUnavailableError: store_unavailable},
    )
