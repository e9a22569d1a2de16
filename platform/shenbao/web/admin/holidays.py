"""``/admin/holidays``: each pack's holiday years, and a form to add or correct one (province admins only).

chinesecalendar's years are shown read-only; the pack's ``holidays.json`` years and the saved ones open in the
form. The year after the last one known is named as missing, with how many deadlines wait for it. Plain form posts:
everything works without JavaScript; a refused save shows each problem at its box, with what the admin typed kept.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.cases import holidays as case
from shenbao.cases.publishing import kept_packs
from shenbao.store import holidays as stored
from shenbao.store.holidays import HolidayYearRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import posting_author
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services
from shenbao.workflow.calendar import YearOverride
from shenbao.workflow.holidays import date_ranges, dates_text, library_years, parse_dates, year_refusal

__all__ = ["HolidaysController", "PackYears", "YearRow"]

_SAVED = re.compile(r"^([a-z0-9][a-z0-9_-]{0,59}):(\d{4})$")


class YearRow(msgspec.Struct, frozen=True, kw_only=True):
    """One year of a pack as the list shows it."""

    year: int
    source: str
    """``file`` (the pack's ``holidays.json``) or ``saved`` (saved here; ``replaces_file`` when it replaces one)."""
    replaces_file: bool
    holidays: str
    workdays: str
    note: str
    revision: int
    updated_at: dt.datetime | None


class PackYears(msgspec.Struct, frozen=True, kw_only=True):
    """A pack's years: chinesecalendar's range, the file's and saved ones, and the first year nobody has yet."""

    pack: str
    library_first: int
    library_last: int
    rows: list[YearRow]
    missing: int
    waiting: int
    """How many open applications of the pack's forms wait for a deadline (期限待定)."""


def _short(days: list[dt.date]) -> str:
    """``1月1日；2月5日至11日；10月1日至7日`` (or ``无``)."""
    parts = []
    for first, last in date_ranges(days):
        start = f"{first.month}月{first.day}日"
        if first == last:
            parts.append(start)
        else:
            end = f"{last.day}日" if last.month == first.month else f"{last.month}月{last.day}日"
            parts.append(f"{start}至{end}")
    return "；".join(parts) or "无"


def _rows(files: dict[int, YearOverride], saved: list[HolidayYearRecord]) -> list[YearRow]:
    rows: dict[int, YearRow] = {}
    for year, override in files.items():
        rows[year] = YearRow(
            year=year, source="file", replaces_file=False, holidays=_short(override.holidays),
            workdays=_short(override.workdays), note="", revision=0, updated_at=None,
        )  # fmt: skip
    for record in saved:
        rows[record.year] = YearRow(
            year=record.year, source="saved", replaces_file=record.year in files, holidays=_short(record.holidays),
            workdays=_short(record.workdays), note=record.note, revision=record.revision,
            updated_at=record.updated_at,
        )  # fmt: skip
    return [rows[year] for year in sorted(rows)]


async def _overview(services: Services, signed_in: SignedIn) -> list[PackYears]:
    chains, known = services.chains, library_years()
    waiting = await stored.pending_deadlines_by_form(services.database)
    packs = []
    for pack in kept_packs(signed_in.staff, chains, chains.packs()):  # another province's: its own admins'
        saved = await stored.holiday_years(services.database, pack)
        rows = _rows(chains.file_years(pack), saved)
        last = max([known[-1], *(row.year for row in rows)])
        forms = case.pack_form_ids(services.forms, chains, pack)
        shown = PackYears(
            pack=pack, library_first=known[0], library_last=known[-1], rows=rows, missing=last + 1,
            waiting=sum(waiting.get(form, 0) for form in forms),
        )  # fmt: skip
        packs.append(shown)
    return packs


def _province(signed_in: SignedIn) -> SignedIn:
    if not case.may_keep_holidays(signed_in.staff):
        raise PermissionDeniedException(case.NOT_PROVINCE)
    return signed_in


def _known_pack(services: Services, pack: str, signed_in: SignedIn | None = None) -> str:
    if pack not in services.chains.packs():
        raise NotFoundException(f"没有名为“{pack}”的配置包")
    if signed_in is not None and not case.may_keep_holidays(
        signed_in.staff, services.chains.province_of(pack)
    ):
        raise PermissionDeniedException(case.NOT_PROVINCE)
    return pack


class HolidaysController(Controller):
    """The holiday years of each pack: the list, a year's form, its save and its deletion."""

    path = "/holidays"
    include_in_schema = False

    @get("/", name="admin:holidays")
    async def overview(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        saved: FromQuery[str] = "",
        filled: FromQuery[str] = "",
        deleted: FromQuery[str] = "",
    ) -> Response[str]:
        """Each pack's years; after a save, how many pending deadlines it filled."""
        _province(signed_in)
        await case.refresh_holiday_years(services.database, services.forms, services.chains)
        return await self._list(services, signed_in, saved=saved, filled=filled, deleted=deleted)

    async def _list(
        self, services: Services, signed_in: SignedIn, *, status_code: int = 200, **shown: Any
    ) -> Response[str]:
        notice = ""
        if (found := _SAVED.fullmatch(shown.get("saved", ""))) and shown.get("filled", "").isdigit():
            notice = f"已保存{found.group(2)}年的节假日安排，{int(shown['filled'])} 个待定的期限已算出"
        elif found := _SAVED.fullmatch(shown.get("deleted", "")):
            notice = f"已删除{found.group(2)}年的节假日安排"
        return services.renderer.page(
            "admin/holidays.html", status_code=status_code, **common(signed_in), packs=await _overview(services, signed_in),
            notice=notice, year_error=shown.get("year_error", ""), year_value=shown.get("year_value", ""),
        )  # fmt: skip

    @get("/{pack:str}/year", name="admin:holiday_other_year")
    async def other_year(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        pack: FromPath[str],
        year: FromQuery[str] = "",
    ) -> Response[Any]:
        """添加其他年份: the year typed, opened in the form, or the list again with what is wrong with it."""
        _province(signed_in)
        _known_pack(services, pack, signed_in)
        value = year.strip()
        error = (
            year_refusal(int(value))
            if value.isdigit() and len(value) == 4
            else "请填写四位数的年份，例如 2028"
        )
        if error:
            return await self._list(
                services,
                signed_in,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                year_error=error,
                year_value=value,
            )
        return Redirect(f"{services.base}/admin/holidays/{pack}/{value}", status_code=303)

    @get("/{pack:str}/{year:int}", name="admin:holiday_year")
    async def year_page(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        pack: FromPath[str],
        year: FromPath[int],
    ) -> Response[str]:
        """The form of one year, filled with what is saved (or the file's entry, or nothing yet)."""
        _province(signed_in)
        _known_pack(services, pack, signed_in)
        record = await stored.holiday_year(services.database, pack, year)
        return _year_form(
            services, signed_in, pack, year, record, values=_values(services, pack, year, record)
        )

    @post("/{pack:str}/{year:int}", name="admin:save_holiday_year", status_code=303)
    async def save(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        pack: FromPath[str],
        year: FromPath[int],
    ) -> Response[Any]:
        """保存: check the boxes, save the year, fill the deadlines that waited for it."""
        signed_in, posted = await posting_author(services, request)
        _province(signed_in)
        _known_pack(services, pack, signed_in)
        values = {key: posted.get(key, "") for key in ("holidays", "workdays", "note", "rev")}
        expected = int(values["rev"]) if values["rev"].isdigit() and len(values["rev"]) < 9 else 0
        boxes = {field: parse_dates(values[field]) for field in ("holidays", "workdays")}
        errors: dict[str, list[str]] = {
            field: parsed.errors for field, parsed in boxes.items() if parsed.errors
        }
        if len(values["note"].strip()) > 200:
            errors["note"] = [f"依据最多200个字，现在有{len(values['note'].strip())}个字，请缩短"]
        if errors:
            return await _refused(services, signed_in, pack, year, values, errors)
        result = await case.save_holiday_year(
            services.database, services.chains, services.forms, signed_in.staff, pack=pack, year=year,
            holidays=boxes["holidays"].days, workdays=boxes["workdays"].days, note=values["note"],
            expected=expected, address=client_address(request),
        )  # fmt: skip
        if isinstance(result, case.HolidayRefused):
            for problem in result.problems:
                errors.setdefault(problem.field, []).append(problem.message)
            return await _refused(services, signed_in, pack, year, values, errors)
        if isinstance(result, case.HolidayStale):
            return _stale(services, signed_in, pack, year, values, result.current)
        return Redirect(
            f"{services.base}/admin/holidays/?saved={pack}:{year}&filled={result.filled}#pack-{pack}",
            status_code=303,
        )

    @post("/{pack:str}/{year:int}/delete", name="admin:delete_holiday_year", status_code=303)
    async def delete(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        pack: FromPath[str],
        year: FromPath[int],
    ) -> Response[Any]:
        """删除这一年: back to the file's entry (or to nothing), unless an open deadline falls in the year."""
        signed_in, posted = await posting_author(services, request)
        _province(signed_in)
        _known_pack(services, pack, signed_in)
        raw = posted.get("rev", "")
        expected = int(raw) if raw.isdigit() and len(raw) < 9 else 0
        result = await case.delete_holiday_year(
            services.database, services.chains, services.forms, signed_in.staff, pack=pack, year=year,
            expected=expected, address=client_address(request),
        )  # fmt: skip
        record = await stored.holiday_year(services.database, pack, year)
        if isinstance(result, case.HolidayRefused):
            errors = {"year": [problem.message for problem in result.problems]}
            values = _values(services, pack, year, record)
            return _year_form(
                services, signed_in, pack, year, record, values=values, errors=errors, status=409
            )
        if isinstance(result, case.HolidayStale):
            values = _values(services, pack, year, record)
            return _stale(services, signed_in, pack, year, values, record)
        return Redirect(f"{services.base}/admin/holidays/?deleted={pack}:{year}#pack-{pack}", status_code=303)


def _values(services: Services, pack: str, year: int, record: HolidayYearRecord | None) -> dict[str, str]:
    """The boxes as saved, else as the pack's file has the year, else empty; ``rev``: the revision they are at."""
    if record is not None:
        holidays, workdays, note, rev = record.holidays, record.workdays, record.note, record.revision
    else:
        from_file = services.chains.file_years(pack).get(year, YearOverride())
        holidays, workdays, note, rev = from_file.holidays, from_file.workdays, "", 0
    return {"holidays": dates_text(holidays), "workdays": dates_text(workdays), "note": note, "rev": str(rev)}


def _year_form(
    services: Services,
    signed_in: SignedIn,
    pack: str,
    year: int,
    record: HolidayYearRecord | None,
    *,
    values: dict[str, str],
    errors: dict[str, list[str]] | None = None,
    status: int = 200,
    stale: str = "",
) -> Response[str]:
    return services.renderer.page(
        "admin/holiday_year.html", status_code=status, **common(signed_in), pack=pack, year=year, record=record,
        values=values, errors=errors or {}, stale=stale, refusal=year_refusal(year),
        in_file=year in services.chains.file_years(pack),
    )  # fmt: skip


async def _refused(
    services: Services,
    signed_in: SignedIn,
    pack: str,
    year: int,
    values: dict[str, str],
    errors: dict[str, list[str]],
) -> Response[str]:
    """The form again with what the admin typed and each problem at its box (422); nothing was saved."""
    record = await stored.holiday_year(services.database, pack, year)
    return _year_form(
        services,
        signed_in,
        pack,
        year,
        record,
        values=values,
        errors=errors,
        status=HTTP_422_UNPROCESSABLE_ENTITY,
    )


def _stale(
    services: Services,
    signed_in: SignedIn,
    pack: str,
    year: int,
    values: dict[str, str],
    current: HolidayYearRecord | None,
) -> Response[str]:
    """Someone else saved (or deleted) the year first: what the admin typed is kept, beside the year as it is now."""
    if current is None:
        message = (
            f"另一位管理员刚刚删除了{year}年的安排。您填写的内容保留在下面，核对后再点“保存”即可重新添加。"
        )
    else:
        message = (
            f"另一位管理员刚刚保存了{year}年的安排（第{current.revision}版，放假：{_short(current.holidays)}；"
            f"调休上班：{_short(current.workdays)}）。您填写的内容保留在下面，没有保存；核对后再点“保存”，"
            "就会以您填写的为准。"
        )
    values = {**values, "rev": str(current.revision if current else 0)}
    return _year_form(
        services, signed_in, pack, year, current, values=values, status=HTTP_409_CONFLICT, stale=message
    )
