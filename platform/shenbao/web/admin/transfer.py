"""A form as a file: download it in the ``form_defs/`` format, or upload one as a new form or over a draft.

An upload is checked before anything is stored: when it is not clean the admin gets a report of every problem in
Chinese at its question, and nothing changes. When its form id is taken the report asks for another and keeps the
uploaded text in the page, so nothing uploaded is lost. Plain forms (``multipart/form-data``), no script needed.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import (
    HTTP_409_CONFLICT,
    HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    HTTP_422_UNPROCESSABLE_ENTITY,
)

from shenbao.cases import authoring
from shenbao.cases.authoring import Refused, Saved, Stale
from shenbao.cases.transfer import Imported, import_file, record_export, replace_with_file
from shenbao.forms.model import FormDef
from shenbao.forms.transfer import MAX_FILE_BYTES, Checked, Finding, export_json, export_name, too_large
from shenbao.store import authoring as stored
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import editable_form, posting_author
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services

__all__ = ["TransferController"]

_BODY_LIMIT = MAX_FILE_BYTES + 256 * 1024
"""The largest upload request read: the file, the form's other fields and the multipart framing. A bigger one is
answered with the report's "文件太大" before it is read."""

_NOT_UTF8 = "提交的内容不是 UTF-8 编码的文字：请重新选择文件导入（文件请用 UTF-8 保存）"
_NO_FILE = "没有收到文件：请点“选择文件”选一个表单文件（.json），再点导入"


