"""``/admin/packs``: each pack the platform runs, with what is published of it; the whole pack as a zip; a zip
uploaded back (province admins only, like the holidays page).

An upload is checked first and nothing is stored (a dry run): the page shows, file by file, what importing would do
and why a file is refused. When nothing is refused, "确认导入" posts the same zip again: the admin chooses the file a
second time (a browser cannot keep a chosen file across pages, and the page keeps no upload of its own), the page
carries only the SHA-256 of the zip it checked, and a different file is checked and shown again instead of imported.
The import itself checks everything once more and stores all or nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tempfile
from pathlib import Path
from typing import Any

import anyio.to_thread
import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromQuery
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.cases import pack_files
from shenbao.cases.pack_archive import MAX_ARCHIVE_BYTES, ArchiveError, unzip_into, zip_folder
from shenbao.cases.pack_files import PackImport
from shenbao.cases.publishing import kept_packs
from shenbao.china_time import CHINA
from shenbao.store import holidays as saved_years
from shenbao.store.audit import record_audit
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import posting_author
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services

__all__ = ["PackSummary", "PacksController"]

_BODY_LIMIT = MAX_ARCHIVE_BYTES + 256 * 1024
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_NO_FILE = "没有收到文件：请点“选择文件”选一个配置包压缩包（.zip），再点“检查”"
_TOO_LARGE = f"文件太大：最多可以上传{MAX_ARCHIVE_BYTES // 1024 // 1024} MB 的压缩包"
_NO_PACK_FOLDER = (
    "压缩包里要先有配置包的文件夹（以配置包代码命名），forms/、chains/ 放在它里面：请上传“下载整个配置包”得到的压缩包，"
    "或把配置包的文件夹整个压缩"
)
_OTHER_FILE = "这次选的压缩包和刚才检查的不是同一个，所以没有导入：下面是它的检查结果，核对后再点“确认导入”"


class PackSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A pack as the page lists it: the version served of each of its forms and chains, its holiday years."""

    pack: str
    forms: dict[str, int]
    chains: dict[str, int]
    years: list[int]
    saved_years: int


def _province(signed_in: SignedIn) -> SignedIn:
    if not pack_files.may_import_packs(signed_in.staff):
        raise PermissionDeniedException(pack_files.NOT_PROVINCE)
    return signed_in


def own_packs(services: Services, signed_in: SignedIn) -> list[str]:
    """The served packs this province admin keeps: those of their own province (another's are its admins')."""
    return kept_packs(signed_in.staff, services.chains, services.settings.packs)


async def _summaries(services: Services, signed_in: SignedIn) -> list[PackSummary]:
    found = []
    for pack in own_packs(services, signed_in):
        forms = await pack_files.published_in_pack(services.database, pack, services.chains, "form")
        chains = await pack_files.published_in_pack(services.database, pack, services.chains, "chain")
        years = await pack_files.pack_years(services.database, pack, services.chains)
        summary = PackSummary(
            pack=pack, forms={k: v.version for k, v in forms.items()}, chains={k: v.version for k, v in chains.items()},
            years=list(years), saved_years=len(await saved_years.holiday_years(services.database, pack)),
        )  # fmt: skip
        found.append(summary)
    return found


