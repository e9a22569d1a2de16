"""A pack folder as one zip file (the admin page's download and upload), with the standard library's ``zipfile``.

An uploaded zip is unpacked only after every entry is checked: no absolute path or ``..`` (nothing lands outside the
folder), at most :data:`MAX_ENTRIES` files and :data:`MAX_UNPACKED_BYTES` in all, counted as read rather than as the
zip claims (a small zip that unpacks to gigabytes is refused part-way). The folders macOS and Windows add
(``__MACOSX/``, ``.DS_Store``, ``Thumbs.db``) are skipped.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path, PurePosixPath

__all__ = [
    "MAX_ARCHIVE_BYTES",
    "MAX_ENTRIES",
    "MAX_UNPACKED_BYTES",
    "ArchiveError",
    "unzip_into",
    "zip_folder",
]

MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
"""The largest zip an admin may upload (a province's pack with its 20,000 divisions is about 0.2 MB)."""
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""The most an upload may unpack to."""
MAX_ENTRIES = 2000
"""The most files an upload may hold."""

_SKIPPED = ("__MACOSX/",)
_SKIPPED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_CHUNK = 64 * 1024


class ArchiveError(ValueError):
    """The upload is not a zip, or one this page will not unpack; the message says so in Chinese."""


def zip_folder(folder: Path) -> bytes:
    """Every file below ``folder``, by its path from ``folder`` (``<pack>/forms/...``), compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(each for each in folder.rglob("*") if each.is_file()):
            archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def _safe_name(name: str) -> PurePosixPath | None:
    """The entry's path inside the folder; ``None`` for an entry to skip.

    Raises:
        ArchiveError: the entry would land outside the folder.
    """
    if name.endswith("/") or name.startswith(_SKIPPED):
        return None
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or ".." in path.parts or (path.parts and ":" in path.parts[0]):
        raise ArchiveError(f"压缩包里的“{name}”指向压缩包以外的位置：请上传“下载整个配置包”得到的压缩包")
    if path.name in _SKIPPED_NAMES:
        return None
    return path


def unzip_into(data: bytes, folder: Path) -> int:
    """Unpack the zip ``data`` into ``folder`` (which exists); how many files.

    Raises:
        ArchiveError: not a zip, too large, too many files, or an entry outside the folder.
    """
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"文件太大：有{len(data) / 1024 / 1024:.1f} MB，最多可以上传{MAX_ARCHIVE_BYTES // 1024 // 1024} MB"
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ArchiveError("上传的文件不是 zip 压缩包：请上传“下载整个配置包”得到的 .zip 文件") from None
    written = total = 0
    with archive:
        entries = [(info, _safe_name(info.filename)) for info in archive.infolist()]
        if len(entries) > MAX_ENTRIES:
            raise ArchiveError(f"压缩包里有{len(entries)}个文件，最多{MAX_ENTRIES}个：请只放配置包的文件")
        for info, path in entries:
            if path is None:
                continue
            target = folder.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with archive.open(info) as source, target.open("wb") as sink:
                    while chunk := source.read(_CHUNK):
                        total += len(chunk)
                        if total > MAX_UNPACKED_BYTES:
                            raise ArchiveError(
                                f"压缩包解开后超过{MAX_UNPACKED_BYTES // 1024 // 1024} MB：请只放配置包的文件"
                            )
                        sink.write(chunk)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as error:
                raise ArchiveError(
                    f"压缩包里的“{info.filename}”解不开（{error}）：请重新压缩（不要加密码）后再上传"
                ) from None
            written += 1
    return written
