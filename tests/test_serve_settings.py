"""What a server must be given: the secret, kept across restarts and rotated; an SMS gateway named on purpose."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from shenbao import cli
from shenbao.app import create_app
from shenbao.files import FileRef, FileStore
from shenbao.notify.otp import PhoneVerifier
from shenbao.notify.sms import ConsoleGateway, DatabaseGateway, Sms
from shenbao.privacy.keyring import new_secret
from shenbao.settings import Settings, SettingsError
from shenbao.store import Database, migrate_url
from shenbao.web.farmer.guide_wait import GUIDE_COOKIE, mark_path, sign_mark
from tests.support.keys import TEST_DATA_KEY, TEST_KEYS, TEST_LOOKUP_KEY

OLD, NEW = new_secret(), new_secret()


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A server's environment with its keys, and neither the secret nor the gateway."""
    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'data' / 'shenbao.db'}")
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SHENBAO_DATA_KEY", TEST_DATA_KEY)
    monkeypatch.setenv("SHENBAO_LOOKUP_KEY", TEST_LOOKUP_KEY)
    for name in ("SHENBAO_SECRET_KEY", "SHENBAO_SMS_GATEWAY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "data"


def test_serve_refuses_to_start_without_a_secret_or_a_gateway(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["serve", "--port", "1"]) == 2
    error = capsys.readouterr().err
    assert "SHENBAO_SECRET_KEY is not set" in error and "shenbao keys new" in error
    assert "SHENBAO_SMS_GATEWAY is not set" in error and "aliyun" in error


def test_a_short_secret_is_refused_naming_which(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SHENBAO_SECRET_KEY", f"{NEW},short")
    assert cli.main(["serve", "--port", "1"]) == 2
    assert "SHENBAO_SECRET_KEY 的第2个密钥太短" in capsys.readouterr().err


def test_the_secret_rotates_current_first(environment: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHENBAO_SECRET_KEY", f" {NEW} , {OLD} ")
    settings = Settings.from_env()
    assert settings.secret_key == NEW and settings.secrets == (NEW, OLD)


def _settings(tmp_path: Path, **changes: object) -> Settings:
    fields: dict[str, object] = {
        "database_url": f"sqlite:///{tmp_path / 'a.db'}",
        "data_dir": tmp_path,
        "secret_key": NEW,
        "keys": TEST_KEYS,
        **changes,
    }
    settings = Settings(**fields)  # type: ignore[arg-type]
    asyncio.run(migrate_url(settings.database_url))
    return settings


def test_the_app_does_not_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(ExceptionGroup) as raised, TestClient(create_app(_settings(tmp_path, secret_key=""))):
        pass
    assert raised.group_contains(SettingsError, match="SHENBAO_SECRET_KEY is not set")


def test_the_app_does_not_start_without_a_gateway(tmp_path: Path) -> None:
    with pytest.raises(ExceptionGroup) as raised, TestClient(create_app(_settings(tmp_path, sms_gateway=""))):
        pass
    assert raised.group_contains(SettingsError, match="SHENBAO_SMS_GATEWAY is not set")


class _Kept(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _start_up_warnings(settings: Settings) -> str:
    """What the app logs at start-up (a handler of its own: Litestar sets up the root logger's handlers)."""
    kept, logger = _Kept(), logging.getLogger("shenbao")
    logger.addHandler(kept)
    try:
        with TestClient(create_app(settings)):
            pass
    finally:
        logger.removeHandler(kept)
    return "\n".join(kept.lines)


def test_a_gateway_that_sends_nothing_is_said_at_start_up(tmp_path: Path) -> None:
    assert "no text message leaves this server" in _start_up_warnings(_settings(tmp_path))
    assert "no text message leaves" not in _start_up_warnings(_settings(tmp_path, demo=True))


def test_a_mark_signed_with_the_retired_secret_still_counts(tmp_path: Path) -> None:
    """A farmer who read the guide before the rotation is not sent back to wait again."""
    settings = _settings(tmp_path, retired_secret_keys=(OLD,))
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as client:
        mark = sign_mark(OLD, "gansu-zizhu-2021", opened=time.time() - 61)
        client.cookies.set(GUIDE_COOKIE, mark, domain="127.0.0.1", path=mark_path("", "gansu-zizhu-2021"))
        page = client.get("/f/gansu-zizhu-2021/s/method")
        assert page.status_code == 200 and "停留60秒" not in page.text


def test_the_demo_keeps_its_secret_in_its_key_file(environment: Path) -> None:
    first, _ = cli.demo.demo_keys(Settings.from_env())
    again, _ = cli.demo.demo_keys(Settings.from_env())
    assert len(first.secret_key) >= 32 and again.secret_key == first.secret_key
    path = environment / "shenbao.keys.env"
    earlier = "".join(line + "\n" for line in path.read_text().splitlines() if "SECRET" not in line)
    path.write_text(earlier)  # a key file made before the secret was kept in it
    added, _ = cli.demo.demo_keys(Settings.from_env())
    assert added.secret_key and f"SHENBAO_SECRET_KEY={added.secret_key}" in path.read_text()


@pytest.mark.anyio
async def test_a_code_sent_before_the_rotation_still_verifies(db: Database) -> None:
    sent: list[Sms] = []

    class Keep:
        async def send(self, message: Sms) -> None:
            sent.append(message)

    before = PhoneVerifier(db, Keep(), OLD)
    await before.send_code(scope="draft:f:t", phone="13800138000", client="1.2.3.4")
    code = re.search(r"\d{6}", sent[-1].text)
    assert code
    after = PhoneVerifier(db, Keep(), (NEW, OLD))
    await after.verify(scope="draft:f:t", phone="13800138000", code=code.group())
    assert await after.verified(scope="draft:f:t", phone="13800138000")


@pytest.mark.anyio
async def test_the_development_gateways_log_no_code_and_no_number(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    code = Sms(
        phone="13800138000", template="otp", text="验证码是482913，5分钟内有效", params={"code": "482913"}
    )
    with caplog.at_level(logging.WARNING, logger="shenbao.sms"):
        await ConsoleGateway().send(code)
        await DatabaseGateway(db).send(code)
    assert "482913" not in caplog.text and "13800138000" not in caplog.text
    assert caplog.text.count("138****8000: 验证码是******，5分钟内有效") == 2


def test_serve_assumes_https_unless_told_otherwise(
    environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    served: list[Settings] = []
    monkeypatch.setattr(cli, "_serve", lambda settings, host, port, workers=1: served.append(settings))
    monkeypatch.setenv("SHENBAO_SECRET_KEY", NEW)
    monkeypatch.setenv("SHENBAO_SMS_GATEWAY", "console")
    assert cli.main(["serve", "--port", "1"]) == 0
    monkeypatch.setenv("SHENBAO_HTTPS", "0")
    assert cli.main(["serve", "--port", "1"]) == 0
    assert [settings.https for settings in served] == [True, False]


def test_a_thumbnail_link_drawn_before_the_rotation_still_opens(tmp_path: Path) -> None:
    ref = FileRef(file="a" * 64, type="image/jpeg")
    before = FileStore(tmp_path, OLD)
    after = FileStore(tmp_path, NEW, retired=(OLD,))
    assert after.token_matches(ref, before.token(ref)) and after.token_matches(ref, after.token(ref))
    assert after.token(ref) != before.token(ref)  # new links are signed with the new secret
    assert not FileStore(tmp_path, NEW).token_matches(ref, before.token(ref))  # once OLD is dropped


def test_serve_passes_its_workers_and_refuses_a_count_that_is_not_one(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    served: list[int] = []
    monkeypatch.setattr(cli, "_serve", lambda settings, host, port, workers=1: served.append(workers))
    monkeypatch.setenv("SHENBAO_SECRET_KEY", NEW)
    monkeypatch.setenv("SHENBAO_SMS_GATEWAY", "console")
    assert cli.main(["serve", "--port", "1", "--workers", "3"]) == 0
    assert cli.main(["serve", "--port", "1"]) == 0
    assert served == [3, 1]
    with pytest.raises(SystemExit):
        cli.main(["serve", "--workers", "0"])
    assert "--workers takes a number of processes from 1 to 64, not '0'" in capsys.readouterr().err


def test_workers_get_a_fresh_metrics_folder_unless_one_is_given(tmp_path: Path) -> None:
    from shenbao.cli.serving import MULTIPROC_VARIABLE, metrics_folder

    env: dict[str, str] = {}
    with metrics_folder(1, env) as none:
        assert none is None and env == {}
    with metrics_folder(3, env) as folder:
        assert folder is not None and folder.is_dir() and env[MULTIPROC_VARIABLE] == str(folder)
    assert env == {} and not folder.exists()  # made for this run, removed after it
    given = tmp_path / "metrics"
    given.mkdir()
    (given / "counter_123.db").write_bytes(b"an earlier run")
    (given / "keep.txt").write_text("not prometheus's")
    env = {MULTIPROC_VARIABLE: str(given)}
    with metrics_folder(2, env) as folder:
        assert folder == given and sorted(path.name for path in given.iterdir()) == ["keep.txt"]
    assert env == {MULTIPROC_VARIABLE: str(given)} and given.is_dir()


def test_several_workers_build_their_app_from_the_environment_and_sqlite_is_warned_about(
    environment: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import uvicorn

    from shenbao.cli import serving

    calls: list[tuple[Any, dict[str, Any]]] = []

    def run(app: Any, **options: Any) -> None:
        calls.append((app, {**options, "metrics": os.environ.get(serving.MULTIPROC_VARIABLE)}))

    monkeypatch.setattr(uvicorn, "run", run)
    monkeypatch.delenv(serving.MULTIPROC_VARIABLE, raising=False)
    monkeypatch.setenv("SHENBAO_SECRET_KEY", NEW)
    monkeypatch.setenv("SHENBAO_SMS_GATEWAY", "console")
    assert cli.main(["serve", "--port", "1", "--workers", "3"]) == 0
    [(target, options)] = calls
    assert target == "shenbao.cli.serving:app_from_env" and options["factory"] is True
    assert options["workers"] == 3 and options["metrics"]  # a metrics folder while they run
    assert (
        "SQLite" in capsys.readouterr().err
        and "PostgreSQL is the production database" in serving.SQLITE_WORKERS_WARNING
    )
    assert serving.app_from_env().debug is False  # what each worker builds, from the same environment
    assert serving.served_settings().https is True
