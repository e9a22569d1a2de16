"""Settings: one typed object, read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import msgspec

from shenbao.keyring import Keyring

__all__ = ["Settings"]


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the platform reads from its environment.

    ``SHENBAO_DATABASE_URL``
        ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (default: ``shenbao.db`` in the data
        folder), or ``postgresql://user@host:port/db``.
    ``SHENBAO_DATA_DIR``
        where the SQLite file and uploaded files live (default: ``./data``).
    ``SHENBAO_SECRET_KEY``
        signs cookies; a random one is made per process when unset (fine for the demo, not for production).
    ``SHENBAO_DEBUG``
        ``1`` shows tracebacks.
    ``SHENBAO_PACKS``
        comma-separated province packs to publish (default ``gansu``).
    ``SHENBAO_SMS_GATEWAY``
        ``database`` (keep and print each message: the default) or ``console`` (print only).
    ``SHENBAO_OTP_PER_ADDRESS_PER_HOUR``
        how many verification codes one client address may ask for in an hour (default 60).
    ``SHENBAO_FORM_DEFS``
        a folder of packs of one's own, instead of the ``form_defs/`` shipped with the package.
    ``SHENBAO_DATA_KEY``, ``SHENBAO_LOOKUP_KEY``
        the keys that encrypt identity numbers and phones and make their look-up digests: each a
        comma-separated list of ``id:base64`` (32 random bytes), the current key first (:mod:`shenbao.keyring`).
        ``shenbao serve`` refuses to start without them; ``shenbao demo`` keeps its own in a file.
    """

    database_url: str
    data_dir: Path
    secret_key: str
    debug: bool = False
    packs: tuple[str, ...] = ("gansu",)
    form_defs: Path | None = None
    sms_gateway: str = "database"
    otp_per_address_per_hour: int = 60
    demo: bool = False
    """``shenbao demo`` turns it on: demo-only pages (the messages "sent") are mounted."""
    keys: Keyring | None = None
    """Seal identity numbers and phones and digest them for look-ups; ``None`` when the variables are unset."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from ``environ`` (the process's environment by default).

        Raises:
            KeyringError: the key variables are malformed, or only one of them is set.
        """
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("SHENBAO_DATA_DIR", "data")).resolve()
        return cls(
            database_url=env.get("SHENBAO_DATABASE_URL") or f"sqlite:///{data_dir / 'shenbao.db'}",
            data_dir=data_dir,
            secret_key=env.get("SHENBAO_SECRET_KEY") or os.urandom(32).hex(),
            debug=env.get("SHENBAO_DEBUG", "") in {"1", "true", "yes"},
            packs=tuple(filter(None, env.get("SHENBAO_PACKS", "gansu").split(","))),
            form_defs=Path(env["SHENBAO_FORM_DEFS"]).resolve() if env.get("SHENBAO_FORM_DEFS") else None,
            sms_gateway=env.get("SHENBAO_SMS_GATEWAY", "database"),
            otp_per_address_per_hour=int(env.get("SHENBAO_OTP_PER_ADDRESS_PER_HOUR", "60")),
            keys=Keyring.from_env(env),
        )
