"""The keys: sealing with a key id, rotation, look-up digests, the environment variables and the demo's key file."""

from __future__ import annotations

import base64
import copy
import re
import stat
from pathlib import Path

import pytest

from shenbao.privacy.keyring import (
    DATA_KEY_VARIABLE,
    LOOKUP_KEY_VARIABLE,
    Keyring,
    KeyringError,
    SealedValueError,
    is_sealed_text,
    load_or_create_key_file,
    new_key_entry,
)

KEY_A = "k1:" + base64.b64encode(b"a" * 32).decode()
KEY_B = "k2:" + base64.b64encode(b"b" * 32).decode()
LOOKUP_A = "l1:" + base64.b64encode(b"c" * 32).decode()
LOOKUP_B = "l2:" + base64.b64encode(b"d" * 32).decode()


def test_a_sealed_value_names_its_format_and_key_and_opens_back() -> None:
    keys = Keyring.parse(KEY_A, LOOKUP_A)
    sealed = keys.seal(b"620102198001011234")
    assert re.fullmatch(r"v1:k1:[A-Za-z0-9_-]+", sealed)
    assert "620102198001011234" not in sealed and is_sealed_text(sealed)
    assert keys.open(sealed) == b"620102198001011234"
    assert keys.seal(b"same") != keys.seal(b"same")  # a fresh nonce each time


def test_an_altered_value_or_header_is_refused() -> None:
    keys = Keyring.parse(KEY_A, LOOKUP_A)
    sealed = keys.seal(b"13800138000")
    body = sealed.removeprefix("v1:k1:")
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(SealedValueError, match="altered"):
        keys.open("v1:k1:" + flipped)
    with pytest.raises(SealedValueError, match="not a sealed value"):
        keys.open("13800138000")


def test_a_retired_key_still_opens_and_the_current_one_seals() -> None:
    old = Keyring.parse(KEY_A, LOOKUP_A)
    rotated = Keyring.parse(f"{KEY_B},{KEY_A}", f"{LOOKUP_B},{LOOKUP_A}")
    sealed_before = old.seal(b"13800138000")
    assert rotated.open(sealed_before) == b"13800138000"
    assert not rotated.sealed_with_current(sealed_before)
    assert rotated.seal(b"x").startswith("v1:k2:") and rotated.sealed_with_current(rotated.seal(b"x"))
    dropped = Keyring.parse(KEY_B, LOOKUP_B)
    with pytest.raises(SealedValueError, match=rf"'k1'.*{DATA_KEY_VARIABLE}"):
        dropped.open(sealed_before)


def test_digests_are_keyed_stable_and_separate_by_purpose() -> None:
    keys = Keyring.parse(KEY_A, LOOKUP_A)
    digest = keys.digest("phone", "13800138000")
    assert re.fullmatch(r"l1:[0-9a-f]{64}", digest)
    assert digest == keys.digest("phone", "13800138000")
    assert digest != keys.digest("id_number", "13800138000")
    assert digest != Keyring.parse(KEY_A, LOOKUP_B).digest("phone", "13800138000").replace("l2:", "l1:")
    rotated = Keyring.parse(KEY_A, f"{LOOKUP_B},{LOOKUP_A}")
    assert rotated.digests("phone", "13800138000")[1] == digest
    assert not rotated.digest_is_current(digest) and keys.digest_is_current(digest)


@pytest.mark.parametrize(
    ("data", "lookup", "message"),
    [
        ("", LOOKUP_A, f"{DATA_KEY_VARIABLE} is empty"),
        ("k1", LOOKUP_A, f"{DATA_KEY_VARIABLE}, entry 1: write 'id:base64'"),
        ("k 1:" + KEY_A[3:], LOOKUP_A, "entry 1"),
        ("k1:" + base64.b64encode(b"short").decode(), LOOKUP_A, "32 random bytes, this one is 5"),
        ("k1:***", LOOKUP_A, "not base64"),
        (f"{KEY_A},{KEY_A}", LOOKUP_A, "k1 is listed twice"),
        (KEY_A, "l1:abc", f"{LOOKUP_KEY_VARIABLE}, key l1"),
    ],
    ids=["empty", "no-id", "bad-id", "short", "not-base64", "twice", "lookup"],
)
def test_malformed_keys_are_refused_naming_the_variable(data: str, lookup: str, message: str) -> None:
    with pytest.raises(KeyringError, match=re.escape(message)):
        Keyring.parse(data, lookup)


def test_the_environment_gives_both_keys_or_neither() -> None:
    assert Keyring.from_env({}) is None
    keys = Keyring.from_env({DATA_KEY_VARIABLE: KEY_A, LOOKUP_KEY_VARIABLE: LOOKUP_A})
    assert keys is not None and keys.data_key_id == "k1" and keys.lookup_key_id == "l1"
    with pytest.raises(KeyringError, match=f"{DATA_KEY_VARIABLE} is set but {LOOKUP_KEY_VARIABLE} is not"):
        Keyring.from_env({DATA_KEY_VARIABLE: KEY_A})


def test_url_safe_base64_without_padding_is_accepted() -> None:
    secret = bytes(range(200, 232))
    entry = "k1:" + base64.urlsafe_b64encode(secret).decode().rstrip("=")
    standard = "k1:" + base64.b64encode(secret).decode()
    sealed = Keyring.parse(entry, LOOKUP_A).seal(b"x")
    assert Keyring.parse(standard, LOOKUP_A).open(sealed) == b"x"


def test_a_new_entry_parses_and_names_no_secret_in_repr() -> None:
    entry = new_key_entry("k7")
    keys = Keyring.parse(entry, new_key_entry("k7"))
    assert keys.data_key_id == "k7"
    assert entry.split(":")[1] not in repr(keys)
    assert copy.deepcopy(keys) is keys  # shared, never duplicated (nor pickled)
    with pytest.raises(KeyringError):
        new_key_entry("bad id")


def test_the_demo_key_file_is_made_once_readable_by_its_owner_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "data" / "shenbao.keys.env"
    keys, created = load_or_create_key_file(path)
    assert created and stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_key_file(path)
    assert not created_again
    assert again.open(keys.seal(b"13800138000")) == b"13800138000"
    assert again.digest("phone", "1") == keys.digest("phone", "1")


def test_a_damaged_key_file_is_refused_with_its_path(tmp_path: Path) -> None:
    path = tmp_path / "shenbao.keys.env"
    path.write_text(f"# keys\n{DATA_KEY_VARIABLE}={KEY_A}\n")
    with pytest.raises(KeyringError, match=rf"{re.escape(str(path))}: {DATA_KEY_VARIABLE} is set but"):
        load_or_create_key_file(path)
