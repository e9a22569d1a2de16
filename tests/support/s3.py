"""A real S3 API on this machine for the file store's tests: moto's server on a free loopback port.

``s3_endpoint`` (session-scoped, in ``tests/conftest.py``) starts :class:`moto.server.ThreadedMotoServer` once;
:func:`fresh_bucket` makes an empty bucket for one test, so tests never see each other's pictures. The server
runs in a thread of the test process: ``time_machine`` moves its clock too (an object's ``LastModified``), which
is how a test makes a picture old.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import httpx
import time_machine

from shenbao.files import FileStore
from shenbao.files.local import LocalFiles
from shenbao.files.seam import HASHED
from shenbao.settings import S3Files

__all__ = ["BACKENDS", "closed_port_bucket", "fresh_bucket", "s3_env", "stored_names", "write_at"]

BACKENDS = ("local", "s3")
"""The file stores tests run on."""


def fresh_bucket(endpoint: str, *, prefix: str = "") -> S3Files:
    """A new empty bucket on the test server, as the settings would name it."""
    bucket = f"shenbao-test-{secrets.token_hex(6)}"
    httpx.put(f"{endpoint}/{bucket}").raise_for_status()
    return S3Files(
        bucket=bucket,
        endpoint=endpoint,
        region="us-east-1",
        access_key_id="test-key-id",
        secret_access_key="test-secret-key",
        prefix=prefix,
    )


def closed_port_bucket() -> S3Files:
    """A bucket on a loopback port nothing listens on: the object store unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return S3Files(
        bucket="nowhere",
        endpoint=f"http://127.0.0.1:{port}",
        region="us-east-1",
        access_key_id="test-key-id",
        secret_access_key="test-secret-key",
    )


def s3_env(bucket: S3Files) -> Mapping[str, str]:
    """The environment that chooses ``bucket`` (``SHENBAO_FILE_STORE=s3`` and its variables)."""
    return {
        "SHENBAO_FILE_STORE": "s3",
        "SHENBAO_S3_BUCKET": bucket.bucket,
        "SHENBAO_S3_ENDPOINT": bucket.endpoint,
        "SHENBAO_S3_REGION": bucket.region,
        "SHENBAO_S3_ACCESS_KEY_ID": bucket.access_key_id,
        "SHENBAO_S3_SECRET_ACCESS_KEY": bucket.secret_access_key,
        "SHENBAO_S3_PREFIX": bucket.prefix,
    }


async def write_at(files: FileStore, name: str, content: bytes, at: datetime) -> None:
    """Store ``content`` as ``name`` as if written (and last touched) at ``at``, on either backend."""
    backend = files.backend
    if isinstance(backend, LocalFiles):
        await backend.write(name, content)
        os.utime(backend.path_of(name), (at.timestamp(), at.timestamp()))
        return
    with time_machine.travel(at):
        await backend.write(name, content)


async def stored_names(files: FileStore, *, pictures_only: bool = False) -> list[str]:
    """The names of what ``files`` keeps (``pictures_only``: no thumbnails, marks or leftovers)."""
    names = sorted(stored.name for stored in await files.backend.listing())
    return [name for name in names if _picture(name)] if pictures_only else names


def _picture(name: str) -> bool:
    file = Path(name).name
    return HASHED.match(file) is not None and file.count(".") == 1 and not file.endswith(".touched")
