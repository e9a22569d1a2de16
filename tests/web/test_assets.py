"""htmx and the widgets' scripts: read and gzipped once, then sent as bytes; a phone that has them gets a 304."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.paths import widgets_dir
from shenbao.web.assets import Asset, Assets
from shenbao.web.static_files import STATIC_DIR

Client = TestClient[Litestar]
FILES = [
    ("/static/htmx.min.js", STATIC_DIR / "htmx.min.js"),
    (
        "/widgets/_assets/signature/signature_pad.umd.min.js",
        widgets_dir() / "signature" / "signature_pad.umd.min.js",
    ),
]


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """One entry (the media type) for each file the app read from disk and compressed."""
    names: list[str] = []
    original = Asset.of

    def counted(body: bytes, media_type: str) -> Asset:
        names.append(media_type)
        return original(body, media_type)

    monkeypatch.setattr(Asset, "of", staticmethod(counted))
    return names


@pytest.mark.parametrize(("url", "file"), FILES)
def test_a_file_is_sent_gzipped_and_the_same_version_again_is_a_304(
    client: Client, url: str, file: Path, reads: list[str]
) -> None:
    plain = file.read_bytes()
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["content-encoding"] == "gzip"
    assert first.content == plain  # httpx unpacks it: the bytes are the file's
    assert first.headers["content-type"].startswith("text/javascript")
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["vary"] == "Accept-Encoding" and first.headers["x-content-type-options"] == "nosniff"
    again = client.get(url, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    unzipped = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in unzipped.headers and unzipped.content == plain
    assert len(reads) == 1  # three answers, one read and one compression


def test_only_the_platforms_own_files_are_sent(client: Client) -> None:
    assert client.get("/static/VENDORED.txt").status_code == 404
    assert client.get("/static/..%2Fplugin.py").status_code == 404
    assert client.get("/widgets/_assets/signature/widget.py").status_code == 404


def test_a_file_is_gzipped_at_the_highest_level_once() -> None:
    assets = Assets()
    asset = assets.get(STATIC_DIR / "htmx.min.js", "text/javascript")
    assert assets.get(STATIC_DIR / "htmx.min.js", "text/javascript") is asset
    assert gzip.decompress(asset.gzipped) == asset.body and len(asset.gzipped) < len(asset.body) / 2
