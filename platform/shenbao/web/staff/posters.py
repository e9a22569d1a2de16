"""QR codes and printable posters of the published forms, for the staff member's own region.

``/staff/posters`` lists the published forms and, for a region of the staff member's (their own by default,
``?region=`` to go down a level), its sub-regions with links to ``/staff/posters/<form id>.png?region=<code>``
(one QR code) and ``/staff/posters/<form id>.pdf?region=<code>`` (the A4 poster of a village, or one PDF with a
page for every village below a township or county). The QR code holds the absolute link of the form's guide with
``?region=``, which presets the farmer's region question; it never names a version, so a republish needs no
reprint. Staff may print only their own region's posters; every PDF download leaves an audit row.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import (
    ClientException,
    NotFoundException,
    PermissionDeniedException,
    ServiceUnavailableException,
)
from litestar.params import FromPath

from shenbao.forms import CompiledForm, text_of
from shenbao.posters import PosterFontMissing, poster_facts, poster_font, poster_pdf, qr_png, villages_below
from shenbao.regions import LEVEL_LABELS, Division, Divisions
from shenbao.roles import role_label
from shenbao.store.audit import record_audit
from shenbao.store.staff import SignedIn, StaffRecord
from shenbao.web.posted import CSRF_FIELD, client_address
from shenbao.web.services import Services
from shenbao.web.staff.home import region_names

__all__ = ["MAX_POSTER_PAGES", "StaffPostersController", "poster_url"]

MAX_POSTER_PAGES = 400
"""The most villages one PDF holds: a county at most; a city or a province downloads a county at a time."""
_KINDS = {"png": "image/png", "pdf": "application/pdf"}


def poster_url(origin: str, base: str, form_id: str, region: str) -> str:
    """The link a poster's QR code holds: the form's guide with the region preset, ``<origin><base>/f/<id>?region=``."""
    return f"{origin.rstrip('/')}{base}/f/{form_id}?region={region}"


def _origin(services: Services, request: Request[Any, Any, Any]) -> str:
    """Where the staff member's browser reached the platform (``https`` whenever the platform is served over it)."""
    scheme = "https" if services.settings.https else request.url.scheme
    return f"{scheme}://{request.url.netloc}"


def _of_province(services: Services, form: CompiledForm, region: str) -> bool:
    """Whether ``form`` is served to the province of ``region`` (a form of no pack's, to every province): a poster
    in one province's villages never opens another province's form."""
    pack = services.packs.get(services.forms.pack_of(form.id))
    return pack is None or pack.province == region[:2]


def _published(services: Services, form_id: str, region: str) -> CompiledForm:
    """The version of ``form_id`` farmers get now; 404 when it is not published (in the province of ``region``)."""
    form = services.forms.get(form_id)
    if form is None or not _of_province(services, form, region):
        raise NotFoundException(
            f"这张表单还没有在本省发布（{form_id}），不能生成二维码：请先在表单管理里发布它，或从二维码和海报页选择已发布的表单。"
        )
    return form


def _own_region(divisions: Divisions, staff: StaffRecord, code: str | None) -> Division:
    """The division ``code`` (the staff member's own region when not given): 404 unknown, 403 outside theirs."""
    code = (code or "").strip() or staff.region_code
    division = divisions.get(code)
    if division is None:
        raise NotFoundException(f"没有地区代码为 {code} 的地区：请从二维码和海报页的地区列表里选择。")
    if code != staff.region_code and not divisions.is_within(code, staff.region_code):
        own = "".join(region_names(divisions, staff.region_code))
        raise PermissionDeniedException(
            f"{''.join(region_names(divisions, code))}不在您的辖区（{own}），不能打印它的二维码和海报：请联系该地区的工作人员。"
        )
    return division


