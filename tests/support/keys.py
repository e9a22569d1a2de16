"""The keys every test opens its database and app with (random per run: no test depends on a ciphertext)."""

from __future__ import annotations

from shenbao.privacy.keyring import Keyring, new_key_entry

__all__ = ["TEST_DATA_KEY", "TEST_KEYS", "TEST_LOOKUP_KEY"]

TEST_DATA_KEY = new_key_entry("test1")
TEST_LOOKUP_KEY = new_key_entry("test1")
TEST_KEYS = Keyring.parse(TEST_DATA_KEY, TEST_LOOKUP_KEY)
