"""Choosing the SMS gateway from the environment: a missing or malformed setting stops the start, naming it."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import msgspec
import pytest
from litestar.testing import TestClient

from shenbao import cli
from shenbao.app import create_app
from shenbao.notify.aliyun import AliyunGateway
from shenbao.notify.sms import ConsoleGateway, DatabaseGateway, gateway_for
from shenbao.packs import ChainRegistry
from shenbao.settings import AliyunSms, Settings, SettingsError
from shenbao.store import Database
from tests.support.web import migrated_settings

CHAINS = ChainRegistry.from_packs(["gansu"])
ALIYUN = {
    "SHENBAO_SMS_GATEWAY": "aliyun",
    "SHENBAO_ALIYUN_SMS_ACCESS_KEY_ID": "key-id",
    "SHENBAO_ALIYUN_SMS_ACCESS_KEY_SECRET": "key-secret",
    "SHENBAO_ALIYUN_SMS_SIGN_NAME": "甘肃一键报贫",
    "SHENBAO_ALIYUN_SMS_TEMPLATES": " new_application = SMS_1 ,refused=SMS_2,, otp=SMS_3",
}
_UNUSED_DB = cast(Database, object())  # only the database gateway would use it


def test_the_aliyun_settings_come_from_the_environment() -> None:
    config = Settings.from_env(ALIYUN).aliyun_sms
    assert config == AliyunSms(
        access_key_id="key-id",
        access_key_secret="key-secret",
        sign_name="甘肃一键报贫",
        templates={"new_application": "SMS_1", "refused": "SMS_2", "otp": "SMS_3"},
        endpoint="dysmsapi.aliyuncs.com",
    )
    assert Settings.from_env({**ALIYUN, "SHENBAO_ALIYUN_SMS_ENDPOINT": "dysms-vpc.example"}).aliyun_sms
    unset = Settings.from_env({})
    assert unset.aliyun_sms is None and unset.sms_gateway == ""  # refused at start-up
    assert "key-secret" not in repr(Settings.from_env(ALIYUN))  # logs and tracebacks never show the secret


@pytest.mark.parametrize(
    "variable",
    [
        "SHENBAO_ALIYUN_SMS_ACCESS_KEY_ID",
        "SHENBAO_ALIYUN_SMS_ACCESS_KEY_SECRET",
        "SHENBAO_ALIYUN_SMS_SIGN_NAME",
        "SHENBAO_ALIYUN_SMS_TEMPLATES",
    ],
)
@pytest.mark.parametrize("value", [None, "", "  "])
def test_a_missing_aliyun_setting_is_named(variable: str, value: str | None) -> None:
    environment = {key: item for key, item in ALIYUN.items() if key != variable}
    if value is not None:
        environment[variable] = value
    with pytest.raises(SettingsError, match=f"必须设置 {variable}"):
        Settings.from_env(environment)


@pytest.mark.parametrize("entry", ["refused", "refused=", "=SMS_1", "refused:SMS_1"])
def test_a_malformed_template_entry_is_shown_with_the_format(entry: str) -> None:
    with pytest.raises(
        SettingsError, match=f"SHENBAO_ALIYUN_SMS_TEMPLATES 里的“{entry}”不是“模板名=模板代码”"
    ):
        Settings.from_env({**ALIYUN, "SHENBAO_ALIYUN_SMS_TEMPLATES": f"otp=SMS_3,{entry}"})


def test_an_unknown_gateway_lists_the_known_ones() -> None:
    with pytest.raises(
        SettingsError, match="SHENBAO_SMS_GATEWAY 不能是“tencent”：请设为 database、console、aliyun"
    ):
        Settings.from_env({"SHENBAO_SMS_GATEWAY": "tencent"})
    with pytest.raises(SettingsError, match="SHENBAO_SMS_GATEWAY"):
        gateway_for(
            Settings(database_url="", data_dir=Path(), secret_key="", sms_gateway="x"), _UNUSED_DB, []
        )


def test_each_name_gives_its_gateway() -> None:
    base = Settings.from_env({"SHENBAO_SMS_GATEWAY": "database"})
    assert isinstance(gateway_for(base, _UNUSED_DB, CHAINS), DatabaseGateway)
    console = msgspec.structs.replace(base, sms_gateway="console")
    assert isinstance(gateway_for(console, _UNUSED_DB, CHAINS), ConsoleGateway)
    codes = {name: "SMS_1" for chain in CHAINS for name in chain.sms} | {"otp": "SMS_2"}
    aliyun = Settings.from_env(
        {**ALIYUN, "SHENBAO_ALIYUN_SMS_TEMPLATES": ",".join(f"{k}={v}" for k, v in codes.items())}
    )
    assert isinstance(gateway_for(aliyun, _UNUSED_DB, CHAINS), AliyunGateway)
    with pytest.raises(SettingsError, match="SHENBAO_ALIYUN_SMS_"):
        gateway_for(msgspec.structs.replace(aliyun, aliyun_sms=None), _UNUSED_DB, CHAINS)


def test_the_aliyun_gateway_without_its_sdk_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("importlib.util.find_spec", lambda name, *args: None)
    with pytest.raises(SettingsError, match=r"pip install 'shenbao\[aliyun\]'"):
        gateway_for(Settings.from_env(ALIYUN), _UNUSED_DB, CHAINS)


def test_the_command_line_stops_with_the_message(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in ALIYUN.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("SHENBAO_ALIYUN_SMS_SIGN_NAME")
    assert cli.main(["migrate"]) == 2
    assert "必须设置 SHENBAO_ALIYUN_SMS_SIGN_NAME" in capsys.readouterr().err


def test_the_app_does_not_start_without_a_code_for_every_template(tmp_path: Path) -> None:
    settings = msgspec.structs.replace(migrated_settings(tmp_path), sms_gateway="aliyun")
    settings = msgspec.structs.replace(settings, aliyun_sms=Settings.from_env(ALIYUN).aliyun_sms)
    with pytest.raises(ExceptionGroup) as raised, TestClient(create_app(settings)):
        pass  # the start-up fails: Litestar's lifespan reports it in a group
    assert raised.group_contains(SettingsError, match=r"缺少这些短信模板的阿里云模板代码：.*step_waiting")
