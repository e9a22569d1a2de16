"""The staff-account pages under ``/staff/people``: the province and county admins manage the accounts below them.

The province admin also grants and withdraws a county account's 表单管理权限 on its page (``POST
/staff/people/<id>/form-admin``); the control is drawn for no one else, and a post from anyone else is refused.

Who may do what is :mod:`shenbao.staff.rules`; every read and change goes through
:class:`~shenbao.staff.admin.StaffAdmin`, bound to the signed-in manager. An account outside the manager's
scope, or a signed-in township or village handler, gets 403 on every page here and nothing changes. Every
POST carries the session's CSRF token; every page works without JavaScript (htmx only saves a round trip
when the role or a drop-down changes, or a code is typed).
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_200_OK, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.regions import Divisions
from shenbao.roles import role_label
from shenbao.staff.admin import FormProblems, NotManaged, StaffAdmin
from shenbao.staff.rules import AccountForm, may_grant_form_admin, region_filter
from shenbao.store.staff import SignedIn
from shenbao.store.staff_admin import StaffQuery
from shenbao.web.posted import CSRF_FIELD, client_address
from shenbao.web.services import Services
from shenbao.web.staff.people_views import (
    account_form,
    account_view,
    picker_for,
    region_label,
    role_options,
)
from shenbao.web.staff.session import posting_staff, signed_in_staff

__all__ = ["StaffPeopleController"]

_PAGE_SIZE = 30
_DONE = {
    "phone": "手机号码已修改，以后的短信发到新号码。",
    "deactivated": "账号已停用：此人已退出登录，不能再登录。",
    "reactivated": "账号已重新启用，此人可以用原来的密码登录。",
    "form_admin_granted": "已授予表单管理权限：此人下次打开页面时，可以在“表单管理”里制作和修改本县的表单。",
    "form_admin_revoked": "已收回表单管理权限：此人从下一次打开页面起，不能再制作和修改表单。",
}
_STATUS = {"active": True, "inactive": False}


def _admin(services: Services, request: Request[Any, Any, Any], signed_in: SignedIn) -> StaffAdmin:
    try:
        return StaffAdmin(
            services.database, signed_in.staff, services.packs.divisions, address=client_address(request)
        )
    except NotManaged as refused:
        raise PermissionDeniedException(str(refused)) from refused


async def _posting(
    services: Services, request: Request[Any, Any, Any]
) -> tuple[SignedIn, StaffAdmin, dict[str, str]]:
    """The session, the manager's admin and the posted form, once the CSRF token matches the session's (else 403)."""
    signed_in, form = await posting_staff(services, request)
    return signed_in, _admin(services, request, signed_in), form


def _common(signed_in: SignedIn, divisions: Divisions) -> dict[str, Any]:
    staff = signed_in.staff
    return {
        "staff": staff,
        "role_label": role_label(staff.role),
        "region": region_label(staff.region_code, divisions) or staff.region_code,
        "csrf_field": CSRF_FIELD,
        "csrf_token": signed_in.csrf_token,
    }


class StaffPeopleController(Controller):
    """The accounts a province or county admin manages: list, add, deactivate, reset a password, change a phone."""

    path = "/people"
    include_in_schema = False

    @get("/", name="staff:people")
    async def people(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The accounts below the manager, 30 a page: by role, region (code or name), name or username, status."""
        admin = _admin(services, request, signed_in)
        params = request.query_params
        asked = {key: str(params.get(key) or "").strip() for key in ("role", "region", "q", "status")}
        page_param = str(params.get("page") or "1")
        page = int(page_param) if page_param.isdigit() and 0 < int(page_param) < 100_000 else 1
        divisions = services.packs.divisions
        where = region_filter(asked["region"], signed_in.staff.region_code, divisions)
        query = StaffQuery(
            roles=tuple(role for role in admin.scope.roles if role == asked["role"]),
            within=where.prefixes,
            text=asked["q"][:100],
            active=_STATUS.get(asked["status"]),
        )
        found = None if where.problem else await admin.page(query, page=page, size=_PAGE_SIZE)
        return services.renderer.page(
            "staff/people.html",
            **_common(signed_in, services.packs.divisions),
            asked=asked,
            roles=role_options(signed_in.staff),
            region_problem=where.problem,
            region_names=where.names,
            rows=[account_view(each, signed_in.staff.region_code, divisions) for each in found.accounts]
            if found
            else [],
            total=found.total if found else 0,
            page=page,
            more=found.more if found else False,
            query={key: value for key, value in asked.items() if value},
        )

    @get("/new", name="staff:people_new")
    async def new(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """The form for a new account."""
        _admin(services, request, signed_in)
        return self._new_page(services, signed_in, AccountForm(role=role_options(signed_in.staff)[0][0]), "")

    @post("/new", name="staff:people_add", status_code=HTTP_200_OK)
    async def add(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """Add the account, or (``nav=stay``, the no-JavaScript picker button) draw the form again."""
        signed_in, admin, form = await _posting(services, request)
        typed = account_form(form, signed_in.staff, admin.divisions)
        typed_code = form.get("region_code", "").strip()
        if form.get("nav") == "stay":
            return self._new_page(services, signed_in, typed, typed_code, nav_stay=True)
        try:
            added = await admin.add(typed)
        except FormProblems as wrong:
            return self._new_page(
                services,
                signed_in,
                typed,
                typed_code,
                problems=wrong.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return services.renderer.page(
            "staff/person_password.html",
            **_common(signed_in, services.packs.divisions),
            added=True,
            person=account_view(added.account, signed_in.staff.region_code, admin.divisions),
            password=added.shown,
        )

    def _new_page(
        self,
        services: Services,
        signed_in: SignedIn,
        typed: AccountForm,
        typed_code: str,
        *,
        problems: dict[str, str] | None = None,
        nav_stay: bool = False,
        status_code: int = HTTP_200_OK,
    ) -> Response[str]:
        divisions = services.packs.divisions
        return services.renderer.page(
            "staff/person_new.html",
            status_code=status_code,
            **_common(signed_in, services.packs.divisions),
            typed=typed,
            typed_code=typed_code,
            roles=role_options(signed_in.staff),
            picker=picker_for(signed_in.staff, typed.role, typed.region_code, divisions),
            chosen=region_label(typed.region_code, divisions),
            problems=problems or {},
            nav_stay=nav_stay,
        )

    @get("/picker", name="staff:people_picker")
    async def picker(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """The region drop-downs again for the role just chosen (an htmx swap)."""
        signed_in = await signed_in_staff(services, request)
        if signed_in is None:
            raise PermissionDeniedException("请先登录")
        admin = _admin(services, request, signed_in)
        params = {key: str(value) for key, value in request.query_params.items()}
        typed = account_form(params, signed_in.staff, admin.divisions)
        view = picker_for(signed_in.staff, typed.role, typed.region_code, admin.divisions)
        return services.renderer.page("widgets/region/cascade.html", view=view)

    @get("/region-name", name="staff:people_region_name")
    async def region_name(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """The name of a typed region code, shown beside the box as it is typed (an htmx swap)."""
        signed_in = await signed_in_staff(services, request)
        if signed_in is None:
            raise PermissionDeniedException("请先登录")
        _admin(services, request, signed_in)
        code = str(request.query_params.get("region_code") or "").strip()[:12]
        return services.renderer.page(
            "staff/_region_name.html", code=code, chosen=region_label(code, services.packs.divisions)
        )

    @get("/{staff_id:int}", name="staff:person")
    async def person(
        self,
        services: NamedDependency[Services],
        request: Request[Any, Any, Any],
        staff_id: FromPath[int],
        signed_in: NamedDependency[SignedIn],
    ) -> Response[Any]:
        """One account: its details and the forms that change it."""
        admin = _admin(services, request, signed_in)
        done = str(request.query_params.get("done") or "")
        return await self._person_page(services, signed_in, admin, staff_id, message=_DONE.get(done, ""))

    async def _person_page(
        self,
        services: Services,
        signed_in: SignedIn,
        admin: StaffAdmin,
        staff_id: int,
        *,
        message: str = "",
        problems: dict[str, str] | None = None,
        phone: str | None = None,
        status_code: int = HTTP_200_OK,
    ) -> Response[str]:
        try:
            account = await admin.account(staff_id)
        except NotManaged as refused:
            raise PermissionDeniedException(str(refused)) from refused
        person = account_view(account, signed_in.staff.region_code, admin.divisions)
        manager = signed_in.staff
        return services.renderer.page(
            "staff/person.html",
            status_code=status_code,
            **_common(signed_in, services.packs.divisions),
            person=person,
            may_grant=may_grant_form_admin(
                manager.role, manager.region_code, account.role, account.region_code
            ),
            message=message,
            problems=problems or {},
            phone=person["phone"] if phone is None else phone,
        )

    @post("/{staff_id:int}/active", name="staff:person_active", status_code=HTTP_200_OK)
    async def active(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], staff_id: FromPath[int]
    ) -> Response[Any]:
        """Deactivate (``active=0``: the account's sessions end at once) or reactivate (``active=1``)."""
        _, admin, form = await _posting(services, request)
        wanted = form.get("active", "")
        if wanted not in ("0", "1"):
            raise PermissionDeniedException("请求无效，请返回后刷新页面再试")
        try:
            await admin.set_active(staff_id, wanted == "1")
        except NotManaged as refused:
            raise PermissionDeniedException(str(refused)) from refused
        done = "reactivated" if wanted == "1" else "deactivated"
        return Redirect(f"{services.base}/staff/people/{staff_id}?done={done}", status_code=303)

    @post("/{staff_id:int}/password", name="staff:person_password", status_code=HTTP_200_OK)
    async def password(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], staff_id: FromPath[int]
    ) -> Response[Any]:
        """Reset the password to the one typed twice, or to a generated one shown once."""
        signed_in, admin, form = await _posting(services, request)
        try:
            reset = await admin.reset_password(
                staff_id, form.get("password", ""), form.get("password_again", "")
            )
        except NotManaged as refused:
            raise PermissionDeniedException(str(refused)) from refused
        except FormProblems as wrong:
            return await self._person_page(
                services,
                signed_in,
                admin,
                staff_id,
                problems=wrong.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return services.renderer.page(
            "staff/person_password.html",
            **_common(signed_in, services.packs.divisions),
            added=False,
            person=account_view(reset.account, signed_in.staff.region_code, admin.divisions),
            password=reset.shown,
        )

    @post("/{staff_id:int}/phone", name="staff:person_phone", status_code=HTTP_200_OK)
    async def phone(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], staff_id: FromPath[int]
    ) -> Response[Any]:
        """Change the phone the account's SMS go to."""
        signed_in, admin, form = await _posting(services, request)
        try:
            await admin.change_phone(staff_id, form.get("phone", ""))
        except NotManaged as refused:
            raise PermissionDeniedException(str(refused)) from refused
        except FormProblems as wrong:
            return await self._person_page(
                services,
                signed_in,
                admin,
                staff_id,
                problems=wrong.problems,
                phone=form.get("phone", ""),
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        return Redirect(f"{services.base}/staff/people/{staff_id}?done=phone", status_code=303)

    @post("/{staff_id:int}/form-admin", name="staff:person_form_admin", status_code=HTTP_200_OK)
    async def form_admin(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], staff_id: FromPath[int]
    ) -> Response[Any]:
        """Grant (``form_admin=1``) or withdraw (``form_admin=0``) a county account's 表单管理权限."""
        signed_in, admin, form = await _posting(services, request)
        wanted = form.get("form_admin", "")
        if wanted not in ("0", "1"):
            raise PermissionDeniedException("请求无效，请返回后刷新页面再试")
        try:
            await admin.set_form_admin(staff_id, wanted == "1")
        except NotManaged as refused:
            raise PermissionDeniedException(str(refused)) from refused
        except FormProblems as wrong:
            return await self._person_page(
                services,
                signed_in,
                admin,
                staff_id,
                problems=wrong.problems,
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )
        done = "form_admin_granted" if wanted == "1" else "form_admin_revoked"
        return Redirect(f"{services.base}/staff/people/{staff_id}?done={done}", status_code=303)
