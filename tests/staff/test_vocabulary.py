"""One vocabulary: every page that shows an application's status or a staff member's role takes its words from
the one table (:mod:`shenbao.statuses`, :mod:`shenbao.roles`), the staff's words on staff pages and the
applicant's on the status page."""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from shenbao.roles import ROLE_NAMES, ROLES, Role
from shenbao.settings import Settings
from shenbao.statuses import APPLICANT_STATUS_LABELS, STATUS_LABELS, STATUSES, ApplicationStatus
from shenbao.store.receipts import format_receipt
from shenbao.workflow.model import Accept, Action, Approve, PassUp, RecordCheck, Refuse
from shenbao.workflow.progress import applicant_view
from tests.support.applications import YIJIAN, Built, add_application, chains
from tests.support.staff import add_accounts
from tests.support.web import Client, migrated_settings, sign_in

_CHECKED: list[Action] = [Accept(), RecordCheck(answers={"summary": "入户核查属实"})]
_TO: dict[ApplicationStatus, list[Action]] = {
    "submitted": [],
    "in_progress": [Accept()],
    "approved": [*_CHECKED, PassUp(), PassUp(), PassUp(), Approve(), PassUp()],
    "refused": [*_CHECKED, Refuse(reason="家庭收入高于标准")],
}
"""What the handlers do to bring a 2023 application to each status."""


Seeded = tuple[Settings, dict[ApplicationStatus, Built]]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Seeded:
    """A database with the four accounts and one application in each status, all in the village."""
    settings = migrated_settings(tmp_path_factory.mktemp("vocabulary"))

    async def seed() -> dict[ApplicationStatus, Built]:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await add_accounts(database)
            return {status: await add_application(database, actions=_TO[status]) for status in STATUSES}
        finally:
            await database.close()

    return settings, asyncio.run(seed())


@pytest.fixture
def client(built: Seeded) -> Iterator[Client]:
    with TestClient(create_app(built[0]), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _inbox_tags(html: str) -> dict[str, str]:
    """Receipt number (as shown) to the status tag of its row."""
    rows = re.findall(
        r'<span class="receipt-no">([\d ]+)</span>.*?<span class="tag(?: done)?">([^<]+)</span>', html, re.S
    )
    return dict(rows)


@pytest.mark.parametrize("status", STATUSES)
def test_the_inbox_and_the_application_page_say_the_same_word(
    client: Client, built: Seeded, status: ApplicationStatus
) -> None:
    application = built[1][status]
    assert application.status == status
    sign_in(client, "village")
    inbox = client.get("/staff/?view=all").text
    assert _inbox_tags(inbox)[format_receipt(application.receipt)] == STATUS_LABELS[status]
    assert re.search(rf">{STATUS_LABELS[status]} <b>1</b></a>", inbox)  # the filter of the same name
    page = client.get(f"/staff/a/{application.id}").text
    assert f'<span class="tag" id="status">{STATUS_LABELS[status]}</span>' in page
    stats = client.get("/staff/stats").text
    assert f'id="count-{status}"><b>1</b><span>{STATUS_LABELS[status]}</span>' in stats


@pytest.mark.parametrize("status", ["in_progress", "approved", "refused"])
def test_the_applicant_reads_the_applicants_words(built: Seeded, status: ApplicationStatus) -> None:
    application = built[1][status]
    assert application.state is not None and application.state.status == status
    found = chains().get(YIJIAN)
    assert found is not None
    chain, calendar = found
    view = applicant_view(
        chain, application.state, list(application.history), today=dt.date(2026, 6, 3), calendar=calendar
    )
    assert view.headline == APPLICANT_STATUS_LABELS[status]
    assert view.headline != STATUS_LABELS[status]  # farmers get farmers' words, by design


@pytest.mark.parametrize("role", ROLES)
def test_every_staff_page_names_the_role_from_the_one_table(client: Client, role: Role) -> None:
    sign_in(client, role)
    for path in ("/staff/", "/staff/stats"):
        assert f"{ROLE_NAMES[role]} · {role}" in client.get(path).text, path