class PacksController(Controller):
    """The packs: the list, a pack's zip, an upload checked and imported."""

    path = "/packs"
    include_in_schema = False

    @get("/", name="admin:packs")
    async def overview(
        self, services: NamedDependency[Services], signed_in: NamedDependency[SignedIn]
    ) -> Response[str]:
        """Each pack the platform runs, its download, and the upload."""
        _province(signed_in)
        return await _page(services, signed_in)

    @get("/archive", name="admin:pack_archive")
    async def archive(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        pack: FromQuery[str] = "",
    ) -> Response[bytes]:
        """下载整个配置包: ``<pack>-<date>.zip`` of the folder ``shenbao pack export`` writes."""
        _province(signed_in)
        if pack not in services.settings.packs:
            raise NotFoundException(f"没有名为“{pack}”的配置包")
        if pack not in own_packs(services, signed_in):
            raise PermissionDeniedException("这个配置包属于别的省份：只有那个省的省级账号可以下载")
        with tempfile.TemporaryDirectory(prefix="shenbao-pack-") as folder:
            exported = await pack_files.export_pack(
                services.database,
                pack,
                Path(folder),
                chains=services.chains,
                root=services.settings.form_defs,
            )
            data = await anyio.to_thread.run_sync(zip_folder, Path(folder))
        async with services.database.transaction():
            await record_audit(
                services.database, action="pack.export", staff=signed_in.staff, target=pack,
                detail=f"{len(exported.forms)}张表单、{len(exported.chains)}个审批流程、{len(exported.years)}个节假日年份",
                address=client_address(request), at=dt.datetime.now(dt.UTC),
            )  # fmt: skip
        name = f"{pack}-{dt.datetime.now(CHINA):%Y%m%d}.zip"
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
        )

    @post("/import", name="admin:import_pack", status_code=200, request_max_body_size=_BODY_LIMIT)
    async def upload(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[str]:
        """检查 (a dry run) or 确认导入 (the same zip, checked again and imported)."""
        try:
            signed_in, posted = await posting_author(services, request)
        except RequestEntityTooLarge:
            signed_in = None
        if signed_in is None:
            return await _refused_upload(services, request, _TOO_LARGE, HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        _province(signed_in)
        upload = (await request.form()).get("file")
        data = await upload.read() if isinstance(upload, UploadFile) and upload.filename else b""
        if not data:
            return await _page(services, signed_in, error=_NO_FILE, status=HTTP_422_UNPROCESSABLE_ENTITY)
        digest = hashlib.sha256(data).hexdigest()
        checked = posted.get("checked", "")
        confirm = posted.get("confirm") == "1" and bool(_DIGEST.fullmatch(checked))
        with tempfile.TemporaryDirectory(prefix="shenbao-upload-") as folder:
            try:
                await anyio.to_thread.run_sync(unzip_into, data, Path(folder))
            except ArchiveError as error:
                return await _page(
                    services, signed_in, error=str(error), status=HTTP_422_UNPROCESSABLE_ENTITY
                )
            if pack_files.packs_in(Path(folder)) == [Path(folder)]:  # forms/ at the top: which pack is it?
                return await _page(
                    services, signed_in, error=_NO_PACK_FOLDER, status=HTTP_422_UNPROCESSABLE_ENTITY
                )
            report = await pack_files.import_pack(
                services.database, Path(folder), dry_run=not (confirm and checked == digest), staff=signed_in.staff,
                packs=own_packs(services, signed_in), chains=services.chains, step_forms=services.step_forms,
                pack_widgets={pack.code: pack.drawn() for pack in services.packs},
                address=client_address(request),
            )  # fmt: skip
        if report.stored and services.catalog is not None:
            await (
                services.catalog.refresh()
            )  # this process serves the import at once; the others within a second
        notice = _OTHER_FILE if confirm and checked != digest else ""
        status = HTTP_422_UNPROCESSABLE_ENTITY if report.refused else 200
        file_name = upload.filename if isinstance(upload, UploadFile) else ""
        return await _page(
            services,
            signed_in,
            report=report,
            digest=digest,
            file_name=file_name,
            notice=notice,
            status=status,
        )


async def _refused_upload(
    services: Services, request: Request[Any, Any, Any], message: str, status: int
) -> Response[str]:
    """An upload too large to read: the page with why (the CSRF token could not be read, so the session is asked
    for again)."""
    from shenbao.web.staff.session import signed_in_staff

    signed_in = await signed_in_staff(services, request)
    if signed_in is None:
        raise PermissionDeniedException("请先登录")
    _province(signed_in)
    return await _page(services, signed_in, error=message, status=status)


async def _page(
    services: Services,
    signed_in: SignedIn,
    *,
    report: PackImport | None = None,
    digest: str = "",
    file_name: str = "",
    notice: str = "",
    error: str = "",
    status: int = 200,
) -> Response[str]:
    return services.renderer.page(
        "admin/packs.html", status_code=status, **common(signed_in), packs=await _summaries(services, signed_in),
        report=report, digest=digest, file_name=file_name, notice=notice, error=error,
        max_mb=MAX_ARCHIVE_BYTES // 1024 // 1024,
    )  # fmt: skip
