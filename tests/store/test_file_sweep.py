"""The orphan sweep, on both engines and both file stores (a folder, an S3 bucket): old unreferenced pictures go,
referenced and young ones stay."""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shenbao import store
from shenbao.files import FileRef, FileStore
from shenbao.files.local import LocalFiles
from shenbao.files.seam import original_name, thumbnail_name
from shenbao.files.sweep import GRACE, referenced_files, sweep_files
from shenbao.housekeeping import HousekeepingJob
from shenbao.settings import S3Files
from shenbao.store import Database
from shenbao.store.limits import take_try
from tests.support.personal import ANSWERS_2021, ZIZHU_FIELDS, submit
from tests.support.s3 import s3_env, stored_names, write_at

pytestmark = pytest.mark.anyio

NOW = datetime.now(UTC)
OLD = NOW - GRACE - timedelta(hours=1)


@pytest.fixture
def files(file_place: Path | S3Files) -> FileStore:
    return FileStore(file_place, secret="test-secret")


async def _kept(files: FileStore, name: str, *, at: datetime = OLD, thumbnail: bool = True) -> FileRef:
    """A stored JPEG (and its 480-px thumbnail) last touched at ``at``."""
    content = hashlib.sha256(name.encode()).digest() * 40
    ref = FileRef(file=hashlib.sha256(content).hexdigest(), type="image/jpeg")
    await write_at(files, original_name(ref), content, at)
    if thumbnail:
        await write_at(files, thumbnail_name(ref, 480), b"thumbnail", at)
    return ref


async def _there(files: FileStore, ref: FileRef) -> bool:
    return await files.size(ref) is not None


async def _set_aside(files: FileStore, ref: FileRef, mark: str, *, at: datetime = OLD) -> None:
    """What a sweep that stopped mid-way leaves: the picture under ``<name>.<mark>.sweep``, and no picture."""
    name = original_name(ref)
    await write_at(files, f"{name}.{mark}.sweep", await files.read(ref), at)
    await files.backend.delete(name)


async def test_an_old_orphan_goes_with_its_thumbnails_young_and_referenced_ones_stay(
    db: Database, files: FileStore
) -> None:
    orphan, young = await _kept(files, "orphan"), await _kept(files, "young", at=NOW - timedelta(minutes=1))
    in_draft, in_check_draft = await _kept(files, "draft"), await _kept(files, "check draft")
    in_application, in_check = await _kept(files, "application"), await _kept(files, "check record")
    await store.save_draft(
        db, "token-1", "gansu-zizhu-2021", 1, {"q46": in_draft.as_value()}, "pledge", personal=ZIZHU_FIELDS
    )
    signers = [{"name": "张三", "role": "applicant", **in_check_draft.as_value()}]
    await store.save_draft(
        db, "check-1", "household-check", 1, {"authorisation": signers}, "verify", personal=ZIZHU_FIELDS
    )
    record = await submit(db, answers={**ANSWERS_2021, "materials": [in_application.as_value()]})
    history = {"step": "township", "history": [{"action": {"answers": {"house_photo": in_check.as_value()}}}]}
    await store.set_workflow_state(db, record.id, state=history, deadline=None, green=False)

    report = await sweep_files(db, files, now=NOW)

    assert (report.deleted, report.referenced) == (1, 4)
    assert not await _there(files, orphan) and not [n for n in await stored_names(files) if orphan.file in n]
    for ref in (young, in_draft, in_check_draft, in_application, in_check):
        assert await _there(files, ref)
    assert (await sweep_files(db, files, now=NOW)).deleted == 0  # twice is harmless


async def test_references_are_found_in_one_look_at_every_table(db: Database, files: FileStore) -> None:
    ref = await _kept(files, "nested")
    deep = {"q45": [{"name": "张三", "file": ref.file, "type": "image/png"}], "file": "not-a-hash"}
    await store.save_draft(db, "token-2", "gansu-zizhu-2021", 1, deep, "pledge", personal=ZIZHU_FIELDS)
    assert await referenced_files(db, [ref.file, "0" * 64]) == {ref.file}


async def test_a_picture_claimed_again_is_young_and_stays(db: Database, files: FileStore) -> None:
    """Storing the same picture again, or checking a reference to it, refreshes its time."""
    again, checked = await _kept(files, "uploaded again"), await _kept(files, "checked")
    await files.put(await files.read(again), "image/jpeg")
    assert await files.receive_image(
        checked.as_value(), max_bytes=10**6, media_type="image/jpeg", prepare=bytes
    )
    assert (await sweep_files(db, files, now=NOW)).deleted == 0
    assert await _there(files, again) and await _there(files, checked)


