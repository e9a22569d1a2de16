"""``shenbao pack export`` and ``shenbao pack import [--dry-run]``: the report printed; exit 1 when refused."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from shenbao import cli, store
from shenbao.cases.catalog import sync_pack_versions
from shenbao.packs import ChainRegistry, PackForms
from shenbao.store import versions as stored

FORM = "gansu-yijian-2023"


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A database where the Gansu pack's files are published, as after a platform's first start."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SHENBAO_DATABASE_URL", url)
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(tmp_path))

    async def published() -> None:
        database = await store.open_database(url)
        try:
            await store.migrate(database)
            await sync_pack_versions(
                database, PackForms.from_packs(["gansu"]), ChainRegistry.from_packs(["gansu"])
            )
        finally:
            await database.close()

    asyncio.run(published())
    return url


def _current(url: str) -> int | None:
    async def read() -> int | None:
        database = await store.open_database(url)
        try:
            return await stored.current_version(database, FORM)
        finally:
            await database.close()

    return asyncio.run(read())


def _edit(path: Path, **changes: object) -> None:
    path.write_text(
        json.dumps({**json.loads(path.read_text("utf-8")), **changes}, ensure_ascii=False), "utf-8"
    )


def test_export_then_import_a_new_version_and_a_refused_one(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert cli.main(["pack", "export", "gansu", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"表单 {FORM}：第1版" in printed and "审批流程 gansu-zizhu-2021：第2版" in printed
    form_file = out / "gansu" / "forms" / f"{FORM}.json"
    assert json.loads(form_file.read_text("utf-8"))["version"] == 1

    assert cli.main(["pack", "import", str(out)]) == 0
    assert "没有要导入的改动" in capsys.readouterr().out

    _edit(form_file, version=2, title="一键报贫（第二版）")
    assert cli.main(["pack", "import", str(out), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert f"[新版本] gansu/forms/{FORM}.json 表单 {FORM} 第2版：将发布为第2版（现在用的是第1版）" in printed
    assert "这次只检查，没有导入" in printed
    assert _current(database_url) == 1

    assert cli.main(["pack", "import", str(out / "gansu")]) == 0
    assert "已导入：1项" in capsys.readouterr().out
    assert _current(database_url) == 2

    _edit(form_file, title="又改了标题，版本号没改")
    assert cli.main(["pack", "import", str(out)]) == 1
    printed = capsys.readouterr().out
    assert f"[不能导入] gansu/forms/{FORM}.json" in printed and '"version" 改成 3' in printed
    assert "什么都没有导入" in printed


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param(
            ["pack", "export", "qinghai", "out"], "没有在这个平台上使用", id="export-a-pack-not-run"
        ),
        pytest.param(["pack", "import", "no-such-folder"], "没有找到文件夹", id="import-a-missing-folder"),
    ],
)
def test_a_wrong_pack_or_folder_is_named(
    database_url: str, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err