def _download(body: bytes, kind: str, filename: str, *, attachment: bool) -> Response[bytes]:
    """The file as sent, named for the browser in UTF-8 (RFC 6266) and never kept in a shared cache."""
    disposition = "attachment" if attachment else "inline"
    ascii_name = f"poster.{kind}"
    return Response(
        body,
        media_type=_KINDS[kind],
        headers={
            "Content-Disposition": f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


class StaffPostersController(Controller):
    """The posters page, and each region's QR code and poster PDF."""

    path = "/posters"
    include_in_schema = False

    @get("/", name="staff:posters")
    async def posters(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The published forms, the region chosen and its sub-regions, each with its QR code and poster links."""
        staff = signed_in.staff
        divisions = services.packs.divisions
        region = _own_region(divisions, staff, request.query_params.get("region"))
        forms = sorted(
            (form for form in services.forms if _of_province(services, form, staff.region_code)),
            key=lambda form: form.id,
        )
        chosen = request.query_params.get("form") or (forms[0].id if forms else "")
        form = next((each for each in forms if each.id == chosen), forms[0] if forms else None)
        path = divisions.path(region.code)
        try:
            poster_font()
            font_missing = ""
        except PosterFontMissing as missing:
            font_missing = str(missing)
        return services.renderer.page(
            "staff/posters.html",
            staff=staff,
            role_label=role_label(staff.role),
            forms=forms,
            form=form,
            region=region,
            region_name="".join(division.name for division in path),
            level_label=LEVEL_LABELS[region.level],
            parent=path[-2] if region.code != staff.region_code and len(path) > 1 else None,
            rows=divisions.children(region.code),
            village_count=len(villages_below(divisions, region.code)),
            max_pages=MAX_POSTER_PAGES,
            font_missing=font_missing,
            csrf_field=CSRF_FIELD,
            csrf_token=signed_in.csrf_token,
        )

    @get("/{file:str}", name="staff:poster_file")
    async def poster_file(
        self,
        file: FromPath[str],
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[bytes]:
        """``<form id>.png``: the QR code of one region; ``<form id>.pdf``: the posters of every village below it."""
        form_id, dot, kind = file.rpartition(".")
        if not dot or kind not in _KINDS:
            raise NotFoundException(f"没有 {file} 这个文件：二维码以 .png 结尾，海报以 .pdf 结尾。")
        staff = signed_in.staff
        form = _published(services, form_id, staff.region_code)
        divisions = services.packs.divisions
        if not request.query_params.get("region"):
            raise ClientException("请选择地区：在二维码和海报页点一个地区的链接。")
        region = _own_region(divisions, staff, request.query_params.get("region"))
        origin = _origin(services, request)
        name = "".join(region_names(services.packs.divisions, region.code))
        if kind == "png":
            png = qr_png(poster_url(origin, services.base, form.id, region.code))
            return _download(png, "png", f"二维码-{form.id}-{name}.png", attachment=False)
        villages = villages_below(divisions, region.code) or [region]
        if len(villages) > MAX_POSTER_PAGES:
            raise ClientException(
                f"{name}下有{len(villages)}个村，一份海报最多{MAX_POSTER_PAGES}页：请进入下级地区，按县区或乡镇分别下载。"
            )
        found = services.chains.get(form.definition.chain) if form.definition.chain else None
        chain = found.chain if found is not None else None
        facts = [
            poster_facts(
                form, chain, divisions, village.code, poster_url(origin, services.base, form.id, village.code)
            )
            for village in villages
        ]
        try:
            pdf = await asyncio.to_thread(poster_pdf, facts)
        except PosterFontMissing as missing:
            raise ServiceUnavailableException(str(missing)) from None
        await record_audit(
            services.database,
            action="poster",
            staff=staff,
            target=region.code,
            detail=f"{form.id} 的海报{len(facts)}页（{name}）",
            address=client_address(request),
        )
        return _download(pdf, "pdf", f"海报-{text_of(form.definition.title)}-{name}.pdf", attachment=True)
