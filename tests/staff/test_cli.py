"""``shenbao staff add``: the region must exist and match the role's level; the password is stored hashed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from shenbao import cli


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    database = tmp_path / "cli.db"
    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(tmp_path))
    return database


def _add(*args: str) -> int:
    return cli.main(["staff", "add", *args])


def test_adds_an_account_with_a_hashed_password(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = _add(
        "zhangsan",
        "--role",
        "village",
        "--region",
        "620102001001",
        "--name",
        "张三",
        "--password",
        "s3cret-pass",
    )
    assert code == 0, capsys.readouterr().err
    with sqlite3.connect(env) as connection:
        row = connection.execute(
            "SELECT username, display_name, role, region_code, password_hash FROM staff"
        ).fetchone()
    assert row[:4] == ("zhangsan", "张三", "village", "620102001001")
    assert row[4].startswith("$argon2id$") and "s3cret-pass" not in row[4]
    assert _add("zhangsan", "--role", "village", "--region", "620102001001", "--password", "s3cret-pass") == 2
    assert "taken" in capsys.readouterr().err


def test_adds_an_account_of_an_office_and_one_of_a_city(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _add("minzheng", "--role", "county:民政", "--region", "620102", "--password", "long-enough") == 0
    assert "county:民政" in capsys.readouterr().out
    assert _add("lanzhou", "--role", "city", "--region", "6201", "--password", "long-enough") == 0
    with sqlite3.connect(env) as connection:
        rows = connection.execute("SELECT username, role, region_code FROM staff ORDER BY id").fetchall()
    assert rows == [("minzheng", "county:民政", "620102"), ("lanzhou", "city", "6201")]


@pytest.mark.parametrize(
    ("role", "region", "message"),
    [
        ("village", "620102001", "村级账号要绑定12位地区代码"),
        ("township", "620102001001", "乡镇账号要绑定9位地区代码"),
        ("county", "62", "县级账号要绑定6位地区代码"),
        ("county:民政", "6201", "县级（民政）账号要绑定6位地区代码"),
        ("city", "620102", "市州级账号要绑定4位地区代码"),
        ("province", "620102", "省级账号要绑定2位地区代码"),
        ("village", "620102001999", "地区数据里没有地区代码620102001999"),
        ("county", "629999", "shenbao regions import"),
        ("county:民政", "650102", "SHENBAO_PACKS"),
        ("county:民 政", "620102", "科室名称"),
        ("prefecture", "6201", "没有“prefecture”这个角色"),
    ],
    ids=lambda value: str(value),
)
def test_refuses_a_region_that_is_unknown_or_of_another_level(
    env: Path, capsys: pytest.CaptureFixture[str], role: str, region: str, message: str
) -> None:
    assert _add("lisi", "--role", role, "--region", region, "--password", "long-enough") == 2
    assert message in capsys.readouterr().err


def test_refuses_a_short_password(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _add("lisi", "--role", "county", "--region", "620102", "--password", "short") == 2
    assert "至少要8个字符" in capsys.readouterr().err


def test_asks_for_the_password_twice(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter(["typed-password", "typed-password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert _add("wangwu", "--role", "province", "--region", "62") == 0


def test_the_demo_accounts_are_seeded_once(env: Path) -> None:
    import asyncio

    from shenbao.settings import Settings

    settings = Settings.from_env()
    asyncio.run(cli.commands.migrate(settings))
    first = asyncio.run(cli.demo.seed_demo_staff(settings))
    again = asyncio.run(cli.demo.seed_demo_staff(settings))
    assert first == again and len(first) == 4
    assert any("demo-village" in line and "畅家巷社区居委会" in line for line in first)
    with sqlite3.connect(env) as connection:
        assert connection.execute("SELECT count(*) FROM staff").fetchone()[0] == 4


def test_the_demo_has_an_account_for_each_role_of_each_served_pack_s_chains() -> None:
    from shenbao.paths import form_defs_dir

    accounts = cli.demo.demo_staff(("gansu", "example-ningxia"), form_defs_dir())
    assert [(username, role, region) for username, role, region, _, _ in accounts] == [
        ("demo-province", "province", "62"),
        ("demo-county", "county", "620102"),
        ("demo-township", "township", "620102001"),
        ("demo-village", "village", "620102001001"),
        ("demo-example-ningxia-province", "province", "64"),
        ("demo-example-ningxia-city", "city", "6401"),  # the example chain's 市州 step
        ("demo-example-ningxia-county-1", "county:民政", "640121"),  # and its two county offices
        ("demo-example-ningxia-county-2", "county:乡村振兴", "640121"),
        ("demo-example-ningxia-township", "township", "640121100"),
        ("demo-example-ningxia-village", "village", "640121100200"),
    ]
    names = [name for _, _, _, name, _ in accounts]
    assert names[1] == "城关区管理员" and names[6] == "永宁县民政管理员" and names[9] == "村级经办人"
    assert len({phone for *_, phone in accounts}) == len(accounts)  # made up, each its own
