"""The plugin's lifespan: everything it opened is closed when the app stops, and as far as it got on a failed start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from shenbao import packs, plugin, store
from shenbao.app import create_app
from shenbao.packs import PackError
from shenbao.paths import form_defs_dir
from shenbao.settings import SettingsError
from shenbao.web.services import Services
from tests.support.web import migrated_settings


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[store.Database]:
    """Every database the plugin opens, kept to see whether it was closed."""
    databases: list[store.Database] = []
    open_database = store.open_database

    async def keeping(*args: Any, **kwargs: Any) -> store.Database:
        databases.append(await open_database(*args, **kwargs))
        return databases[-1]

    monkeypatch.setattr(store, "open_database", keeping)
    return databases


def _refuse(error: Exception) -> Any:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise error

    return refuse


async def _refuse_later(*args: Any, **kwargs: Any) -> None:
    raise RuntimeError("deadlines could not be filled")


@pytest.mark.parametrize(
    ("step", "replacement", "error"),
    [
        pytest.param("check_routing", _refuse(PackError("no handler")), PackError, id="routing-check"),
        pytest.param("gateway_for", _refuse(SettingsError("no gateway")), SettingsError, id="gateway"),
        pytest.param("fill_pending_deadlines", _refuse_later, RuntimeError, id="after-the-services-exist"),
    ],
)
def test_a_failed_start_closes_what_it_opened(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    opened: list[store.Database],
    step: str,
    replacement: Any,
    error: type[Exception],
) -> None:
    monkeypatch.setattr(plugin, step, replacement)
    app = create_app(migrated_settings(tmp_path))
    with pytest.raises(ExceptionGroup) as raised, TestClient(app):
        pass  # the start-up fails: Litestar's lifespan reports it in a group
    assert raised.group_contains(error)
    assert len(opened) == 1 and repr(opened[0]).endswith(" closed>")
    assert "shenbao" not in app.state


def test_a_refused_setting_opens_nothing(tmp_path: Path, opened: list[store.Database]) -> None:
    app = create_app(msgspec.structs.replace(migrated_settings(tmp_path), secret_key=""))
    with pytest.raises(ExceptionGroup) as raised, TestClient(app):
        pass
    assert raised.group_contains(SettingsError, match="SHENBAO_SECRET_KEY is not set") and opened == []


def test_the_stopped_app_has_closed_its_database_and_stopped_its_jobs(
    tmp_path: Path, opened: list[store.Database]
) -> None:
    app = create_app(migrated_settings(tmp_path))
    with TestClient(app) as client:
        assert client.get("/api/v1/forms").status_code == 200
        services: Services = app.state["shenbao"]
        assert services.dispatcher is not None and services.housekeeping is not None
        assert not repr(opened[0]).endswith(" closed>")
    assert repr(opened[0]).endswith(" closed>") and "shenbao" not in app.state
    assert services.dispatcher._task is None and services.housekeeping._task is None


def test_the_plugin_starts_through_a_lifespan_not_start_up_hooks(tmp_path: Path) -> None:
    app: Litestar = create_app(migrated_settings(tmp_path))
    assert app.on_startup == [] and app.on_shutdown == []


def test_each_form_is_compiled_once_per_start(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[str] = []
    compile_form = packs.compile_form

    def counting(definition: Any, **kwargs: Any) -> Any:
        compiled.append(definition.id)
        return compile_form(definition, **kwargs)

    monkeypatch.setattr(packs, "compile_form", counting)
    with TestClient(create_app(migrated_settings(tmp_path))) as client:
        services: Services = client.app.state["shenbao"]
    files = sorted(form_defs_dir().glob("gansu/forms/*.json")) + sorted(
        form_defs_dir().glob("gansu/chains/forms/*.json")
    )
    assert len(compiled) == len(files) == len(set(compiled))
    assert {form.id for form in services.forms} | {form.id for form in services.step_forms} == set(compiled)
