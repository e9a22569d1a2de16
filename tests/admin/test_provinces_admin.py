"""Two provinces' packs in one server: each province's admins keep their own pack's chains, holidays, pack files
and pack forms, and never the other's (seen, edited, published, rolled back or downloaded); staff print posters of
their own province's forms only."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import store
from shenbao.app import create_app
from tests.support.staff import add_account
from tests.support.web import csrf_of, migrated_settings, sign_in

Client = TestClient[Litestar]
GANSU_CHAIN, NINGXIA_CHAIN = "gansu-yijian-2023", "example-ningxia-apply"


@pytest.fixture
def app(tmp_path: Path) -> Litestar:
    settings = msgspec.structs.replace(migrated_settings(tmp_path), packs=("gansu", "example-ningxia"))

    async def seed() -> None:
        database = await store.open_database(settings.database_url, keys=settings.keys)
        try:
            await add_account(database, "province", "62", username="gansu-admin")
            await add_account(database, "province", "64", username="ningxia-admin")
            await add_account(database, "village", "640121100200", username="ningxia-village")
        finally:
            await database.close()

    asyncio.run(seed())
    return create_app(settings)


@pytest.fixture
def ningxia(app: Litestar) -> Iterator[Client]:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert sign_in(client, "ningxia-admin").status_code == 303  # type: ignore[attr-defined]
        yield client


def test_the_chain_list_holds_only_the_admin_s_own_province(ningxia: Client) -> None:
    page = ningxia.get("/admin/chains").text
    assert NINGXIA_CHAIN in page and GANSU_CHAIN not in page


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", f"/admin/chains/{GANSU_CHAIN}"),
        ("post", f"/admin/chains/{GANSU_CHAIN}/edit"),
        ("post", f"/admin/chains/{GANSU_CHAIN}/publish"),
        ("post", f"/admin/chains/{GANSU_CHAIN}/rollback"),
        ("get", "/admin/holidays/gansu/2027"),
        ("post", "/admin/holidays/gansu/2027"),
        ("get", "/admin/packs/archive?pack=gansu"),
    ],
)
def test_another_province_s_pack_is_refused_in_chinese(ningxia: Client, method: str, path: str) -> None:
    token = csrf_of(ningxia.get(f"/admin/chains/{NINGXIA_CHAIN}").text)
    response = (
        ningxia.get(path)
        if method == "get"
        else ningxia.post(path, data={"_csrf": token, "rev": "1", "reason": "试试", "version": "1"})
    )
    assert response.status_code == 403
    assert "别的省份" in response.text or "本省" in response.text


def test_the_admin_s_own_pack_opens(ningxia: Client) -> None:
    assert ningxia.get(f"/admin/chains/{NINGXIA_CHAIN}").status_code == 200
    assert ningxia.get("/admin/holidays/example-ningxia/2027").status_code == 200
    holidays = ningxia.get("/admin/holidays").text
    assert "example-ningxia" in holidays and "/admin/holidays/gansu/" not in holidays
    packs = ningxia.get("/admin/packs/").text
    assert "pack=example-ningxia" in packs and "pack=gansu" not in packs
    archive = ningxia.get("/admin/packs/archive?pack=example-ningxia")
    assert archive.status_code == 200 and archive.headers["content-type"] == "application/zip"


def test_a_pack_form_s_versions_offer_a_rollback_only_to_its_own_province(app: Litestar) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert sign_in(client, "ningxia-admin").status_code == 303  # type: ignore[attr-defined]
        foreign = client.post(
            "/admin/versions/gansu-yijian-2023/rollback",
            data={
                "_csrf": csrf_of(client.get(f"/admin/chains/{NINGXIA_CHAIN}").text),
                "version": "1",
                "reason": "试试",
            },
        )
        assert foreign.status_code == 409 and "没有发布这个表单的权限" in foreign.text


def test_a_village_prints_posters_of_its_own_province_s_forms_only(app: Litestar) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as client:
        assert sign_in(client, "ningxia-village").status_code == 303  # type: ignore[attr-defined]
        page = client.get("/staff/posters").text
        assert "example-ningxia-apply" in page and "gansu-yijian-2023" not in page
        own = client.get("/staff/posters/example-ningxia-apply.png?region=640121100200")
        assert own.status_code == 200 and own.headers["content-type"] == "image/png"
        other = client.get("/staff/posters/gansu-yijian-2023.png?region=640121100200")
        assert other.status_code == 404 and "还没有在本省发布" in other.text
