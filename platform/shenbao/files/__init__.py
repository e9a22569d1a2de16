"""Uploaded files: checked images kept once by content hash, decoded within a memory bound, swept when orphaned.

- :mod:`shenbao.files.store`: the file store (a local folder by content hash), references, signed thumbnails;
- :mod:`shenbao.files.decoding`: opening an upload without letting a small file take a process's memory;
- :mod:`shenbao.files.sweep`: deleting the pictures no draft, application or household check refers to.
"""

from shenbao.files.store import (
    IMAGE_TYPES,
    THUMBNAIL_WIDTHS,
    FileRef,
    FileStore,
    FileStoreUnavailableError,
    ImageRejected,
    UploadGate,
    clean_kept_image,
    decode_data_url,
    encode_jpeg,
    encode_png,
    kept_image,
    kept_image_context,
    megabytes,
    open_image,
    parse_ref,
)

__all__ = [
    "IMAGE_TYPES",
    "THUMBNAIL_WIDTHS",
    "FileRef",
    "FileStore",
    "FileStoreUnavailableError",
    "ImageRejected",
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
