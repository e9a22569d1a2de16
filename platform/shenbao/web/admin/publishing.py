"""Publishing: the page that shows a draft's changes and their impact before it is published; the versions of a
form, the difference between any two, and a rollback; a published form opened as a draft of its next version."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.cases import authoring, publishing
from shenbao.cases.publishing import NotPublished, Published
from shenbao.forms.diff import FormDiff, diff_forms
from shenbao.forms.model import FormDef, text_of
from shenbao.store import authoring as drafts
from shenbao.store import versions as stored
from shenbao.store.authoring import AuthoredFormRecord
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import editable_form, posting_author
from shenbao.web.admin.posting import posted_number
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services

__all__ = ["PublishingController"]


class PublishingController(Controller):
    """``/admin/forms/<n>/publish``, ``/admin/versions/<form id>``: publish, compare, roll back."""

    include_in_schema = False

    @get("/forms/{form_pk:int}/publish", name="admin:publish_page")
    async def publish_page(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        form_pk: FromPath[int],
    ) -> Response[str]:
        form = await editable_form(services, signed_in, form_pk)
        return await _publish_page(services, signed_in, form)

    @post("/forms/{form_pk:int}/publish", name="admin:publish", status_code=303)
    async def publish(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_pk: FromPath[int]
    ) -> Response[Any]:
        """发布: the draft as the form's next version, if it is still what the admin saw and checks clean."""
        signed_in, posted = await posting_author(services, request)
        form = await editable_form(services, signed_in, form_pk)
        result = await publishing.publish(
            services.database, services.forms, signed_in.staff, form.id,
            seen_revision=posted_number(posted.get("revision")) or 0,
            seen_current=posted_number(posted.get("current")),
            reason=posted.get("reason", ""), chains=list(services.chains), widgets=_widgets(services, form),
            pack=services.builder_pack(form.form_id, form.owner_region, form.definition),
            address=client_address(request),
        )  # fmt: skip
        if isinstance(result, Published):
            return Redirect(
                f"{services.base}/admin/versions/{result.item_id}?published={result.version}", status_code=303
            )
        form = await editable_form(services, signed_in, form_pk)  # as it is now
        return await _publish_page(
            services, signed_in, form, refused=result, reason=posted.get("reason", ""),
            status_code=HTTP_409_CONFLICT if result.stale else HTTP_422_UNPROCESSABLE_ENTITY,
        )  # fmt: skip

    @get("/versions/{form_id:str}", name="admin:versions")
    async def versions(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        form_id: FromPath[str],
        published: FromQuery[int | None] = None,
    ) -> Response[str]:
        return await _versions_page(services, signed_in, form_id, published=published)

    @get("/versions/{form_id:str}/diff", name="admin:version_diff")
    async def version_diff(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        form_id: FromPath[str],
        request: Request[Any, Any, Any],
    ) -> Response[str]:
        """The difference between two published versions (``?from=1&to=2``), in plain Chinese, classed safe or
        breaking."""
        old, new = request.query_params.get("from", ""), request.query_params.get("to", "")
        records = await _readable_versions(services, signed_in, form_id)
        by_number = {record.version: record for record in records}
        first, second = by_number.get(posted_number(old) or 0), by_number.get(posted_number(new) or 0)
        if first is None or second is None:
            raise NotFoundException("请选择这张表单已发布的两个版本来比较")
        return services.renderer.page(
            "admin/version_diff.html", **common(signed_in), form_id=form_id, title=records[0].title,
            old=first, new=second, diff=_diff(first.definition, second.definition),
        )  # fmt: skip

    @post("/versions/{form_id:str}/rollback", name="admin:rollback", status_code=303)
    async def rollback(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], form_id: FromPath[str]
    ) -> Response[Any]:
        """回退: serve an older version again, as the admin saw the current one."""
        signed_in, posted = await posting_author(services, request)
        result = await publishing.republish(
            services.database, services.forms, signed_in.staff, form_id, posted_number(posted.get("version")) or 0,
            seen_current=posted_number(posted.get("current")), reason=posted.get("reason", ""),
            province=form_province(services, form_id), address=client_address(request),
        )  # fmt: skip
        if isinstance(result, Published):
            return Redirect(
                f"{services.base}/admin/versions/{form_id}?published={result.version}", status_code=303
            )
        return await _versions_page(
            services, signed_in, form_id, refused=result, status_code=HTTP_409_CONFLICT
        )

    @post("/forms/revise", name="admin:revise", status_code=303)
    async def revise(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any]
    ) -> Response[Any]:
        """修改: open a published form's draft (its next version), started from the version farmers get now."""
        signed_in, posted = await posting_author(services, request)
        form_id = posted.get("form_id", "")
        existing = await drafts.authored_form_by_form_id(services.database, form_id)
        if existing is not None:
            if not authoring.may_edit(signed_in.staff, existing):
                raise PermissionDeniedException("这张表单的草稿属于别的地区，你不能修改")
            return Redirect(f"{services.base}/admin/forms/{existing.id}/", status_code=303)
        current = services.forms.get(form_id)
        if current is None:
            raise NotFoundException("没有找到这张已发布的表单")
        newest = (await stored.versions_of(services.database, form_id))[:1]
        owner = newest[0].owner_region if newest else ""
        if not publishing.may_publish(signed_in.staff, owner, form_province(services, form_id)):
            raise PermissionDeniedException("你没有修改这张表单的权限")
        record = await stored.version_record(services.database, form_id, current.version)
        definition = msgspec.convert(record.definition, FormDef) if record else current.definition
        started = await authoring.start_form(
            services.database, signed_in.staff, definition, source=f"version:{current.version}",
            summary=f"从已发布的第{current.version}版开始修改", address=client_address(request),
        )  # fmt: skip
        if started is None:  # another admin opened it a moment ago: theirs is the draft
            existing = await drafts.authored_form_by_form_id(services.database, form_id)
            if existing is None:
                raise NotFoundException("没有找到这张表单")
            started = existing
        return Redirect(f"{services.base}/admin/forms/{started.id}/", status_code=303)


