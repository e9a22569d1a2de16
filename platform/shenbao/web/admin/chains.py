"""The chain editor: the packs' approval chains, a chain's steps, SMS and settings edited as a draft, a dated
timeline beside it (holidays and 调休 marked), and the draft published as the chain's next version.

Every change is a plain form post (no script needed); each answers with the page again, or with the refusal at
the part it concerns. Province accounts only: a chain serves every county of the pack.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_422_UNPROCESSABLE_ENTITY

from shenbao.cases import chain_editing as editing
from shenbao.cases.chain_editing import ChainRefused, ChainSaved, ChainStale
from shenbao.cases.publishing import NotPublished, Published, chain_province, kept_packs, republish
from shenbao.china_time import today
from shenbao.forms.model import FormDef
from shenbao.store import chain_drafts as drafts
from shenbao.store import versions as stored
from shenbao.store.staff import SignedIn
from shenbao.web.admin.access import posting_author
from shenbao.web.admin.chain_views import chain_edits, chain_form, editor_context, pack_sign
from shenbao.web.admin.posting import posted_number
from shenbao.web.admin.views import common
from shenbao.web.posted import client_address
from shenbao.web.services import Services

__all__ = ["ChainsController"]

NOT_PROVINCE = "只有省级账号可以修改和发布审批流程：流程管着全省各县的申请。"
OTHER_PROVINCE = "这个审批流程属于别的省份的配置包：只有那个省的省级账号可以查看和修改。"


def _province(signed_in: SignedIn, services: Services | None = None, chain_id: str | None = None) -> None:
    """Refuse anyone but a province account, and with ``chain_id`` anyone but the admins of its pack's province."""
    if not editing.may_edit_chains(signed_in.staff):
        raise PermissionDeniedException(NOT_PROVINCE)
    if (
        services is not None
        and chain_id is not None
        and not editing.may_edit_chains(signed_in.staff, chain_province(services.chains, chain_id))
    ):
        raise PermissionDeniedException(OTHER_PROVINCE)


def _forms(services: Services) -> dict[str, FormDef]:
    """The pack's forms by id, farmers' and steps' (a step may fill only one of these)."""
    return {form.id: form.definition for form in [*services.forms, *services.step_forms]}


