"""Security headers on every response, the request id, logged 500s, and how the API reads a body."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar, get
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.plugin import ShenbaoPlugin
from shenbao.settings import Settings, SettingsError, https_from_env
from shenbao.web.api.body import MAX_DEPTH, depth_of
from shenbao.web.security import inline_script_hashes
from tests.support.web import csrf_of, migrated_settings, read_guide

Client = TestClient[Litestar]
API = "/api/v1/forms/gansu-zizhu-2021"


def _inline_scripts(html: str) -> list[str]:
    return re.findall(r"<script>(.*?)</script>", html, re.S)


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def _assert_secured(response: Any) -> None:
    headers = response.headers
    if headers.get("content-type", "").startswith("text/html"):  # a page: its policy
        csp = headers["content-security-policy"]
        for directive in (
            "script-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'none'",
        ):
            assert directive in csp, (response.url, csp)
        assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
        assert headers["x-frame-options"] == "DENY"
    else:  # a script, JSON, a redirect: no policy to carry (it governs documents only)
        assert "content-security-policy" not in headers, response.url
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,64}", headers["x-request-id"])
    assert "strict-transport-security" not in headers


def test_every_kind_of_response_carries_the_headers(client: Client) -> None:
    responses = [
        client.get("/"),
        client.get("/f/gansu-zizhu-2021/s/method"),
        client.get("/static/htmx.min.js"),
        client.get("/api/v1/forms"),
        client.get("/api/schema/openapi.json"),
        client.get("/no-such-page"),
        client.get("/f/no-such-form"),
        client.post("/f/gansu-zizhu-2021/s/method", data={"nav": "next"}, follow_redirects=False),
        client.get("/staff/", follow_redirects=False),
        client.post(f"{API}/evaluate", content=b"{", headers={"content-type": "application/json"}),
    ]
    assert {response.status_code for response in responses} >= {200, 303, 400, 404}
    assert sum("content-security-policy" in response.headers for response in responses) >= 4
    for response in responses:
        _assert_secured(response)


def test_an_htmx_swap_carries_no_policy_of_its_own(client: Client) -> None:
    """It lands in a page that has the policy already; 700 bytes less on every answer tapped over 3G."""
    page = client.get("/f/gansu-zizhu-2021/s/household")
    assert "content-security-policy" in page.headers
    swap = client.post(
        "/f/gansu-zizhu-2021/s/household/answer",
        data={"_q": "q8", "q8": "yes"},
        headers={"HX-Request": "true"},
    )
    assert swap.status_code == 200 and "content-security-policy" not in swap.headers
    assert swap.headers["x-content-type-options"] == "nosniff"


def test_every_inline_script_of_the_pages_is_allowed_by_its_hash(client: Client) -> None:
    pages = [
        client.get("/f/gansu-zizhu-2021/s/method"),
        client.get("/f/gansu-zizhu-2021/s/residence"),
    ]
    with TestClient(client.app, base_url="http://127.0.0.1") as new_phone:
        pages.append(new_phone.get("/f/gansu-zizhu-2021"))  # the guide's countdown
    scripts = [script for page in pages for script in _inline_scripts(page.text)]
    assert len(scripts) >= 3
    for page in pages:
        for script in _inline_scripts(page.text):
            assert _hash(script) in page.headers["content-security-policy"]


def test_no_inline_event_handler_is_left_in_the_templates() -> None:
    root = Path(__file__).parents[2]
    handlers = re.compile(r"\son[a-z]+=", re.I)
    for path in [*root.glob("templates/**/*.html"), *root.glob("widgets/*/*.html")]:
        assert not handlers.search(path.read_text("utf-8")), path
    assert len(inline_script_hashes()) >= 4


def test_a_request_id_from_the_proxy_is_kept_and_a_strange_one_replaced(client: Client) -> None:
    assert client.get("/", headers={"X-Request-ID": "abc-123.DEF"}).headers["x-request-id"] == "abc-123.DEF"
    made = client.get("/", headers={"X-Request-ID": "<script>" + "x" * 100}).headers["x-request-id"]
    assert re.fullmatch(r"[0-9A-F]{8}", made)
    assert client.get("/").headers["x-request-id"] != client.get("/").headers["x-request-id"]


def test_a_500_is_logged_with_its_traceback_and_the_id_shown_on_the_page(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr("shenbao.web.farmer.apply.html_response", broken)
    with caplog.at_level(logging.ERROR, logger="shenbao"):
        response = client.get("/")
    assert response.status_code == 500
    number = response.headers["x-request-id"]
    assert f'<b id="request-id">{number}</b>' in response.text and "热线" in response.text
    _assert_secured(response)
    logged = [
        record for record in caplog.records if record.name == "shenbao" and number in record.getMessage()
    ]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert "the disk caught fire" in caplog.text  # the traceback


def test_an_api_500_answers_json_with_the_id(
    client: Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("evaluation broke")

    monkeypatch.setattr("shenbao.web.api.controller.evaluate", broken)
    with caplog.at_level(logging.ERROR, logger="shenbao"):
        response = client.post(
            f"{API}/evaluate", json={"answers": {}}, headers={"X-Request-ID": "hotline-42"}
        )
    assert response.status_code == 500
    assert response.json()["request_id"] == "hotline-42" == response.headers["x-request-id"]
    assert "hotline-42" in caplog.text and "evaluation broke" in caplog.text


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 1000, 100_000])
def test_json_nested_too_deep_is_a_400(client: Client, depth: int) -> None:
    body = b'{"answers": {"q12": ' + b"[" * depth + b"]" * depth + b"}}"
    response = client.post(f"{API}/evaluate", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "嵌套太深" in response.json()["detail"]


def test_a_deeply_nested_signature_posted_by_a_page_is_no_500(client: Client) -> None:
    deep = "[" * 5000 + "]" * 5000
    response = client.post("/f/gansu-zizhu-2021/s/pledge", data={"_q": ["q45"], "q45": deep, "nav": "stay"})
    assert response.status_code < 500


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_only_json_bodies_are_read(client: Client, content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = client.post(f"{API}/evaluate", content=b'{"answers": {}}', headers=headers)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_depth_of() -> None:
    assert depth_of(1) == 0 and depth_of([]) == 1 and depth_of({"a": [{"b": 1}]}) == 3
    assert depth_of(msgspec.json.decode(b"[" * 500 + b"]" * 500), limit=10) == 11


@pytest.fixture
def https_client(tmp_path: Path) -> Iterator[Client]:
    settings = msgspec.structs.replace(migrated_settings(tmp_path), https=True)
    with TestClient(create_app(settings), base_url="https://127.0.0.1") as client:
        read_guide(client)
        yield client


def test_over_https_every_cookie_is_secure_and_hsts_is_sent(https_client: Client) -> None:
    page = https_client.get("/staff/login")
    assert page.headers["strict-transport-security"].startswith("max-age=")
    cookies = page.headers.get_list("set-cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies)
    draft = https_client.post(
        "/f/gansu-zizhu-2021/s/method",
        data={"_q": ["q1"], "q1": "self", "nav": "stay"},
        follow_redirects=False,
    )
    assert all("; Secure" in cookie for cookie in draft.headers.get_list("set-cookie"))
    assert csrf_of(page.text)


def test_the_https_setting_reads_the_environment() -> None:
    assert https_from_env({}, default=True) is True and https_from_env({}, default=False) is False
    assert https_from_env({"SHENBAO_HTTPS": "0"}, default=True) is False
    assert Settings.from_env({"SHENBAO_HTTPS": "1"}).https is True
    with pytest.raises(SettingsError, match="SHENBAO_HTTPS"):
        https_from_env({"SHENBAO_HTTPS": "maybe"}, default=True)


def test_an_embedding_host_keeps_its_own_pages_headers(tmp_path: Path) -> None:
    @get("/host", sync_to_thread=False)
    def host() -> str:
        return "host page"

    settings = migrated_settings(tmp_path)
    app = Litestar(route_handlers=[host], plugins=[ShenbaoPlugin(settings, path="/shenbao")])
    with TestClient(app) as client:
        assert "content-security-policy" not in client.get("/host").headers
        _assert_secured(client.get("/shenbao/api/v1/forms"))


@pytest.mark.parametrize("query", ["lang=%00", "region=62%0001", "q=%7F", "a=1&b=%C2%85"])
def test_a_link_with_a_control_character_is_a_400_with_a_message(client: Client, query: str) -> None:
    answer = client.get(f"/f/gansu-zizhu-2021?{query}")
    assert answer.status_code == 400 and "这个链接里有不能识别的字符" in answer.text
    assert client.get("/f/gansu-zizhu-2021?region=620102001001").status_code == 200
