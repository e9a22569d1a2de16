"""The section page of a phone with no draft cookie: served from memory by ``FirstVisitLane`` before the handler,
the same bytes and headers as the handler serves a phone with a token and no draft; everything else goes on to the
handler (a token, a query, a guide not read, a page the form does not have)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.store import DatabaseBusyError
from shenbao.web.farmer.apply import FarmerController
from tests.support.web import ZIZHU, read_guide
from tests.web.test_metrics import scrape, value

Client = TestClient[Litestar]
PAGE = f"/f/{ZIZHU}/s/method"
ROUTE = "/f/{form_id}/s/{section_id}"


@pytest.fixture
def handled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths whose section handler read the browser's draft (the handler ran, not the lane)."""
    paths: list[str] = []
    read = FarmerController._draft

    async def counted(self: FarmerController, services: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        paths.append(request.url.path)
        return await read(self, services, request, *args, **kwargs)

    monkeypatch.setattr(FarmerController, "_draft", counted)
    return paths


def _page_headers(response: Any) -> dict[str, str]:
    """The headers that must not differ between the lane and the handler (the request id and cookie do)."""
    return {
        name: response.headers.get(name, "")
        for name in (
            "content-type",
            "content-encoding",
            "etag",
            "vary",
            "cache-control",
            "content-security-policy",
            "x-frame-options",
            "x-content-type-options",
            "referrer-policy",
        )
    }


def test_a_phone_with_no_draft_cookie_gets_the_shared_page_without_the_handler(
    new_phone: Client, handled: list[str]
) -> None:
    read_guide(new_phone)
    lane = new_phone.get(PAGE, headers={"Accept-Encoding": "gzip"})
    assert lane.status_code == 200 and "办理方式" in lane.text and "还需等待" not in lane.text
    assert handled == [], "the lane answered: the handler never read a draft"
    token = new_phone.cookies.get("sb_draft")
    assert token and lane.headers["x-request-id"]
    # The same phone, now with its token and still no draft, goes through the handler: the same page.
    again = new_phone.get(PAGE, headers={"Accept-Encoding": "gzip"})
    assert handled == [PAGE]
    assert again.content == lane.content and _page_headers(again) == _page_headers(lane)
    assert _page_headers(lane)["content-encoding"] == "gzip"
    assert _page_headers(lane)["content-security-policy"].startswith("default-src 'self'")
    assert new_phone.cookies.get("sb_draft") == token, "the handler renews the token the lane gave"


def test_each_phone_gets_a_token_of_its_own_and_the_etag_revalidates(
    app: Litestar, handled: list[str]
) -> None:
    tokens, etags = set(), set()
    for _ in range(3):
        with TestClient(app, base_url="http://127.0.0.1") as phone:
            read_guide(phone)
            page = phone.get(PAGE)
            tokens.add(phone.cookies.get("sb_draft"))
            etags.add(page.headers["etag"])
            phone.cookies.delete("sb_draft")
            unchanged = phone.get(PAGE, headers={"If-None-Match": page.headers["etag"]})
            assert unchanged.status_code == 304 and unchanged.content == b""
            assert unchanged.headers["set-cookie"].startswith("sb_draft=")
    assert len(tokens) == 3 and len(etags) == 1 and handled == []


def test_a_query_a_guide_not_read_or_a_missing_page_goes_to_the_handler(
    new_phone: Client, handled: list[str]
) -> None:
    guide = new_phone.get(PAGE)
    assert guide.status_code == 200 and "还需等待60秒才能开始申请" in guide.text
    assert handled == [PAGE], "the guide, shown by the handler"
    read_guide(new_phone)
    new_phone.cookies.delete("sb_draft")
    village = new_phone.get(PAGE, params={"region": "620102001001"})
    assert village.status_code == 200 and len(handled) == 2
    new_phone.cookies.delete("sb_draft")
    missing = new_phone.get(f"/f/{ZIZHU}/s/no-such-page")
    assert missing.status_code == 404 and "没有这一页" in missing.text
    unknown = new_phone.get("/f/no-such-form/s/method")
    assert unknown.status_code == 404 and "没有找到申报表" in unknown.text


def test_the_lane_is_counted_in_the_route_series(new_phone: Client, handled: list[str]) -> None:
    read_guide(new_phone)
    before = _served(new_phone)
    for _ in range(3):
        new_phone.cookies.delete("sb_draft")
        assert new_phone.get(PAGE).status_code == 200
    assert _served(new_phone) - before == 3 and handled == []


def _served(client: Client) -> float:
    labels = {"method": "GET", "path": ROUTE, "status_code": "200", "app_name": "shenbao"}
    return value(scrape(client), "shenbao_requests_total", **labels)


def test_a_busy_database_on_the_lane_gets_the_platforms_busy_page(
    new_phone: Client, handled: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    read_guide(new_phone)
    catalog = new_phone.app.state["shenbao"].catalog

    async def busy() -> None:
        raise DatabaseBusyError("database is locked")

    monkeypatch.setattr(catalog, "fresh", busy)
    page = new_phone.get(PAGE)
    assert page.status_code == 503 and "现在办理的人很多" in page.text
    assert page.headers["retry-after"] and page.headers["x-request-id"] and handled == []
