"""The staff router: every staff page under ``/staff``, and the one answer to a page asked for without a session.

A handler that names the ``signed_in`` dependency gets the signed-in staff member (:func:`.session.require_staff`);
without a session the router answers with the way to the login page (:func:`.session.to_login`). The login page,
signing out and the htmx swaps that answer 403 read the session themselves.
"""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide

from shenbao.web.staff.applications import StaffApplicationController
from shenbao.web.staff.audit import StaffAuditController
from shenbao.web.staff.home import StaffController
from shenbao.web.staff.household_check import HouseholdCheckController
from shenbao.web.staff.people import StaffPeopleController
from shenbao.web.staff.posters import StaffPostersController
from shenbao.web.staff.reports import StaffReportsController
from shenbao.web.staff.session import NotSignedIn, require_staff, to_login

__all__ = ["staff_router"]


def staff_router() -> Router:
    """``/staff``: sign-in, the inbox, one application and its household check, the accounts, the audit log, the
    statistics, the export, and the forms' QR codes and posters."""
    return Router(
        path="/staff",
        route_handlers=[
            StaffController,
            StaffApplicationController,
            HouseholdCheckController,
            StaffPeopleController,
            StaffAuditController,
            StaffReportsController,
            StaffPostersController,
        ],
        dependencies={"signed_in": Provide(require_staff)},
        exception_handlers={NotSignedIn: to_login},
    )