def _widgets(services: Services, form: AuthoredFormRecord) -> dict[str, str | None]:
    """The widgets of the form's pack: what its questions may name."""
    return services.builder_widgets(form.form_id, form.owner_region, form.definition).drawn()


def _diff(old: dict[str, Any], new: dict[str, Any]) -> FormDiff:
    return diff_forms(msgspec.convert(old, FormDef), msgspec.convert(new, FormDef))


async def _publish_page(
    services: Services,
    signed_in: SignedIn,
    form: AuthoredFormRecord,
    *,
    refused: NotPublished | None = None,
    reason: str = "",
    status_code: int = 200,
) -> Response[str]:
    definition = authoring.definition_of(form)
    problems = publishing.publish_problems(
        definition, chains=list(services.chains), widgets=_widgets(services, form)
    )
    current = services.forms.current().get(form.form_id)
    serving = await stored.version_record(services.database, form.form_id, current) if current else None
    diff = _diff(serving.definition, {**form.definition, "version": current}) if serving else None
    impact = await stored.impact(services.database, form.form_id)
    labels = {question.id: text_of(question.label) for question in definition.questions()}
    return services.renderer.page(
        "admin/publish.html",
        status_code=status_code,
        **common(signed_in),
        form=form,
        builder_url=f"{services.base}/admin/forms/{form.id}",
        problems=problems,
        problem_count=sum(map(len, problems.values())),
        labels=labels,
        current=current,
        next_version=await stored.next_version(services.database, form.form_id),
        diff=diff,
        impact=impact,
        refused=refused,
        reason=reason,
    )


async def _readable_versions(
    services: Services, signed_in: SignedIn, form_id: str
) -> list[stored.VersionRecord]:
    records = await stored.versions_of(services.database, form_id)
    if not records:
        raise NotFoundException("这张表单还没有发布过")
    owner = records[0].owner_region
    if owner and not owner.startswith(signed_in.staff.region_code):
        raise PermissionDeniedException("这张表单属于别的地区")
    return records


def form_province(services: Services, form_id: str) -> str | None:
    """The province whose admins keep the pack form ``form_id``: its chain's pack's."""
    form = services.forms.get(form_id)
    return publishing.chain_province(services.chains, form.definition.chain if form else None)


async def _versions_page(
    services: Services,
    signed_in: SignedIn,
    form_id: str,
    *,
    published: int | None = None,
    refused: NotPublished | None = None,
    status_code: int = 200,
) -> Response[str]:
    records = await _readable_versions(services, signed_in, form_id)
    current = await stored.current_version(services.database, form_id)
    draft = await drafts.authored_form_by_form_id(services.database, form_id)
    return services.renderer.page(
        "admin/versions.html",
        status_code=status_code,
        **common(signed_in),
        form_id=form_id,
        title=records[0].title,
        versions=records,
        current=current,
        publications=await stored.publications(services.database, form_id),
        impact=await stored.impact(services.database, form_id),
        draft=draft,
        may_publish=publishing.may_publish(
            signed_in.staff, records[0].owner_region, form_province(services, form_id)
        ),
        published=published,
        refused=refused,
    )
