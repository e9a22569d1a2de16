"""The keys that protect identity numbers and phones at rest: sealing (AES-256-GCM) and look-up digests (HMAC-SHA256).

Two kinds of key, from two environment variables, each a comma-separated list of ``id:base64`` entries (32 random
bytes each; ``shenbao keys new`` prints fresh ones). The first entry is the current key; the others are retired
keys, kept so that what they protected can still be read:

``SHENBAO_DATA_KEY``
    seals values: ``v1:<key id>:<base64url of the 12-byte nonce, the ciphertext and the 16-byte tag>``. The
    header ``v1:<key id>`` is authenticated with the value (AES-GCM's associated data).
``SHENBAO_LOOKUP_KEY``
    makes keyed digests for look-ups: ``<key id>:<hex HMAC-SHA256 of "purpose" NUL value>``. Equal values give
    equal digests, so a column of digests can be indexed and searched without holding the values.

Rotating a key: put a new entry first (``SHENBAO_DATA_KEY=k2:NEW,k1:OLD``), restart, run
``shenbao encrypt-existing`` (it re-seals every value under the current key and recomputes the digests), then
drop the old entry. A value sealed under a key the list no longer has cannot be read: never drop a key before
that command has finished.

A random 96-bit nonce is drawn per value: keep one data key for fewer than 2³² sealings (NIST SP 800-38D), i.e.
rotate yearly at the scale of a province.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "DATA_KEY_VARIABLE",
    "LOOKUP_KEY_VARIABLE",
    "MISSING_KEYS",
    "SECRET_KEY_VARIABLE",
    "Keyring",
    "KeyringError",
    "KeysMissingError",
    "SealedValueError",
    "is_sealed_text",
    "key_file_lines",
    "load_or_create_key_file",
    "new_key_entry",
    "new_secret",
    "secret_from_key_file",
]

DATA_KEY_VARIABLE = "SHENBAO_DATA_KEY"
LOOKUP_KEY_VARIABLE = "SHENBAO_LOOKUP_KEY"
SECRET_KEY_VARIABLE = "SHENBAO_SECRET_KEY"
MISSING_KEYS = (
    f"ID numbers and phones are encrypted at rest, and no keys are set: set {DATA_KEY_VARIABLE} and "
    f"{LOOKUP_KEY_VARIABLE} (each 'id:base64 of 32 random bytes'; `shenbao keys new` prints a pair), "
    "or run `shenbao demo`, which keeps demo keys in a file beside its database"
)
"""What to do when keys are needed and missing: the message names both variables."""

FORMAT = "v1"
"""The version of the sealed format; a later format gets a new prefix and this one still opens."""
KEY_BYTES = 32
_NONCE_BYTES = 12
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class KeyringError(ValueError):
    """The keys in the environment are malformed; the message names the variable and what is wrong."""


class KeysMissingError(RuntimeError):
    """Personal data had to be sealed or opened, and no keys were given."""

    def __init__(self, message: str = MISSING_KEYS) -> None:
        super().__init__(message)


class SealedValueError(ValueError):
    """A sealed value cannot be opened: its key is not in the keyring, or it was altered."""


def is_sealed_text(text: str) -> bool:
    """Whether ``text`` is a sealed value (``v1:<key id>:...``) rather than a value stored in clear."""
    return text.startswith(f"{FORMAT}:") and text.count(":") == 2


def new_key_entry(key_id: str | None = None) -> str:
    """A fresh ``id:base64`` entry of 32 random bytes, for either variable.

    Args:
        key_id: the key's id; by default ``k`` and today's date (UTC), e.g. ``k20261128``.

    Returns:
        The entry, e.g. ``k20261128:3q2+7w...=``.
    """
    key_id = key_id or "k" + datetime.now(UTC).strftime("%Y%m%d")
    if not _KEY_ID.fullmatch(key_id):
        raise KeyringError(f"a key id has 1 to 32 letters, digits, '-' or '_', not {key_id!r}")
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode('ascii')}"


def _parse(variable: str, text: str) -> list[tuple[str, bytes]]:
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        raise KeyringError(f"{variable} is empty: give 'id:base64' entries, the current key first")
    keys: list[tuple[str, bytes]] = []
    for position, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        if not colon or not _KEY_ID.fullmatch(key_id):
            raise KeyringError(
                f"{variable}, entry {position}: write 'id:base64' with an id of letters, digits, '-' or '_' "
                "(e.g. k1:...)"
            )
        try:
            standard = encoded.replace("-", "+").replace("_", "/").rstrip("=")
            secret = base64.b64decode(standard + "=" * (-len(standard) % 4), validate=True)
        except (binascii.Error, ValueError):
            raise KeyringError(f"{variable}, key {key_id}: the part after ':' is not base64") from None
        if len(secret) != KEY_BYTES:
            raise KeyringError(
                f"{variable}, key {key_id}: a key is {KEY_BYTES} random bytes, this one is {len(secret)} "
                "(`shenbao keys new` prints a fresh one)"
            )
        if any(key_id == known for known, _ in keys):
            raise KeyringError(f"{variable}: key id {key_id} is listed twice; give each key its own id")
        keys.append((key_id, secret))
    return keys


class Keyring:
    """The data keys and look-up keys, the current one of each first.

    Args:
        data_keys: ``(id, 32 bytes)`` pairs that seal and open values; the first seals.
        lookup_keys: ``(id, 32 bytes)`` pairs for look-up digests; the first makes new digests.

    Raises:
        KeyringError: a list is empty, a key is not 32 bytes, or an id is malformed or repeated.
    """

    __slots__ = ("_ciphers", "_lookup", "data_key_id", "lookup_key_id")

    def __init__(
        self, data_keys: Sequence[tuple[str, bytes]], lookup_keys: Sequence[tuple[str, bytes]]
    ) -> None:
        for variable, keys in ((DATA_KEY_VARIABLE, data_keys), (LOOKUP_KEY_VARIABLE, lookup_keys)):
            if not keys:
                raise KeyringError(f"{variable} has no key")
            ids = [key_id for key_id, _ in keys]
            if len(set(ids)) != len(ids) or not all(_KEY_ID.fullmatch(key_id) for key_id in ids):
                raise KeyringError(f"{variable}: key ids must be distinct letters, digits, '-' or '_'")
            if any(len(secret) != KEY_BYTES for _, secret in keys):
                raise KeyringError(f"{variable}: every key is {KEY_BYTES} bytes")
        self._ciphers = {key_id: AESGCM(secret) for key_id, secret in data_keys}
        self._lookup = tuple(lookup_keys)
        self.data_key_id = data_keys[0][0]
        """The id of the key that seals new values."""
        self.lookup_key_id = lookup_keys[0][0]
        """The id of the key that makes new look-up digests."""

    def __repr__(self) -> str:
        return (
            f"<Keyring data {self.data_key_id} (+{len(self._ciphers) - 1} retired), "
            f"lookup {self.lookup_key_id} (+{len(self._lookup) - 1} retired)>"
        )

    def __copy__(self) -> Keyring:
        return self  # immutable: copies (Litestar deep-copies what its handlers hold) share the keys

    def __deepcopy__(self, memo: dict[int, object]) -> Keyring:
        return self

    @classmethod
    def parse(cls, data: str, lookup: str) -> Keyring:
        """Read the two variables' text (``k2:base64,k1:base64``).

        Raises:
            KeyringError: an entry is malformed; the message names the variable and the entry.
        """
        return cls(_parse(DATA_KEY_VARIABLE, data), _parse(LOOKUP_KEY_VARIABLE, lookup))

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Keyring | None:
        """The keys ``SHENBAO_DATA_KEY`` and ``SHENBAO_LOOKUP_KEY`` hold, or ``None`` when neither is set.

        Raises:
            KeyringError: only one of them is set, or one is malformed.
        """
        data, lookup = environ.get(DATA_KEY_VARIABLE, ""), environ.get(LOOKUP_KEY_VARIABLE, "")
        if not data and not lookup:
            return None
        if not data or not lookup:
            given, missing = (
                (DATA_KEY_VARIABLE, LOOKUP_KEY_VARIABLE) if data else (LOOKUP_KEY_VARIABLE, DATA_KEY_VARIABLE)
            )
            raise KeyringError(f"{given} is set but {missing} is not: set both (two different keys)")
        return cls.parse(data, lookup)

    @classmethod
    def generate(cls, key_id: str = "k1") -> Keyring:
        """A keyring of fresh random keys (tests, throw-away databases)."""
        return cls([(key_id, os.urandom(KEY_BYTES))], [(key_id, os.urandom(KEY_BYTES))])

    def seal(self, plaintext: bytes) -> str:
        """Encrypt ``plaintext`` under the current data key: ``v1:<key id>:<base64url>``."""
        header = f"{FORMAT}:{self.data_key_id}"
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._ciphers[self.data_key_id].encrypt(nonce, plaintext, header.encode("ascii"))
        return f"{header}:{base64.urlsafe_b64encode(nonce + sealed).rstrip(b'=').decode('ascii')}"

    def open(self, token: str) -> bytes:
        """Decrypt a value :meth:`seal` made, under whichever listed key sealed it.

        Raises:
            SealedValueError: not a sealed value, its key id is not listed, or it was altered.
        """
        version, _, rest = token.partition(":")
        key_id, _, payload = rest.partition(":")
        if version != FORMAT or not payload:
            raise SealedValueError(f"not a sealed value of format {FORMAT}")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise SealedValueError(
                f"a value is sealed with data key {key_id!r}, which {DATA_KEY_VARIABLE} does not list: add that "
                "key back after the current one (retired keys stay until `shenbao encrypt-existing` has run)"
            )
        try:
            raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
            return cipher.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], f"{version}:{key_id}".encode("ascii")
            )
        except (InvalidTag, binascii.Error, ValueError):
            raise SealedValueError(
                f"a value sealed with data key {key_id!r} was altered or is cut short"
            ) from None

    def sealed_with_current(self, token: str) -> bool:
        """Whether ``token`` was sealed under the current data key (no re-sealing needed)."""
        return token.startswith(f"{FORMAT}:{self.data_key_id}:")

    def digest(self, purpose: str, value: str) -> str:
        """The look-up digest of ``value`` under the current look-up key: ``<key id>:<64 hex digits>``.

        Args:
            purpose: what the value is (``"phone"``, ``"id_number"``), so equal text of two kinds never matches.
            value: the value, normalised by the caller (the same text must always give the same digest).
        """
        key_id, secret = self._lookup[0]
        return self._digest(key_id, secret, purpose, value)

    def digests(self, purpose: str, value: str) -> list[str]:
        """The digests of ``value`` under every listed look-up key, current first: search with all of them."""
        return [self._digest(key_id, secret, purpose, value) for key_id, secret in self._lookup]

    def digest_is_current(self, digest: str) -> bool:
        """Whether ``digest`` was made with the current look-up key."""
        return digest.startswith(f"{self.lookup_key_id}:")

    @staticmethod
    def _digest(key_id: str, secret: bytes, purpose: str, value: str) -> str:
        message = f"{purpose}\0{value}".encode()
        return f"{key_id}:{hmac.new(secret, message, hashlib.sha256).hexdigest()}"


def key_file_lines(key_id: str | None = None) -> str:
    """Two fresh keys and a secret as environment assignments (``SHENBAO_DATA_KEY=...``,
    ``SHENBAO_LOOKUP_KEY=...`` and ``SHENBAO_SECRET_KEY=...``)."""
    return (
        f"{DATA_KEY_VARIABLE}={new_key_entry(key_id)}\n{LOOKUP_KEY_VARIABLE}={new_key_entry(key_id)}\n"
        f"{SECRET_KEY_VARIABLE}={new_secret()}\n"
    )


def new_secret() -> str:
    """A fresh ``SHENBAO_SECRET_KEY``: 32 random bytes, URL-safe base64 (43 characters)."""
    return secrets.token_urlsafe(32)


def secret_from_key_file(path: Path) -> str:
    """The ``SHENBAO_SECRET_KEY`` of the demo's key file, added to it first when it has none (a file made
    before the secret was kept there; the file is made when missing).

    Raises:
        OSError: the file cannot be read or written.
    """
    if not path.exists():
        load_or_create_key_file(path)
    for name, value in _assignments(path).items():
        if name == SECRET_KEY_VARIABLE and value:
            return value
    secret = new_secret()
    with path.open("a", encoding="ascii") as file:
        file.write(f"{SECRET_KEY_VARIABLE}={secret}\n")
    return secret


def _assignments(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="ascii").splitlines():
        name, equals, value = line.partition("=")
        if equals and not name.lstrip().startswith("#"):
            values[name.strip()] = value.strip()
    return values


def load_or_create_key_file(path: Path) -> tuple[Keyring, bool]:
    """The keys in ``path`` (``NAME=value`` lines), made and written there (readable by the owner only) when
    the file does not exist yet: what ``shenbao demo`` keeps beside its database.

    Returns:
        The keys, and whether the file was created now.

    Raises:
        KeyringError: the file exists but does not hold both keys, well formed.
        OSError: the file cannot be read or written.
    """
    created = False
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w", encoding="ascii") as file:
                file.write(
                    "# shenbao demo keys: they encrypt the ID numbers and phones of the database beside this file.\n"
                    "# Without this file that data cannot be read. Not for production: there, set the variables\n"
                    "# from a secret store (`shenbao keys new` prints a pair).\n" + key_file_lines()
                )
            created = True
    values = _assignments(path)
    try:
        keys = Keyring.from_env(values)
    except KeyringError as error:
        raise KeyringError(f"{path}: {error}") from None
    if keys is None:
        raise KeyringError(f"{path} holds neither {DATA_KEY_VARIABLE} nor {LOOKUP_KEY_VARIABLE}")
    return keys, created
