"""``ShenbaoPlugin``: the whole platform mounted into any Litestar application with one line.

.. code-block:: python

    from litestar import Litestar
    from shenbao.plugin import ShenbaoPlugin

    app = Litestar(route_handlers=[...your routes...], plugins=[ShenbaoPlugin(path="/shenbao")])
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, cast

from litestar import Litestar, MediaType, Request, Response, Router
from litestar.config.app import AppConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ImproperlyConfiguredException
from litestar.plugins import InitPlugin
from litestar.static_files import create_static_files_router
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from shenbao import store
from shenbao.deadlines import fill_pending_deadlines
from shenbao.exports import load_exports
from shenbao.files import FileStore
from shenbao.housekeeping import HousekeepingJob
from shenbao.keyring import MISSING_KEYS
from shenbao.notify.dispatcher import OutboxDispatcher
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.reminders import ReminderJob
from shenbao.notify.sms import gateway_for
from shenbao.packs import ChainRegistry, FormRegistry, PackError, check_routing
from shenbao.regions import installed_divisions, use_divisions, with_provinces
from shenbao.settings import Settings, SettingsError
from shenbao.web.api import ApiController
from shenbao.web.demo import DemoController
from shenbao.web.farmer import FarmerController
from shenbao.web.household_check import HouseholdCheckController
from shenbao.web.pages import SKIP_COMPRESSION
from shenbao.web.render import Renderer, choose_language, remember_language
from shenbao.web.services import Services
from shenbao.web.staff import StaffController
from shenbao.web.staff_applications import StaffApplicationController
from shenbao.web.staff_audit import StaffAuditController
from shenbao.web.staff_people import StaffPeopleController
from shenbao.web.staff_reports import StaffReportsController
from shenbao.web.status import StatusController
from shenbao.web.widget_routes import install_widgets, widget_router
from shenbao.widgets import installed_widgets

__all__ = ["ShenbaoPlugin"]

STATIC_DIR = Path(__file__).parent / "web" / "static"
_DIVISIONS_SCHEMA = 3
"""The schema step that created the ``division`` table."""


def _static_version() -> str:
    digest = hashlib.sha256()
    for file in sorted(STATIC_DIR.glob("*")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:10]


async def _use_imported_divisions(database: store.Database, forms: FormRegistry) -> None:
    """Use the divisions imported into the database for the packs' provinces, where it has them.

    A pack's provinces are those its division file ships and those its region questions start from. A
    province the database has (``shenbao regions import``) replaces the shipped one; the others stay as
    shipped, so the Gansu demo works without an import.
    """
    if await store.schema_version(database) < _DIVISIONS_SCHEMA:
        return  # not migrated yet: nothing can have been imported
    shipped = installed_divisions()
    provinces = {division.code for division in shipped.children("")}
    provinces |= {
        root[:2]
        for form in forms
        for question in form.by_id.values()
        if len(root := str(getattr(question, "root", "") or "")) >= 2
    }
    imported = {
        province: rows
        for province in sorted(provinces)
        if (rows := await store.division_rows(database, province))
    }
    if imported:
        use_divisions(with_provinces(shipped, imported))


class ShenbaoPlugin(InitPlugin):
    """Mounts the farmer pages, the JSON API and the static files under ``path``.

    The platform opens its database when the host application starts and closes it when it stops. Its pages
    are rendered by its own Jinja2 environment, so the host's template configuration is left alone. It refuses
    to start without the keys that encrypt identity numbers and phones (``settings.keys``).

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

    def services(self, state: State) -> Services:
        """The running platform's services (the ``services`` dependency of every handler)."""
        services = state.get(self.state_key)
        if services is None:
            raise RuntimeError(
                "shenbao has not started yet: its services exist once the application starts up"
            )
        return cast(Services, services)

    async def _start(self, app: Litestar) -> None:
        if self.settings.keys is None:  # every submission holds an ID number or a phone to encrypt
            raise SettingsError(f"shenbao cannot start: {MISSING_KEYS}")
        database = await store.open_database(self.settings.database_url, keys=self.settings.keys)
        forms = FormRegistry.from_packs(
            self.settings.packs, self.settings.form_defs, cleaners=installed_widgets().cleaners()
        )
        chains = ChainRegistry.from_packs(self.settings.packs, self.settings.form_defs)
        try:
            check_routing(forms, chains)  # before anything process-wide is set for these packs
        except PackError:
            await database.close()
            raise
        await _use_imported_divisions(database, forms)
        try:
            gateway = gateway_for(self.settings, database, chains)
        except SettingsError:
            await database.close()
            raise
        app.state[self.state_key] = services = Services(
            settings=self.settings,
            forms=forms,
            renderer=Renderer(base=self.path, static_version=_static_version()),
            database=database,
            base=self.path,
            chains=chains,
            step_forms=FormRegistry.from_packs(
                self.settings.packs,
                self.settings.form_defs,
                cleaners=installed_widgets().cleaners(),
                folder="chains/forms",
            ),
            exports=load_exports(self.settings.packs, self.settings.form_defs),
            dispatcher=OutboxDispatcher(database, gateway),
            reminders=ReminderJob(database, chains, interval=self.settings.remind_minutes * 60),
            housekeeping=HousekeepingJob(database, FileStore.for_settings(self.settings)),
            phones=PhoneVerifier(
                database,
                gateway,
                self.settings.secret_key,
                per_address_per_hour=self.settings.otp_per_address_per_hour,
            ),
        )
        install_widgets(services)
        await fill_pending_deadlines(database, forms, services.chains)
        if services.dispatcher is not None:
            services.dispatcher.start()  # its first pass sends what an earlier process queued and left
        if services.reminders is not None and self.settings.remind_minutes > 0:
            services.reminders.start()
        if services.housekeeping is not None:
            services.housekeeping.start()

    async def _stop(self, app: Litestar) -> None:
        services = app.state.pop(self.state_key, None)
        if services is not None:
            if services.housekeeping is not None:
                await services.housekeeping.stop()
            if services.reminders is not None:
                await services.reminders.stop()
            if services.dispatcher is not None:
                await services.dispatcher.stop()
            await services.database.close()

    def _page_errors(self, request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
        """Farmer pages answer errors with a page in Chinese; the API answers in JSON."""
        if request.url.path.startswith(f"{self.path}/api/"):
            body: dict[str, Any] = {"status_code": error.status_code, "detail": error.detail}
            if error.extra:
                body["extra"] = error.extra
            return Response(body, status_code=error.status_code, media_type=MediaType.JSON)
        title = {404: "没有找到这个页面", 400: "请求有误", 405: "请求有误"}.get(error.status_code, "出错了")
        return self.services(request.app.state).renderer.page(
            "error.html", status_code=error.status_code, title=title, detail=error.detail
        )

    def _server_error(self, request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
        detail = "服务器出错了，请稍后再试。"
        return self._page_errors(
            request, HTTPException(status_code=HTTP_500_INTERNAL_SERVER_ERROR, detail=detail)
        )

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        static = create_static_files_router(
            path="/static",
            directories=[STATIC_DIR],
            name="shenbao:static",
            cache_control=CacheControlHeader(max_age=31_536_000, public=True),
        )
        router = Router(
            path=self.path or "/",
            route_handlers=[
                FarmerController,
                StatusController,
                StaffController,
                StaffApplicationController,
                HouseholdCheckController,
                StaffPeopleController,
                StaffAuditController,
                StaffReportsController,
                ApiController,
                static,
                widget_router(self.settings),
                *([DemoController] if self.settings.demo else []),
            ],
            dependencies={"services": Provide(self.services, sync_to_thread=False)},
            before_request=choose_language,
            after_request=remember_language,
            exception_handlers={HTTPException: self._page_errors, Exception: self._server_error}
            if not self.settings.debug
            else {HTTPException: self._page_errors},
        )
        app_config.route_handlers.append(router)
        compression = app_config.compression_config
        if compression is not None and compression.exclude_opt_key is None:
            # Some pages arrive gzipped already: let the host's compression leave them alone.
            compression.exclude_opt_key = SKIP_COMPRESSION
        elif compression is not None and compression.exclude_opt_key != SKIP_COMPRESSION:
            raise ImproperlyConfiguredException(
                f"ShenbaoPlugin: set CompressionConfig(exclude_opt_key={SKIP_COMPRESSION!r}) so its gzipped pages "
                "are not compressed twice"
            )
        app_config.on_startup.append(self._start)
        app_config.on_shutdown.append(self._stop)
        return app_config
