"""Uploaded files: checked images kept once by content hash, decoded within a memory bound, swept when orphaned.

- :mod:`shenbao.files.store`: the file store (content hashes, references, signed thumbnails, the upload gate);
- :mod:`shenbao.files.seam`: where its bytes live, chosen by the settings: :mod:`shenbao.files.local` (a
  folder, the default) or :mod:`shenbao.files.s3` (an S3-compatible bucket);
- :mod:`shenbao.files.images`: what an answer keeps of a picture, and re-encoding it;
- :mod:`shenbao.files.decoding`: opening an upload without letting a small file take a process's memory;
- :mod:`shenbao.files.sweep`: deleting the pictures no draft, application or household check refers to.
"""

from shenbao.files.decoding import ImageRejected, megabytes, open_image
from shenbao.files.images import (
    IMAGE_TYPES,
    THUMBNAIL_WIDTHS,
    FileRef,
    clean_kept_image,
    decode_data_url,
    encode_jpeg,
    encode_png,
    kept_image,
    kept_image_context,
    parse_ref,
)
from shenbao.files.seam import UNAVAILABLE, FileBackend, FileStoreUnavailableError, StoredFile, SweepReport
from shenbao.files.store import FileStore, UploadGate

__all__ = [
    "IMAGE_TYPES",
    "THUMBNAIL_WIDTHS",
    "UNAVAILABLE",
    "FileBackend",
    "FileRef",
    "FileStore",
    "FileStoreUnavailableError",
    "ImageRejected",
    "StoredFile",
    "SweepReport",
    "UploadGate",
    "clean_kept_image",
    "decode_data_url",
    "encode_jpeg",
    "encode_png",
    "kept_image",
    "kept_image_context",
    "megabytes",
    "open_image",
    "parse_ref",
]
