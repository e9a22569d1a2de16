"""The audit log page (``/staff/audit``): the province admin's, newest first, filtered, 50 rows a page.

Filters are query parameters, so a filtered page can be bookmarked and the form works without JavaScript:
``user`` (a username), ``action`` (a code of :data:`ACTION_CHOICES`), ``date`` (a day in China time,
``2026-06-01``) and ``target`` (a receipt number, any spacing, or an account's username). Paging is by key:
``before`` and ``after`` are row ids the page hands out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.china_time import CHINA
from shenbao.regions import Divisions
from shenbao.roles import role_label, role_level
from shenbao.store.audit import AuditEntry, AuditFilter, audit_page
from shenbao.store.receipts import format_receipt, parse_receipt
from shenbao.store.staff import SignedIn
from shenbao.web.posted import CSRF_FIELD
from shenbao.web.services import Services
from shenbao.web.staff.home import region_names
from shenbao.workflow.engine import ACTION_LABELS

__all__ = ["ACTION_CHOICES", "AuditQuery", "StaffAuditController", "action_label", "parse_audit_query"]

_PAGE_SIZE = 50
ACTION_CHOICES: dict[str, str] = {
    "login": "登录",
    "login.failed": "登录失败",
    "logout": "退出",
    "decision.*": "办理决定",
    "view.unmasked": "查看完整个人信息",
    "export": "导出",
    "staff.add": "新增账号",
    "staff.form_admin.grant": "授予表单管理权限",
    "staff.form_admin.revoke": "收回表单管理权限",
    "form.*": "表单的制作、发布和回退",
    "chain.*": "审批流程的修改、发布和回退",
    "holidays.*": "节假日安排",
    "pack.export": "下载配置包",
    "poster": "打印二维码海报",
}
"""The action filter's choices: a code, or a family (``decision.*``), and how the page names it."""
_LABELS: dict[str, str] = {
    "form.create": "新建表单",
    "form.edit": "修改表单",
    "form.undo": "撤销表单修改",
    "form.redo": "重做表单修改",
    "form.import": "导入表单",
    "form.export": "导出表单",
    "form.trial_link": "生成试填链接",
    "form.publish": "发布表单",
    "form.rollback": "回退表单版本",
    "chain.edit": "修改审批流程",
    "chain.publish": "发布审批流程",
    "chain.rollback": "回退审批流程",
    "chain.import": "导入审批流程",
    "holidays.save": "保存节假日安排",
    "holidays.delete": "删除节假日安排",
    "holidays.import": "导入节假日安排",
}
"""How the page names the codes inside a family (``form.publish`` is 发布表单)."""
_APPLICATION_ACTIONS = ("decision.", "view.unmasked", "export")


class AuditQuery(msgspec.Struct, frozen=True, kw_only=True):
    """The page's query parameters, checked.

    Attributes:
        where: the filter for the store.
        form: the values to put back into the filter form, as typed.
        errors: field name to message, for values that could not be read (the page then lists nothing).
        before: the keyset of an older page.
        after: the keyset of a newer page.
    """

    where: AuditFilter
    form: dict[str, str]
    errors: dict[str, str]
    before: int | None
    after: int | None


def parse_audit_query(params: dict[str, str]) -> AuditQuery:
    """Read the page's query parameters into a store filter, with a message for each value it cannot use."""
    form = {key: params.get(key, "").strip() for key in ("user", "action", "date", "target")}
    errors: dict[str, str] = {}
    action = form["action"] or None
    if action is not None and action not in ACTION_CHOICES:
        errors["action"] = "没有这种操作，请从列表里选择"
    since = until = None
    if form["date"]:
        try:
            day = dt.date.fromisoformat(form["date"])
        except ValueError:
            errors["date"] = "日期格式不对，请按“2026-06-01”的格式填写，或用日期选择器"
        else:
            since = dt.datetime.combine(day, dt.time(), CHINA)
            until = since + dt.timedelta(days=1)
    target = form["target"] or None
    if target is not None:
        target = parse_receipt(target) or target
    return AuditQuery(
        where=AuditFilter(
            username=form["user"] or None, action=action, target=target, since=since, until=until
        ),
        form=form,
        errors=errors,
        before=_key(params.get("before")),
        after=_key(params.get("after")),
    )


def action_label(action: str) -> str:
    """How the page names an action code (``decision.pass_up`` is 办理：上报)."""
    family, _, name = action.partition(".")
    if family == "decision":
        return f"办理：{ACTION_LABELS.get(name, name)}"
    return _LABELS.get(action) or ACTION_CHOICES.get(action, action)


def _key(value: str | None) -> int | None:
    return int(value) if value and value.isascii() and value.isdigit() else None


def _row(entry: AuditEntry, divisions: Divisions) -> dict[str, Any]:
    is_receipt = entry.action.startswith(_APPLICATION_ACTIONS) and parse_receipt(entry.target) is not None
    return {
        "id": entry.id,
        "at": entry.at,
        "action": entry.action,
        "label": action_label(entry.action),
        "username": entry.username or "",
        "who": entry.username or "系统",
        "role": role_label(entry.role),
        "region": region_names(divisions, entry.region)[-1] if entry.region else "",
        "target": entry.target,
        "target_label": f"申请 {format_receipt(entry.target)}" if is_receipt else entry.target,
        "detail": entry.detail,
        "address": entry.address,
        "failed": entry.action == "login.failed",
    }


class StaffAuditController(Controller):
    """The audit log, for the province admin only."""

    path = "/audit"
    include_in_schema = False

    @get("/", name="staff:audit")
    async def audit(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """Newest first, filtered by username, action, day and target; others get 403."""
        if role_level(signed_in.staff.role) != "province":
            raise PermissionDeniedException("只有省级管理员可以查看审计日志")
        query = parse_audit_query(dict(request.query_params))
        rows: list[dict[str, Any]] = []
        older = newer = None
        if not query.errors:
            page = await audit_page(
                services.database, query.where, before=query.before, after=query.after, limit=_PAGE_SIZE
            )
            rows, older, newer = (
                [_row(entry, services.packs.divisions) for entry in page.entries],
                page.older,
                page.newer,
            )
        kept = {key: value for key, value in query.form.items() if value}
        return services.renderer.page(
            "staff/audit.html",
            status_code=HTTP_422_UNPROCESSABLE_ENTITY if query.errors else HTTP_200_OK,
            staff=signed_in.staff,
            form=query.form,
            errors=query.errors,
            choices=ACTION_CHOICES,
            rows=rows,
            filtered=bool(kept),
            older_url=f"?{urlencode({**kept, 'before': older})}" if older is not None else "",
            newer_url=f"?{urlencode({**kept, 'after': newer})}" if newer is not None else "",
            first_url=f"?{urlencode(kept)}" if (query.before or query.after) and newer is not None else "",
            csrf_field=CSRF_FIELD,
            csrf_token=signed_in.csrf_token,
        )
