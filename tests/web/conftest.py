"""Web tests: the standalone app over a fresh SQLite database, driven in-process by Litestar's TestClient."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao.app import create_app
from shenbao.settings import Settings
from tests.support.web import migrated_settings, read_guide


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return migrated_settings(tmp_path)


@pytest.fixture
def app(settings: Settings) -> Litestar:
    return create_app(settings)


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """A phone that opened the 2021 guide a minute ago: its 60-second wait is over."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        read_guide(client)
        yield client


@pytest.fixture
def new_phone(app: Litestar) -> Iterator[TestClient[Litestar]]:
    """A phone that has never opened any page of the platform."""
    with TestClient(app, base_url="http://127.0.0.1") as client:
        yield client
