"""The statistics page of a staff member's region, and the export of its approved applications for the national system.

Both are scoped to the signed-in staff member's region subtree (:mod:`shenbao.store.reports`). Who sees identity
numbers and phones whole in the export: county staff, who enter the approved households into the national
system (录入国家系统 is a county step in the first province's chains). Village, township and province staff get them
masked (``620102********123X``, ``138****8000``): they count and follow cases, and have no entry to make.
This is narrower than :func:`shenbao.privacy.masking.may_unmask` on purpose: that reveals one application on one page
view, where a handler needs to call a farmer; an export is a file of a whole region's households that leaves
the platform.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.background_tasks import BackgroundTask
from litestar.di import NamedDependency
from litestar.response import File

from shenbao.china_time import CHINA
from shenbao.china_time import today as _today  # the statistics' today (the tests pin it here)
from shenbao.exports import HEADERS, XLSX_MEDIA_TYPE, XlsxSheet, national_row
from shenbao.exports.answers import FIXED_HEADERS, answer_columns, answer_row
from shenbao.regions.divisions import Level
from shenbao.roles import role_label, role_level
from shenbao.statuses import STATUS_LABELS
from shenbao.store.audit import record_audit
from shenbao.store.reports import ApprovedApplication, approved_in_region, region_statistics
from shenbao.store.staff import SignedIn, StaffRecord
from shenbao.web.posted import CSRF_FIELD, client_address
from shenbao.web.services import Services
from shenbao.web.staff.home import region_names
from shenbao.web.staff.report_views import status_rows, sub_region_rows, week_chart

__all__ = ["FULL_IDENTITY_ROLES", "StaffReportsController"]

FULL_IDENTITY_ROLES: frozenset[Level] = frozenset({"county"})
"""The roles whose export carries ID numbers and phones whole: the county enters them into the national system."""
_WEEKS = 12


def _discard(path: Path) -> None:
    """Delete the temporary workbook (sent, or left half-written by an error)."""
    path.unlink(missing_ok=True)


class _Export:
    """Builds the workbook of one staff member's export, a batch of applications at a time (in a thread)."""

    def __init__(self, services: Services, staff: StaffRecord) -> None:
        self.services = services
        self.full_identity = role_level(staff.role) in FULL_IDENTITY_ROLES
        self.divisions = services.packs.divisions
        self.step_forms = {form.id: form for form in services.step_forms}
        self.sheet = XlsxSheet(services.exports.title, HEADERS)
        self.columns = answer_columns(services.forms.all_versions())
        self.answers = self.sheet.next_sheet(
            "全部回答", [*FIXED_HEADERS, *((column.header, column.width) for column in self.columns)]
        )

    def add(self, batch: list[ApprovedApplication]) -> None:
        rows = []
        for application in batch:
            form = self.services.forms.of(application.form_id, application.form_version)
            state = application.workflow_state or {}
            chain_id = state.get("chain") or (form.definition.chain if form is not None else None)
            version = state.get("chain_version")
            chain = (
                self.services.chains.of(chain_id, version if isinstance(version, int) else None)
                if chain_id
                else None
            )
            rows.append(
                national_row(
                    application,
                    form=form,
                    columns=self.services.exports.columns.get(application.form_id),
                    chain=chain[0] if chain else None,
                    divisions=self.divisions,
                    full_identity=self.full_identity,
                    step_forms=self.step_forms,
                )
            )
        self.sheet.append(rows)
        self.answers.append(
            answer_row(
                application,
                self.services.forms.of(application.form_id, application.form_version),
                self.columns,
                full_identity=self.full_identity,
            )
            for application in batch
        )


class StaffReportsController(Controller):
    """The statistics of the staff member's region, and the xlsx of its approved applications."""

    path = "/"
    include_in_schema = False

    @get("/stats", name="staff:stats")
    async def statistics(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """Counts by status and by sub-region, overdue and green-channel cases, and a chart of the last 12 weeks."""
        staff = signed_in.staff
        names = region_names(services.packs.divisions, staff.region_code)
        today = _today()
        statistics = await region_statistics(
            services.database, staff.region_code, today=today, zone=CHINA, weeks=_WEEKS
        )
        return services.renderer.page(
            "staff/stats.html",
            staff=staff,
            role_label=role_label(staff.role),
            region=" ".join(names),
            region_name=names[-1],
            today=today,
            statistics=statistics,
            statuses=status_rows(statistics.by_status),
            chart=week_chart(statistics.weeks),
            sub_regions=sub_region_rows(statistics, services.packs.divisions),
            full_identity=role_level(staff.role) in FULL_IDENTITY_ROLES,
            csrf_field=CSRF_FIELD,
            csrf_token=signed_in.csrf_token,
        )

    @get("/export.xlsx", name="staff:export")
    async def export(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The approved applications of the region as xlsx, written to a temporary file a batch at a time."""
        staff = signed_in.staff
        handle, name = tempfile.mkstemp(prefix="shenbao-export-", suffix=".xlsx")
        os.close(handle)
        path = Path(name)
        try:
            export = await asyncio.to_thread(_Export, services, staff)
            rows = 0
            async for batch in approved_in_region(services.database, staff.region_code):
                await asyncio.to_thread(export.add, batch)
                rows += len(batch)
            await asyncio.to_thread(export.sheet.save, path)
            full = (
                "身份证号和手机号完整"
                if role_level(staff.role) in FULL_IDENTITY_ROLES
                else "身份证号和手机号已遮盖"
            )
            await record_audit(
                services.database,
                action="export",
                staff=staff,
                target=staff.region_code,
                detail=f"{STATUS_LABELS['approved']}的申请{rows}条，{full}",
                address=client_address(request),
            )
        except BaseException:
            _discard(path)
            raise
        filename = f"{services.exports.title}-{region_names(services.packs.divisions, staff.region_code)[-1]}-{_today().isoformat()}.xlsx"
        return File(
            path,
            filename=filename,
            media_type=XLSX_MEDIA_TYPE,
            headers={"Cache-Control": "no-store"},
            background=BackgroundTask(_discard, path),
        )
