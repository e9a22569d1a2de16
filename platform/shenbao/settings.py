"""Settings: one typed object, read from the environment once."""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

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
    ``SHENBAO_REMIND_MINUTES``
        how often the deadline reminders and escalations run, in minutes (default 10; ``0`` turns them off,
        e.g. when cron runs ``shenbao remind`` instead). Settings built in code leave them off.
    """

    database_url: str
    data_dir: Path
    secret_key: str
    debug: bool = False
    packs: tuple[str, ...] = ("gansu",)
    form_defs: Path | None = None
    sms_gateway: str = "database"
    otp_per_address_per_hour: int = 60
    remind_minutes: float = 0
    """Minutes between the deadline job's passes; 0: the application does not run it."""
    demo: bool = False
    """``shenbao demo`` turns it on: demo-only pages (the messages "sent") are mounted."""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
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
            remind_minutes=float(env.get("SHENBAO_REMIND_MINUTES", "10")),
        )
