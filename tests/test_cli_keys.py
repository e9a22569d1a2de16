"""The keys on the command line: serve refuses without them, demo keeps its own, encrypt-existing seals old rows."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import pytest
from litestar.testing import TestClient

from shenbao import cli
from shenbao.app import create_app
from shenbao.privacy.keyring import Keyring
from shenbao.settings import Settings, SettingsError
from shenbao.store import migrate_url
from tests.support.keys import TEST_DATA_KEY, TEST_LOOKUP_KEY
from tests.support.personal import ANSWERS_2021, SECRETS

VARIABLES = "SHENBAO_DATA_KEY and SHENBAO_LOOKUP_KEY"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data" / "shenbao.db"
    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{path}")
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SHENBAO_DATA_KEY", raising=False)
    monkeypatch.delenv("SHENBAO_LOOKUP_KEY", raising=False)
    return path


def test_serve_refuses_to_start_without_keys_naming_the_variables(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--port", "1"]) == 2
    error = capsys.readouterr().err
    assert VARIABLES in error and "shenbao keys new" in error and "shenbao demo" in error


def test_one_key_without_the_other_is_refused(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHENBAO_DATA_KEY", TEST_DATA_KEY)
    assert cli.main(["migrate"]) == 2
    assert "SHENBAO_DATA_KEY is set but SHENBAO_LOOKUP_KEY is not" in capsys.readouterr().err


def test_the_app_does_not_start_without_keys(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", data_dir=tmp_path, secret_key="k")
    with (
        pytest.raises(ExceptionGroup) as raised,
        TestClient(create_app(settings)),
    ):  # from the lifespan's task group
        pass
    assert raised.group_contains(SettingsError, match=VARIABLES)


def test_keys_new_prints_a_pair_the_environment_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["keys", "new", "--id", "k9"]) == 0
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.splitlines())
    keys = Keyring.from_env(lines)
    assert keys is not None and keys.data_key_id == keys.lookup_key_id == "k9"
    assert lines["SHENBAO_DATA_KEY"] != lines["SHENBAO_LOOKUP_KEY"]


def test_the_demo_makes_its_keys_beside_its_database_once(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, said = cli.demo.demo_keys(Settings.from_env())
    assert (database.parent / "shenbao.keys.env").exists() and "made now" in said
    again, said_again = cli.demo.demo_keys(Settings.from_env())
    assert "from" in said_again and first.keys is not None and again.keys is not None
    assert again.keys.open(first.keys.seal(b"13800138000")) == b"13800138000"
    monkeypatch.setenv("SHENBAO_DATA_KEY", TEST_DATA_KEY)
    monkeypatch.setenv("SHENBAO_LOOKUP_KEY", TEST_LOOKUP_KEY)
    from_env, said_env = cli.demo.demo_keys(Settings.from_env())
    assert (
        "SHENBAO_DATA_KEY" in said_env and from_env.keys is not None and from_env.keys.data_key_id == "test1"
    )


def test_encrypt_existing_seals_what_an_earlier_version_wrote(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(migrate_url(f"sqlite:///{database}"))
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO application (receipt_number, form_id, form_version, answers, region_code, created_at,"
            " updated_at) VALUES ('261128000017', 'gansu-zizhu-2021', 1, ?, '620102001001',"
            " '2026-11-28T01:00:00+00:00', '2026-11-28T01:00:00+00:00')",
            (json.dumps(ANSWERS_2021, ensure_ascii=False),),
        )
    monkeypatch.setenv("SHENBAO_DATA_KEY", TEST_DATA_KEY)
    monkeypatch.setenv("SHENBAO_LOOKUP_KEY", TEST_LOOKUP_KEY)
    assert cli.main(["encrypt-existing"]) == 0
    assert re.search(r"1 application\(s\), 0 draft\(s\)", capsys.readouterr().out)
    with sqlite3.connect(database) as connection:
        row = connection.execute("SELECT answers, id_number_hash, phone_hash FROM application").fetchone()
    assert not [secret for secret in SECRETS if secret in row[0]]
    assert row[1].startswith("test1:") and row[2].startswith("test1:")
    assert cli.main(["encrypt-existing"]) == 0
    assert "0 application(s)" in capsys.readouterr().out
