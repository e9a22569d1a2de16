"""The file store's two backends (a folder, an S3 bucket): settings, readiness, faults and the sweep's races."""

from __future__ import annotations

import errno
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shenbao.files import UNAVAILABLE, FileRef, FileStore, FileStoreUnavailableError, local
from shenbao.files.s3 import S3Files as S3Backend
from shenbao.files.seam import original_name
from shenbao.files.sweep import GRACE
from shenbao.settings import S3Files, Settings, SettingsError
from tests.support.s3 import closed_port_bucket, fresh_bucket, s3_env, stored_names, write_at

pytestmark = pytest.mark.anyio

OLD = datetime.now(UTC) - GRACE - timedelta(hours=1)
CUTOFF = (datetime.now(UTC) - GRACE).timestamp()


def _env(**changes: str) -> dict[str, str]:
    return {**s3_env(closed_port_bucket()), **changes}


def test_the_settings_choose_the_bucket_and_keep_its_secret_out_of_logs() -> None:
    settings = Settings.from_env(
        _env(SHENBAO_S3_PREFIX="/shenbao/", SHENBAO_S3_SECRET_ACCESS_KEY="s3cr3t-value")
    )
    assert settings.s3 is not None and settings.s3.prefix == "shenbao/"
    assert "s3cr3t-value" not in repr(settings) and "s3cr3t-value" not in repr(settings.s3)
    assert "s3cr3t-value" not in repr(FileStore.for_settings(settings).backend)
    assert Settings.from_env({}).s3 is None  # the folder by default


@pytest.mark.parametrize(
    "missing",
    [
        "SHENBAO_S3_BUCKET",
        "SHENBAO_S3_ENDPOINT",
        "SHENBAO_S3_REGION",
        "SHENBAO_S3_ACCESS_KEY_ID",
        "SHENBAO_S3_SECRET_ACCESS_KEY",
    ],
)
def test_each_missing_bucket_setting_is_named(missing: str) -> None:
    with pytest.raises(SettingsError, match=f"SHENBAO_FILE_STORE=s3 时必须设置 {missing}"):
        Settings.from_env(_env(**{missing: " "}))


def test_an_unknown_file_store_is_refused() -> None:
    with pytest.raises(SettingsError, match="SHENBAO_FILE_STORE 不能是“nfs”"):
        Settings.from_env({"SHENBAO_FILE_STORE": "nfs"})


async def test_ping_answers_when_the_store_takes_writes(tmp_path: Path, s3_endpoint: str) -> None:
    await FileStore(tmp_path / "new" / "files", "secret").ping()  # made on the way
    await FileStore(fresh_bucket(s3_endpoint), "secret").ping()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the folder should be")
    stores = [
        FileStore(blocked / "files", "secret"),
        FileStore(closed_port_bucket(), "secret"),
        FileStore(S3Files(**{**_fields(fresh_bucket(s3_endpoint)), "bucket": "no-such-bucket"}), "secret"),
    ]
    for files in stores:
        with pytest.raises(FileStoreUnavailableError) as raised:
            await files.ping()
        assert str(raised.value) == UNAVAILABLE and raised.value.detail


def _fields(bucket: S3Files) -> dict[str, object]:
    return {field: getattr(bucket, field) for field in bucket.__struct_fields__}


async def test_an_unreachable_bucket_is_unavailable_for_every_call(tmp_path: Path) -> None:
    files = FileStore(closed_port_bucket(), "secret")
    ref = FileRef(file="ab" * 32, type="image/jpeg")
    for call in (
        lambda: files.put(b"picture", "image/jpeg"),
        lambda: files.read(ref),
        lambda: files.size(ref),
        lambda: files.thumbnail(ref, 160),
        lambda: files.receive_image(ref.as_value(), max_bytes=10, media_type="image/jpeg", prepare=bytes),
    ):
        with pytest.raises(FileStoreUnavailableError):
            await call()


async def test_a_full_disk_is_unavailable_and_leaves_no_part_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = FileStore(tmp_path / "files", "secret")

    def full(source: str, target: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local.os, "replace", full)
    with pytest.raises(FileStoreUnavailableError, match=UNAVAILABLE):
        await files.put(b"picture", "image/jpeg")
    assert [path for path in (tmp_path / "files").rglob("*") if path.is_file()] == []


async def _old_picture(files: FileStore, name: str) -> FileRef:
    content = name.encode() * 100
    ref = FileRef(file=hashlib.sha256(content).hexdigest(), type="image/jpeg")
    await write_at(files, original_name(ref), content, OLD)
    return ref


async def test_a_claim_while_the_sweep_copies_the_picture_aside_puts_it_back(s3_endpoint: str) -> None:
    """The claim comes after the sweep's look at the references and before its delete: the claim succeeds, so
    the picture must survive the sweep (it reads the claim's mark after deleting, and copies the picture back)."""
    files = FileStore(fresh_bucket(s3_endpoint), "secret")
    ref = await _old_picture(files, "claimed mid-sweep")
    backend = files.backend
    assert isinstance(backend, S3Backend)
    copy = backend._copy
    claims: list[int | None] = []

    async def copy_then_claim(source: str, target: str) -> bool:
        copied = await copy(source, target)
        if target.endswith(".sweep"):
            claims.append(await backend.claim(original_name(ref)))
        return copied

    backend._copy = copy_then_claim  # type: ignore[method-assign]
    report = await backend.sweep(CUTOFF, _nothing_referenced)
    assert claims == [len(b"claimed mid-sweep" * 100)]  # the answer was told the picture is there
    assert (report.deleted, report.restored) == (0, 1)
    assert await files.read(ref) == b"claimed mid-sweep" * 100
    assert not [name for name in await stored_names(files) if name.endswith(".sweep")]


async def test_a_claim_after_the_sweep_deleted_the_picture_is_refused(s3_endpoint: str) -> None:
    """After the delete the claim finds nothing (the farmer uploads again); no answer refers to a lost picture."""
    files = FileStore(fresh_bucket(s3_endpoint), "secret")
    ref = await _old_picture(files, "claimed too late")
    backend = files.backend
    assert isinstance(backend, S3Backend)
    delete = backend.delete
    claims: list[int | None] = []

    async def delete_then_claim(name: str) -> None:
        await delete(name)
        if name == original_name(ref) and not claims:
            claims.append(await backend.claim(name))

    backend.delete = delete_then_claim  # type: ignore[method-assign]
    report = await backend.sweep(CUTOFF, _nothing_referenced)
    assert claims == [None]
    assert report.deleted == 1 and await files.size(ref) is None


async def _nothing_referenced(hashes: object) -> set[str]:
    return set()