def _day(value: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(value or "")
    except ValueError:
        return today()


class ChainsController(Controller):
    """``/admin/chains``: the chains; ``/admin/chains/<id>``: one chain's editor, timeline and publication."""

    include_in_schema = False

    @get("/chains", name="admin:chains")
    async def chains(
        self, services: NamedDependency[Services], signed_in: NamedDependency[SignedIn]
    ) -> Response[str]:
        _province(signed_in)
        saved = await drafts.chain_drafts(services.database)
        kept = kept_packs(signed_in.staff, services.chains, services.chains.packs())
        own = [chain for chain in services.chains if services.chains.pack_of(chain.id) in kept]
        return services.renderer.page(
            "admin/chains.html", **common(signed_in), chains=own, drafts=saved,
            packs={chain.id: services.chains.pack_of(chain.id) for chain in services.chains},
        )  # fmt: skip

    @get("/chains/{chain_id:str}", name="admin:chain")
    async def chain(
        self,
        services: NamedDependency[Services],
        signed_in: NamedDependency[SignedIn],
        request: Request[Any, Any, Any],
        chain_id: FromPath[str],
    ) -> Response[str]:
        _province(signed_in, services, chain_id)
        draft = await editing.open_chain_draft(services.database, services.chains, signed_in.staff, chain_id)
        if draft is None:
            raise NotFoundException(f"没有找到审批流程“{chain_id}”")
        published = request.query_params.get("published")
        return await self._page(
            services, signed_in, draft, on=_day(request.query_params.get("on")),
            notice=f"已发布为第{published}版：新提交的申请按这一版办理，已在办理中的申请仍按原来的版本办完"
            if published
            else "",
        )  # fmt: skip

    @post("/chains/{chain_id:str}/edit", name="admin:chain_edit", status_code=303)
    async def edit(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], chain_id: FromPath[str]
    ) -> Response[Any]:
        """One form of the editor: the edits it makes, saved as one revision of the draft (or refused, shown)."""
        signed_in, posted = await posting_author(services, request)
        _province(signed_in, services, chain_id)
        draft = await _draft(services, chain_id)
        found = chain_edits(editing.draft_chain(draft), posted, chain_form(services, chain_id))
        if isinstance(found, str):
            return await self._page(
                services, signed_in, draft, refused=found, at=posted.get("at", ""),
                status_code=HTTP_422_UNPROCESSABLE_ENTITY,
            )  # fmt: skip
        result = await editing.edit_chain(
            services.database, signed_in.staff, chain_id, found, expected=posted_number(posted.get("rev")) or 0,
            province=chain_province(services.chains, chain_id), address=client_address(request),
        )  # fmt: skip
        if isinstance(result, ChainSaved):
            anchor = f"#{posted['at']}" if posted.get("at", "").isascii() and posted.get("at") else ""
            return Redirect(f"{services.base}/admin/chains/{chain_id}{anchor}", status_code=303)
        if isinstance(result, ChainStale):
            return await self._page(
                services, signed_in, result.draft, status_code=HTTP_409_CONFLICT,
                refused=f"你的修改没有保存：你打开之后，{result.draft.username} 又保存了这个流程"
                f"（{result.draft.summary}）。下面是现在的样子，请再改一次。",
            )  # fmt: skip
        refused: ChainRefused = result
        return await self._page(
            services, signed_in, draft, refused=refused.message, at=posted.get("at", ""),
            status_code=HTTP_422_UNPROCESSABLE_ENTITY,
        )  # fmt: skip

    @post("/chains/{chain_id:str}/publish", name="admin:chain_publish", status_code=303)
    async def publish(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], chain_id: FromPath[str]
    ) -> Response[Any]:
        """发布: the draft as the chain's next version; new cases start on it, open ones keep their own."""
        signed_in, posted = await posting_author(services, request)
        _province(signed_in, services, chain_id)
        result = await editing.publish_chain(
            services.database, services.chains, signed_in.staff, chain_id,
            seen_revision=posted_number(posted.get("rev")) or 0,
            seen_current=posted_number(posted.get("current")), reason=posted.get("reason", ""),
            forms=_forms(services), sign=pack_sign(services, chain_id), address=client_address(request),
        )  # fmt: skip
        if isinstance(result, Published):
            return Redirect(
                f"{services.base}/admin/chains/{chain_id}?published={result.version}", status_code=303
            )
        draft = await _draft(services, chain_id)
        failed: NotPublished = result
        return await self._page(
            services, signed_in, draft, refused=failed.message, at="publish", reason=posted.get("reason", ""),
            status_code=HTTP_409_CONFLICT if failed.stale else HTTP_422_UNPROCESSABLE_ENTITY,
        )  # fmt: skip

    @post("/chains/{chain_id:str}/rollback", name="admin:chain_rollback", status_code=303)
    async def rollback(
        self, services: NamedDependency[Services], request: Request[Any, Any, Any], chain_id: FromPath[str]
    ) -> Response[Any]:
        """回退: new cases start on an older version again; open cases keep theirs."""
        signed_in, posted = await posting_author(services, request)
        _province(signed_in, services, chain_id)
        result = await republish(
            services.database, services.chains, signed_in.staff, chain_id,
            posted_number(posted.get("version")) or 0, kind="chain", seen_current=posted_number(posted.get("current")),
            reason=posted.get("reason", ""), province=chain_province(services.chains, chain_id),
            address=client_address(request),
        )  # fmt: skip
        if isinstance(result, Published):
            return Redirect(
                f"{services.base}/admin/chains/{chain_id}?published={result.version}", status_code=303
            )
        draft = await _draft(services, chain_id)
        return await self._page(
            services, signed_in, draft, refused=result.message, at="publish",
            status_code=HTTP_409_CONFLICT if result.stale else HTTP_422_UNPROCESSABLE_ENTITY,
        )  # fmt: skip

    async def _page(
        self,
        services: Services,
        signed_in: SignedIn,
        draft: drafts.ChainDraftRecord,
        *,
        on: dt.date | None = None,
        refused: str = "",
        at: str = "",
        notice: str = "",
        reason: str = "",
        status_code: int = 200,
    ) -> Response[str]:
        chain = editing.draft_chain(draft)
        context = await editor_context(services, chain, on=on or today())
        return services.renderer.page(
            "admin/chain.html",
            status_code=status_code,
            **common(signed_in),
            **context,
            draft=draft,
            chain=chain,
            refused=refused,
            refused_at=at,
            notice=notice,
            reason=reason,
            current=services.chains.current().get(chain.id),
            publications=await stored.publications(services.database, chain.id, kind="chain"),
            versions=await stored.versions_of(services.database, chain.id, kind="chain"),
        )


async def _draft(services: Services, chain_id: str) -> drafts.ChainDraftRecord:
    draft = await drafts.chain_draft(services.database, chain_id)
    if draft is None:
        raise NotFoundException(f"没有找到审批流程“{chain_id}”的草稿，请从流程列表打开它")
    return draft
