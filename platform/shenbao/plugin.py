"""``ShenbaoPlugin``: the whole platform mounted into any Litestar application with one line.

.. code-block:: python

    from litestar import Litestar
    from shenbao.plugin import ShenbaoPlugin

    app = Litestar(route_handlers=[...your routes...], plugins=[ShenbaoPlugin(path="/shenbao")])
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any, cast
from urllib.parse import urlsplit

from litestar import Litestar, MediaType, Request, Response, Router
from litestar.config.app import AppConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ImproperlyConfiguredException
from litestar.plugins import InitPlugin
from litestar.status_codes import (
    HTTP_400_BAD_REQUEST,
    HTTP_500_INTERNAL_SERVER_ERROR,
    HTTP_503_SERVICE_UNAVAILABLE,
)
from litestar.types import ExceptionHandlersMap

from shenbao import store
from shenbao.cases.catalog import Catalog, sync_pack_versions
from shenbao.cases.deadlines import fill_pending_deadlines
from shenbao.cases.holidays import load_holiday_years
from shenbao.exports import load_exports
from shenbao.files import FileStore
from shenbao.housekeeping import HousekeepingJob
from shenbao.notify.dispatcher import OutboxDispatcher
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.reminders import ReminderJob
from shenbao.notify.sms import Gateway, gateway_for
from shenbao.pack_runtime import Packs
from shenbao.packs import ChainRegistry, PackForms, check_routing
from shenbao.privacy.keyring import MISSING_KEYS
from shenbao.settings import (
    DEVELOPMENT_GATEWAYS,
    NO_SECRET_KEY,
    Settings,
    SettingsError,
    check_sms_gateway,
)
from shenbao.store.versions import VersionRecord
from shenbao.text import UNUSABLE
from shenbao.web.admin import admin_router
from shenbao.web.admin.preview import PREVIEW_PATH
from shenbao.web.api.router import api_router
from shenbao.web.farmer.router import farmer_router
from shenbao.web.ops import ops_router, probe_paths
from shenbao.web.ops.logs import RequestIdMiddleware, configure_logging
from shenbao.web.ops.prometheus import ObservedRoutes, prometheus_config
from shenbao.web.pages import SKIP_COMPRESSION
from shenbao.web.render import Renderer, choose_language, remember_language
from shenbao.web.security import ResponseHeaders, content_security_policy, inline_script_hashes, request_id
from shenbao.web.services import Services
from shenbao.web.staff.router import staff_router
from shenbao.web.static_files import static_router, static_version
from shenbao.web.widget_routes import install_widgets, widget_router
from shenbao.widgets import widget_roots

__all__ = ["ShenbaoPlugin"]

log = logging.getLogger("shenbao")

_CONTROL_BYTES = re.compile(rb"[\x00-\x1f\x7f]")
_UNUSABLE_LINK = "这个链接里有不能识别的字符：请回到上一页，从页面上的链接或按钮重新打开"
BUSY_RETRY_SECONDS = 5
BUSY_DETAIL = "现在提交的人很多，没有来得及保存。请等5秒钟，返回上一页再点一次；您填写的内容还在那一页上。"

_TOO_DEEP = "提交的内容嵌套太深，无法读取：请返回上一页重新填写"
_DIVISIONS_SCHEMA = 3
"""The schema step that created the ``division`` table."""


def _chain_signs(packs: Packs, chains: ChainRegistry) -> dict[str, str]:
    """Each chain's SMS sign, by chain id: its pack's ``sms_sign``."""
    return {chain.id: sign for chain in chains if (sign := packs.sign_of(chains.pack_of(chain.id)))}


async def _served_packs(database: store.Database, settings: Settings) -> Packs:
    """The packs ``settings`` names, each with its divisions: those imported into the database for its province
    where it has them.

    A province the database has (``shenbao regions import``) replaces the one its pack ships; the others stay as
    shipped, so the demo works without an import.
    """
    shipped = Packs.load(settings.packs, settings.form_defs)
    if await store.schema_version(database) < _DIVISIONS_SCHEMA:
        return shipped  # not migrated yet: nothing can have been imported
    imported = {
        province: rows
        for province in shipped.provinces()
        if (rows := await store.division_rows(database, province))
    }
    return Packs.load(settings.packs, settings.form_defs, imported=imported) if imported else shipped


async def _before_request(request: Request[Any, Any, Any]) -> None:
    """Refuse a link whose query holds a control character (PostgreSQL refuses U+0000), then pick the language."""
    raw = request.scope.get("query_string", b"")
    # Decoding the query costs every request: only a query with an escape or a raw control byte can hold one.
    if (b"%" in raw or not raw.isascii() or _CONTROL_BYTES.search(raw)) and any(
        UNUSABLE.search(value) for _, value in request.query_params.multi_items()
    ):
        raise HTTPException(status_code=HTTP_400_BAD_REQUEST, detail=_UNUSABLE_LINK)
    await choose_language(request)


def _same_site_referer(request: Request[Any, Any, Any]) -> str | None:
    """The page the request came from, when it is one of this site's (the way back to a form not yet saved)."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path.startswith("/"):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


