"""The list of forms an admin can work on, a new form, and a copy of a pack's form.

A pack's forms (``form_defs/``) are read-only originals: an admin copies one to change it. Forms made here live in
the database in the same definition format and open in the builder.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.response import Redirect
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.cases import authoring
from shenbao.forms.editing import new_form
from shenbao.forms.model import text_of
from shenbao.store import authoring as stored
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import posting_author
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services

__all__ = ["FormsController"]

_FORM_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_TITLE_LIMIT = 60


class FormsController(Controller):
    """``/admin/``: the packs' forms and the forms made here; ``/admin/forms/new``: start one."""

    include_in_schema = False

    @get("/", name="admin:forms")
    async def forms(
        self, services: NamedDependency[Services], signed_in: NamedDependency[SignedIn]
    ) -> Response[str]:
        authored = await stored.authored_forms(services.database, within=signed_in.staff.region_code)
        drafted = await stored.authored_form_ids(services.database)  # listed with their drafts (if theirs)
        return services.renderer.page(
            "admin/forms.html",
            **common(signed_in),
            packs=[form.definition for form in services.forms if form.id not in drafted],
            authored=authored,
            current=services.forms.current(),
        )

    @get("/forms/new", name="admin:new_form")
    async def new_page(
        self, services: NamedDependency[Services], signed_in: NamedDependency[SignedIn]
    ) -> Response[str]:
        suggested = await _free_form_id(services, f"form-{datetime.now(UTC):%Y%m%d}")
        return services.renderer.page(
            "admin/new.html", **common(signed_in), values={"form_id": suggested}, errors={}
        )

    @post("/forms", name="admin:create_form", status_code=303)
    async def create(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """新建表单: a title and a code (the form's address, ``/f/<code>``); a form with one question to build on."""
        signed_in, posted = await posting_author(services, request)
        values = {
            "title": posted.get("title", "").strip(),
            "form_id": posted.get("form_id", "").strip().lower(),
        }
        errors = await _new_form_errors(services, values)
        if errors:
            return services.renderer.page(
                "admin/new.html", status_code=HTTP_422_UNPROCESSABLE_ENTITY, **common(signed_in), values=values,
                errors=errors,
            )  # fmt: skip
        form = await authoring.start_form(
            services.database, signed_in.staff, new_form(values["form_id"], values["title"]), source="",
            summary="新建表单", address=client_address(request),
        )  # fmt: skip
        if form is None:  # taken between the check and the insert
            errors = {"form_id": "这个代号刚被别的表单用了，请换一个"}
            return services.renderer.page(
                "admin/new.html", status_code=HTTP_422_UNPROCESSABLE_ENTITY, **common(signed_in), values=values,
                errors=errors,
            )  # fmt: skip
        return Redirect(f"{services.base}/admin/forms/{form.id}", status_code=303)

    @post("/forms/copy", name="admin:copy_form", status_code=303)
    async def copy(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """复制: a pack's form as a new form of the admin's region, with its own code (``<code>-copy``)."""
        signed_in, posted = await posting_author(services, request)
        original = services.forms.get(posted.get("form_id", ""))
        if original is None:
            raise NotFoundException("没有找到要复制的表单")
        for _ in range(5):  # another admin may take the code we found; try the next one
            form_id = await _free_form_id(services, f"{original.id}-copy"[:54])
            copy = msgspec.structs.replace(original.definition, id=form_id, version=1)
            form = await authoring.start_form(
                services.database, signed_in.staff, copy, source=f"pack:{original.id}",
                summary=f"复制自“{text_of(original.definition.title)}”", address=client_address(request),
            )  # fmt: skip
            if form is not None:
                return Redirect(f"{services.base}/admin/forms/{form.id}", status_code=303)
        raise NotFoundException("暂时无法复制，请稍后再试")


async def _new_form_errors(services: Services, values: dict[str, str]) -> dict[str, str]:
    errors: dict[str, str] = {}
    title, form_id = values["title"], values["form_id"]
    if not title:
        errors["title"] = "请填写表单名称，例如“临时救助申请”"
    elif len(title) > _TITLE_LIMIT:
        errors["title"] = f"表单名称最多{_TITLE_LIMIT}个字，现在有{len(title)}个字，请缩短"
    if not _FORM_ID.fullmatch(form_id) or len(form_id) > 60:
        errors["form_id"] = (
            "代号只能用小写英文字母、数字和连字符“-”，以字母或数字开头，最多60个字符，例如 relief-2027"
        )
    elif await _taken(services, form_id):
        errors["form_id"] = f"代号“{form_id}”已被别的表单使用，请换一个"
    return errors


async def _taken(services: Services, form_id: str) -> bool:
    return services.forms.get(form_id) is not None or (
        await stored.authored_form_by_form_id(services.database, form_id) is not None
    )


async def _free_form_id(services: Services, stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... the first that no form uses."""
    candidate, number = stem, 1
    while await _taken(services, candidate):
        number += 1
        candidate = f"{stem}-{number}"
    return candidate