async def test_a_picture_left_aside_by_an_interrupted_sweep_comes_back_when_referenced(
    db: Database, files: FileStore
) -> None:
    ref = await _kept(files, "aside", thumbnail=False)
    await _set_aside(files, ref, "0a1b2c3d")
    assert not await _there(files, ref)
    await store.save_draft(
        db, "token-3", "gansu-zizhu-2021", 1, {"q46": ref.as_value()}, "pledge", personal=ZIZHU_FIELDS
    )
    report = await sweep_files(db, files, now=NOW)
    assert report.restored == 1 and await _there(files, ref)


async def test_the_housekeeping_pass_sweeps_and_forgets_old_limits(db: Database, files: FileStore) -> None:
    orphan = await _kept(files, "orphan")
    await take_try(
        db, "upload.address:1.2.3.4", limit=5, window=timedelta(hours=1), now=NOW - timedelta(days=2)
    )
    await take_try(db, "upload.address:5.6.7.8", limit=5, window=timedelta(hours=1), now=NOW)
    report = await HousekeepingJob(db, files).run_once(NOW)
    assert report.files.deleted == 1 and report.limits_forgotten == 1 and not await _there(files, orphan)


def test_the_command_sweeps_the_settings_store(
    tmp_path: Path,
    file_place: Path | S3Files,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from shenbao import cli

    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'shenbao.db'}")
    monkeypatch.setenv("SHENBAO_DATA_DIR", str(tmp_path))
    for name, value in s3_env(file_place).items() if isinstance(file_place, S3Files) else ():
        monkeypatch.setenv(name, value)
    files = FileStore(file_place, secret="test-secret")
    orphan = asyncio.run(_kept(files, "old"))
    assert cli.main(["sweep-files", "--grace-hours", "0.5"]) == 2
    assert cli.main(["sweep-files"]) == 0
    assert "1 unreferenced picture(s) older than 24 h deleted" in capsys.readouterr().out
    assert not asyncio.run(_there(files, orphan))


def test_the_command_says_when_the_bucket_does_not_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from shenbao import cli
    from tests.support.s3 import closed_port_bucket

    monkeypatch.setenv("SHENBAO_DATABASE_URL", f"sqlite:///{tmp_path / 'shenbao.db'}")
    for name, value in s3_env(closed_port_bucket()).items():
        monkeypatch.setenv(name, value)
    assert cli.main(["sweep-files"]) == 1
    assert "the file store does not answer" in capsys.readouterr().err


async def test_two_processes_sweeping_at_once_delete_each_orphan_once_and_keep_the_rest(
    db: Database, database_url: str, tmp_path: Path, file_place: Path | S3Files, files: FileStore
) -> None:
    """Nothing is claimed: two sweeps of one store and database (two servers' housekeeping, or cron beside one)."""
    orphans = [await _kept(files, f"orphan {number}") for number in range(30)]
    kept = await _kept(files, "draft")
    await store.save_draft(
        db, "token-1", "gansu-zizhu-2021", 1, {"q46": kept.as_value()}, "pledge", personal=ZIZHU_FIELDS
    )
    env = {**os.environ, "SHENBAO_DATABASE_URL": database_url, "SHENBAO_DATA_DIR": str(tmp_path)}
    if isinstance(file_place, S3Files):
        env.update(s3_env(file_place))
    command = [sys.executable, "-m", "shenbao", "sweep-files"]
    sweeps = [
        await asyncio.create_subprocess_exec(*command, env=env, stdout=asyncio.subprocess.PIPE)
        for _ in range(2)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(sweep.communicate() for sweep in sweeps)), 120)
    assert [sweep.returncode for sweep in sweeps] == [0, 0], outputs
    deleted = [int(re.search(rb"(\d+) unreferenced", out).group(1)) for out, _ in outputs]  # type: ignore[union-attr]
    if isinstance(files.backend, LocalFiles):
        assert sum(deleted) == 30  # each orphan deleted by one of them
    else:  # two sweeps that copied the same picture aside before either deleted it both count it
        assert 30 <= sum(deleted) <= 60
    assert not any([await _there(files, orphan) for orphan in orphans]) and await _there(files, kept)


async def test_a_file_another_sweep_is_setting_aside_is_left_to_it(db: Database, files: FileStore) -> None:
    """A fresh ``.sweep`` file belongs to a sweep mid-way (it may still put it back); an old one was abandoned."""
    live, abandoned = (
        await _kept(files, "live", thumbnail=False),
        await _kept(files, "abandoned", thumbnail=False),
    )
    set_aside = int(
        time.time()
    )  # a sweep marks what it sets aside with the wall clock, not the ``now`` it is given
    marks = {live: set_aside, abandoned: set_aside - 3600}
    for ref, mark in marks.items():
        await _set_aside(files, ref, f"{mark}-0a1b2c3d")
    report = await sweep_files(db, files, now=NOW)
    assert report.deleted == 1
    left_aside = [name for name in await stored_names(files) if name.endswith(".sweep")]
    assert [name.rpartition("/")[2].split(".")[0] for name in left_aside] == [live.file]