class ShenbaoPlugin(InitPlugin):
    """Mounts the farmer pages, the JSON API and the static files under ``path``.

    :meth:`on_app_init` configures one concern a step (``_configure_routes``, ``_configure_headers``,
    ``_configure_compression``) and adds :meth:`lifespan`, which opens the database when the host application
    starts and closes it when it stops. Its pages are rendered by its own Jinja2 environment, so the host's
    template configuration is left alone. It refuses to start without the keys that encrypt identity numbers and
    phones (``settings.keys``).

    Args:
        settings: where the database and data live; read from the environment when omitted.
        path: the prefix to mount under, e.g. ``"/shenbao"``; ``""`` mounts at the root.
    """

    __slots__ = ("path", "settings", "state_key")

    def __init__(self, settings: Settings | None = None, *, path: str = "") -> None:
        self.settings = settings or Settings.from_env()
        self.path = path.rstrip("/")
        self.state_key = f"shenbao{self.path}"
        """Where the running platform's :class:`Services` live in ``app.state``."""

    async def fresh_services(self, state: State) -> Services:
        """The running platform's services, their published forms brought up to date (at most once a second):
        the ``services`` dependency of every handler."""
        services = self.services(state)
        if services.catalog is not None:
            await services.catalog.fresh()
        return services

    def services(self, state: State) -> Services:
        """The running platform's services."""
        services = state.get(self.state_key)
        if services is None:
            raise RuntimeError(
                "shenbao has not started yet: its services exist once the application starts up"
            )
        return cast(Services, services)

    @asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        """Check the settings, open the database, build the services and start the background jobs; undo all of
        it when the application stops, or as far as it got when the start fails.

        Raises:
            SettingsError: a key, the secret or the SMS gateway is missing or unusable.
            PackError: a pack is missing, a form does not lint, or a form's applications would reach no handler.
        """
        configure_logging(self.settings.log_format, probes=probe_paths(self.path))  # uvicorn's set-up is done
        self._check_settings()
        async with AsyncExitStack() as opened:
            database = await store.open_database(self.settings.database_url, keys=self.settings.keys)
            opened.push_async_callback(database.close)
            served = await _served_packs(database, self.settings)
            packs = PackForms.from_packs(self.settings.packs, self.settings.form_defs, served=served)
            chains = ChainRegistry.from_packs(self.settings.packs, self.settings.form_defs)
            check_routing(packs.forms, chains)
            await sync_pack_versions(database, packs, chains)  # the files' versions, as published versions

            def pack_of(record: VersionRecord) -> str | None:
                chain = record.definition.get("chain")
                chain_pack = chains.pack_of(chain) if isinstance(chain, str) else None
                return served.pack_of_version(record.source, record.owner_region, chain_pack)

            catalog = Catalog(database, packs.forms, chains, pack_of=pack_of)
            await catalog.refresh()  # what admins published since: served from now on
            gateway = gateway_for(self.settings, database, chains, signs=_chain_signs(served, chains))
            app.state[self.state_key] = services = self._services(database, packs, chains, gateway)
            services.packs = served
            services.catalog = catalog
            opened.push_async_callback(self._stop, app)
            install_widgets(services)
            await load_holiday_years(database, chains)  # the saved years first: the deadlines may need them
            await fill_pending_deadlines(database, chains)
            self._start_jobs(services)
            yield

    def _check_settings(self) -> None:
        """Refuse to start without what every deployment must set, before anything is opened."""
        if self.settings.keys is None:  # every submission holds an ID number or a phone to encrypt
            raise SettingsError(f"shenbao cannot start: {MISSING_KEYS}")
        if not self.settings.secret_key:  # a random one per process would break codes and cookies on restart
            raise SettingsError(f"shenbao cannot start: {NO_SECRET_KEY}")
        check_sms_gateway(self.settings.sms_gateway)
        if self.settings.sms_gateway in DEVELOPMENT_GATEWAYS and not self.settings.demo:
            log.warning(
                "SHENBAO_SMS_GATEWAY=%s: no text message leaves this server (verification codes, new applications, "
                "reminders). Set SHENBAO_SMS_GATEWAY=aliyun before farmers use it.",
                self.settings.sms_gateway,
            )

    def _services(
        self, database: store.Database, packs: PackForms, chains: ChainRegistry, gateway: Gateway
    ) -> Services:
        """The platform's long-lived parts, with its own Jinja environment (the host's templates are left alone)."""
        return Services(
            settings=self.settings,
            forms=packs.forms,
            renderer=Renderer(base=self.path, static_version=static_version()),
            database=database,
            base=self.path,
            chains=chains,
            step_forms=packs.step_forms,
            exports=load_exports(self.settings.packs, self.settings.form_defs),
            dispatcher=OutboxDispatcher(database, gateway),
            reminders=ReminderJob(database, chains, interval=self.settings.remind_minutes * 60),
            housekeeping=HousekeepingJob(database, FileStore.for_settings(self.settings)),
            phones=PhoneVerifier(
                database,
                gateway,
                self.settings.secrets,
                per_address_per_hour=self.settings.otp_per_address_per_hour,
            ),
        )

    def _start_jobs(self, services: Services) -> None:
        if services.dispatcher is not None:
            services.dispatcher.start()  # its first pass sends what an earlier process queued and left
        if services.reminders is not None and self.settings.remind_minutes > 0:
            services.reminders.start()
        if services.housekeeping is not None:
            services.housekeeping.start()

    async def _stop(self, app: Litestar) -> None:
        """Forget the services and stop their jobs (each stop is safe on a job that never started)."""
        services = app.state.pop(self.state_key, None)
        if services is not None:
            if services.housekeeping is not None:
                await services.housekeeping.stop()
            if services.reminders is not None:
                await services.reminders.stop()
            if services.dispatcher is not None:
                await services.dispatcher.stop()

    def _page_errors(self, request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
        """Farmer pages answer errors with a page in Chinese; the API answers in JSON."""
        if request.url.path.startswith(f"{self.path}/api/"):
            body: dict[str, Any] = {"status_code": error.status_code, "detail": error.detail}
            if error.extra:
                body["extra"] = error.extra
            if error.status_code >= HTTP_500_INTERNAL_SERVER_ERROR:
                body["request_id"] = request_id(request.scope)
            return Response(
                body, status_code=error.status_code, media_type=MediaType.JSON, headers=error.headers
            )
        title = {404: "没有找到这个页面", 400: "请求有误", 405: "请求有误"}.get(error.status_code, "出错了")
        return self.services(request.app.state).renderer.page(
            "error.html",
            status_code=error.status_code,
            title=title,
            detail=error.detail,
            request_id=request_id(request.scope)
            if error.status_code >= HTTP_500_INTERNAL_SERVER_ERROR
            else "",
        )

    def _busy(self, request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        """The database could not take a write in time (SQLite's one writer): try again in a few seconds."""
        log.warning("busy: %s %s answered 503 (%s)", request.method, request.url.path, error)
        retry = {"Retry-After": str(BUSY_RETRY_SECONDS)}
        if request.url.path.startswith(f"{self.path}/api/"):
            body = {"status_code": HTTP_503_SERVICE_UNAVAILABLE, "detail": BUSY_DETAIL}
            return Response(
                body, status_code=HTTP_503_SERVICE_UNAVAILABLE, media_type=MediaType.JSON, headers=retry
            )
        response = self.services(request.app.state).renderer.page(
            "error.html",
            status_code=HTTP_503_SERVICE_UNAVAILABLE,
            title="现在办理的人很多",
            detail=BUSY_DETAIL,
            back=_same_site_referer(request),
        )
        response.headers.update(retry)
        return response

    def _server_error(self, request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        """Log the error with its traceback and the request id, and show the id on the page (or in the JSON)."""
        number = request_id(request.scope)
        if isinstance(error, RecursionError):  # input nested too deep for a decoder (a widget's JSON, a form)
            log.warning(
                "request %s: %s %s nested too deep", number, request.method, request.url.path, exc_info=error
            )
            return self._page_errors(
                request, HTTPException(status_code=HTTP_400_BAD_REQUEST, detail=_TOO_DEEP)
            )
        log.error("request %s: %s %s failed", number, request.method, request.url.path, exc_info=error)
        detail = "服务器出错了，请稍后再试。如果一直这样，请打电话给热线，并告诉对方错误编号。"
        return self._page_errors(
            request,
            HTTPException(
                status_code=HTTP_500_INTERNAL_SERVER_ERROR, detail=detail, extra={"request_id": number}
            ),
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        """Mount the platform into the host's configuration, one concern a step."""
        self._configure_routes(app_config)
        self._configure_ops(app_config)
        self._configure_headers(app_config)
        self._configure_compression(app_config)
        app_config.lifespan.append(self.lifespan)
        return app_config

    def _configure_routes(self, app_config: AppConfig) -> None:
        """One router under ``path``: the farmer's, the staff's and the API's routers, the widgets' routes and the
        static files, with the ``services`` dependency, the language hooks and the platform's own error pages (the
        host keeps its own)."""
        router = Router(
            path=self.path or "/",
            route_handlers=[
                farmer_router(services_of=self.fresh_services, demo=self.settings.demo),
                staff_router(),
                admin_router(),
                api_router(),
                static_router(),
                widget_router(self.settings),
            ],
            dependencies={"services": Provide(self.fresh_services)},
            middleware=[prometheus_config().middleware, ObservedRoutes],
            before_request=_before_request,
            after_request=remember_language,
            exception_handlers=self._exception_handlers(),
        )
        app_config.route_handlers.append(router)

    def _configure_ops(self, app_config: AppConfig) -> None:
        """``<path>/healthz``, ``<path>/readyz`` and ``<path>/metrics`` beside the platform's router (none of its
        hooks and dependencies), and the request id in every log record (the host's requests' too)."""
        app_config.route_handlers.append(
            ops_router(
                self.path,
                services_of=lambda request: request.app.state.get(self.state_key),
                ping_files=lambda services: FileStore.for_settings(services.settings).ping,
                metrics_token=self.settings.metrics_token,
            )
        )
        app_config.middleware.insert(0, RequestIdMiddleware)

    def _exception_handlers(self) -> ExceptionHandlersMap:
        """Pages in Chinese (JSON under the API); any other error logged with its request id, unless debugging."""
        return {
            HTTPException: self._page_errors,
            store.DatabaseBusyError: self._busy,
            **({} if self.settings.debug else {Exception: self._server_error}),
        }

    def _configure_headers(self, app_config: AppConfig) -> None:
        """The security headers on every response under ``path``; the policy hashes the templates' inline scripts."""
        policy = content_security_policy(
            inline_script_hashes(tuple(widget_roots(self.settings.form_defs, self.settings.packs)))
        )
        app_config.before_send.append(
            ResponseHeaders(self.path, https=self.settings.https, csp=policy, framed=PREVIEW_PATH)
        )

    @staticmethod
    def _configure_compression(app_config: AppConfig) -> None:
        """Let the host's compression leave alone the pages that arrive gzipped already."""
        compression = app_config.compression_config
        if compression is not None and compression.exclude_opt_key is None:
            compression.exclude_opt_key = SKIP_COMPRESSION
        elif compression is not None and compression.exclude_opt_key != SKIP_COMPRESSION:
            raise ImproperlyConfiguredException(
                f"ShenbaoPlugin: set CompressionConfig(exclude_opt_key={SKIP_COMPRESSION!r}) so its gzipped pages "
                "are not compressed twice"
            )
