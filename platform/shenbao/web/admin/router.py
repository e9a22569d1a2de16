"""The admin router: every page under ``/admin`` needs a signed-in staff member who may author forms."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from shenbao.web.admin.access import require_author
from shenbao.web.admin.builder import BuilderController
from shenbao.web.admin.chains import ChainsController
from shenbao.web.admin.forms import FormsController
from shenbao.web.admin.holidays import HolidaysController
from shenbao.web.admin.packs import PacksController
from shenbao.web.admin.preview import PreviewController
from shenbao.web.admin.publishing import PublishingController
from shenbao.web.admin.region_root import RegionRootController
from shenbao.web.admin.rules import OutcomesController, RulesController
from shenbao.web.admin.transfer import TransferController
from shenbao.web.admin.trial import TrialLinkController
from shenbao.web.staff.session import NotSignedIn, to_login

__all__ = ["admin_router"]


def admin_router() -> Router:
    """``/admin``: the list of forms, a new form, a copy or an imported file, the builder (questions, rules,
    outcomes, the region picker's root), the preview of a form being built, its trial link and its export;
    publishing, versions and rollback; the chain editor, the packs' holiday years and whole packs as files (province
    admins only)."""
    return Router(
        path="/admin",
        route_handlers=[
            FormsController,
            BuilderController,
            RulesController,
            OutcomesController,
            RegionRootController,
            PreviewController,
            TrialLinkController,
            TransferController,
            PublishingController,
            HolidaysController,
            ChainsController,
            PacksController,
        ],
        dependencies={"signed_in": Provide(require_author)},
        exception_handlers={NotSignedIn: to_login},
    )
