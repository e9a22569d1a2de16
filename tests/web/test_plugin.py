"""ShenbaoPlugin mounts the whole platform into a host Litestar app, beside the host's own routes."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, get
from litestar.testing import TestClient

from shenbao.plugin import ShenbaoPlugin
from tests.support.web import migrated_settings, read_guide


@get("/")
async def host_home() -> dict[str, str]:
    return {"app": "host"}


def test_the_plugin_mounts_under_a_prefix_beside_the_host(tmp_path: Path) -> None:
    app = Litestar(
        route_handlers=[host_home], plugins=[ShenbaoPlugin(migrated_settings(tmp_path), path="/shenbao")]
    )
    with TestClient(app) as client:
        assert client.get("/").json() == {"app": "host"}
        forms = client.get("/shenbao/api/v1/forms").json()
        assert "gansu-zizhu-2021" in {form["id"] for form in forms}
        index = client.get("/shenbao/").text
        assert 'href="/shenbao/f/gansu-zizhu-2021"' in index
        guide = client.get("/shenbao/f/gansu-zizhu-2021")
        assert "Path=/shenbao/f/gansu-zizhu-2021" in guide.headers["set-cookie"]  # the guide wait starts
        read_guide(client, base="/shenbao")  # a minute later
        section = client.get("/shenbao/f/gansu-zizhu-2021/s/household")
        assert (
            "sb_draft=" in section.headers["set-cookie"] and "Path=/shenbao;" in section.headers["set-cookie"]
        )
        assert 'src="/shenbao/static/htmx.min.js' in section.text
        assert 'hx-post="/shenbao/f/gansu-zizhu-2021/s/household/answer"' in section.text
        answer = client.post("/shenbao/f/gansu-zizhu-2021/s/household/answer", data={"_q": "q8", "q8": "yes"})
        assert answer.status_code == 200 and "set-cookie" not in answer.headers  # the page gave it
        assert client.get("/shenbao/static/htmx.min.js").status_code == 200
        assert client.get("/shenbao/f/nope").status_code == 404


def test_the_standalone_app_is_the_plugin_at_the_root(client: TestClient[Litestar]) -> None:
    assert client.get("/static/htmx.min.js").headers["cache-control"] == "public, max-age=31536000, immutable"