class TransferController(Controller):
    """``/admin/forms/<n>/export``, ``/admin/packs/<id>/export``, ``/admin/forms/import``, ``/admin/forms/<n>/import``."""

    include_in_schema = False

    @get("/forms/{form_pk:int}/export", name="admin:export_form")
    async def export_form(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[bytes]:
        """导出: the authored form's definition as ``<form id>.json``."""
        form = await editable_form(services, signed_in, form_pk)
        definition = authoring.definition_of(form)
        await record_export(
            services.database, signed_in.staff, form_id=form.form_id, detail=f"第{form.revision}次保存",
            address=client_address(request),
        )  # fmt: skip
        return _download(definition)

    @get("/packs/{form_id:str}/export", name="admin:export_pack")
    async def export_pack(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_id: FromPath[str],
    ) -> Response[bytes]:
        """导出: a pack's read-only form, as its file in the pack would be."""
        original = services.forms.get(form_id)
        if original is None:
            raise NotFoundException("没有找到这张表单")
        await record_export(
            services.database, signed_in.staff, form_id=original.id, detail="省里已有的表单",
            address=client_address(request),
        )  # fmt: skip
        return _download(original.definition)

    @post("/forms/import", name="admin:import_form", status_code=303, request_max_body_size=_BODY_LIMIT)
    async def import_new(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """导入表单文件: a new form from a file (or, after its id was taken, the kept text and another id)."""
        posted = await _posted(services, request)
        if isinstance(posted, Unread):
            return _report(services, signed_in, posted.checked, status=posted.status)
        upload = await _uploaded(request, posted)
        if isinstance(upload, Checked):
            return _report(services, signed_in, upload)
        file_name, data = upload
        result = await import_file(
            services.database, signed_in.staff, data, file_name=file_name,
            form_id=posted.get("form_id", "").strip().lower(), reserved=_pack_ids(services),
            widgets=services.builder_widgets("", signed_in.staff.region_code).drawn(),
            address=client_address(request),
        )  # fmt: skip
        if isinstance(result, Imported):
            return Redirect(f"{services.base}/admin/forms/{result.form.id}/", status_code=303)
        return _report(
            services, signed_in, result.checked, file_name=file_name, content=data if result.taken else b"",
            taken=result.taken, id_error=result.id_error, suggested=await _suggestion(services, result.taken),
        )  # fmt: skip

    @post(
        "/forms/{form_pk:int}/import",
        name="admin:replace_form",
        status_code=303,
        request_max_body_size=_BODY_LIMIT,
    )
    async def import_over(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[Any]:
        """导入替换: the file's form becomes the draft's next revision (one edit, undoable), if it is clean."""
        form = await editable_form(services, signed_in, form_pk)
        posted = await _posted(services, request)
        if isinstance(posted, Unread):
            return _report(services, signed_in, posted.checked, form=form, status=posted.status)
        upload = await _uploaded(request, posted)
        if isinstance(upload, Checked):
            return _report(services, signed_in, upload, form=form)
        file_name, data = upload
        raw = posted.get("rev", "")
        result = await replace_with_file(
            services.database, signed_in.staff, form, data, file_name=file_name,
            expected=int(raw) if raw.isdigit() and len(raw) < 10 else -1,
            widgets=services.builder_widgets(form.form_id, form.owner_region, form.definition).drawn(),
            address=client_address(request),
        )  # fmt: skip
        if isinstance(result, Saved):
            return Redirect(f"{services.base}/admin/forms/{form.id}/?panel=form", status_code=303)
        if isinstance(result, Checked):
            return _report(services, signed_in, result, form=form, file_name=file_name)
        return _report(
            services, signed_in, Checked(definition=None, findings=[]), form=result.form if isinstance(result, Stale) else form,
            file_name=file_name, stale=result if isinstance(result, Stale) else None,
            refused=result.message if isinstance(result, Refused) else "",
            status=HTTP_409_CONFLICT if isinstance(result, Stale) else HTTP_422_UNPROCESSABLE_ENTITY,
        )  # fmt: skip


def _download(definition: FormDef) -> Response[bytes]:
    name = export_name(definition)
    return Response(
        export_json(definition),
        media_type="application/json; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


class Unread(NamedTuple):
    """A post refused before its fields could be read: what the report says, and its status."""

    checked: Checked
    status: int


async def _posted(services: Services, request: Request[Any, Any, Any]) -> dict[str, str] | Unread:
    """The posted form once its CSRF field matches (else 403), or why it could not be read: too large (its
    announced length, when it has one), or a field that is not UTF-8 text."""
    try:
        _, posted = await posting_author(services, request)
    except RequestEntityTooLarge:
        size = request.headers.get("content-length", "")
        finding = too_large(int(size) if size.isdigit() else _BODY_LIMIT + 1)
        return Unread(Checked(definition=None, findings=[finding]), HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    except UnicodeDecodeError:
        finding = Finding(where="整个文件", messages=[_NOT_UTF8])
        return Unread(Checked(definition=None, findings=[finding]), HTTP_422_UNPROCESSABLE_ENTITY)
    return posted


async def _uploaded(request: Request[Any, Any, Any], posted: dict[str, str]) -> tuple[str, bytes] | Checked:
    """The posted file's name and bytes: the ``file`` input, else the text a report kept (``content``)."""
    data = await request.form()
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read()  # at most the route's body limit
        if len(content) > MAX_FILE_BYTES:
            return Checked(definition=None, findings=[too_large(len(content))])
        return _file_name(upload.filename), content
    kept = data.get("content")
    if isinstance(kept, str) and kept:
        return _file_name(posted.get("file_name", "")), kept.encode("utf-8", errors="replace")
    return Checked(definition=None, findings=[Finding(where="整个文件", messages=[_NO_FILE])])


def _file_name(name: str) -> str:
    """The file's own name, without any folder a browser sent, at most 80 characters."""
    return (name.replace("\\", "/").rsplit("/", 1)[-1].strip() or "导入的文件")[:80]


def _pack_ids(services: Services) -> set[str]:
    return {form.id for form in services.forms} | {form.id for form in services.step_forms}


async def _suggestion(services: Services, taken: str) -> str:
    """A free id near ``taken`` (``<id>-2``, ``-3``...) for the report's field."""
    if not taken:
        return ""
    reserved = _pack_ids(services)
    stem = taken[:54]
    for number in range(2, 50):
        candidate = f"{stem}-{number}"
        if (
            candidate not in reserved
            and await stored.authored_form_by_form_id(services.database, candidate) is None
        ):
            return candidate
    return ""


def _report(
    services: Services,
    signed_in: SignedIn,
    checked: Checked,
    *,
    form: AuthoredFormRecord | None = None,
    file_name: str = "",
    content: bytes = b"",
    taken: str = "",
    id_error: str = "",
    suggested: str = "",
    stale: Stale | None = None,
    refused: str = "",
    status: int = HTTP_422_UNPROCESSABLE_ENTITY,
) -> Response[str]:
    """The import report: every problem at its question, nothing stored; the way to try again."""
    return services.renderer.page(
        "admin/import_report.html",
        status_code=status,
        **common(signed_in),
        checked=checked,
        form=form,
        builder_url=f"{services.base}/admin/forms/{form.id}" if form is not None else "",
        file_name=file_name,
        content=content.decode("utf-8", errors="replace"),
        taken=taken,
        taken_by_pack=taken in _pack_ids(services),
        id_error=id_error,
        suggested=suggested,
        stale=stale,
        refused=refused,
        max_mb=MAX_FILE_BYTES // 1024 // 1024,
    )
