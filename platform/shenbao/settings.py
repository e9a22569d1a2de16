"""Settings: one typed object, read from the environment once."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import msgspec

from shenbao.privacy.keyring import Keyring, KeyringError

__all__ = [
    "DEVELOPMENT_GATEWAYS",
    "FILE_STORES",
    "LOG_FORMATS",
    "MIN_SECRET_LENGTH",
    "NO_SECRET_KEY",
    "NO_SMS_GATEWAY",
    "SMS_GATEWAYS",
    "AliyunSms",
    "S3Files",
    "Settings",
    "SettingsError",
    "check_sms_gateway",
    "https_from_env",
    "signing_order",
]

SMS_GATEWAYS = ("database", "console", "aliyun")
"""The values ``SHENBAO_SMS_GATEWAY`` takes."""
DEVELOPMENT_GATEWAYS = ("database", "console")
"""Gateways that send nothing: for the demo and trials, never chosen for a server by default."""
MIN_SECRET_LENGTH = 32
LOG_FORMATS = ("text", "json")
"""The values ``SHENBAO_LOG_FORMAT`` takes."""
NO_SECRET_KEY = (
    "SHENBAO_SECRET_KEY is not set: it signs the farmers' cookies and digests their verification codes, and "
    "every process of one platform needs the same one, kept across restarts. Set it to a random string of at "
    f"least {MIN_SECRET_LENGTH} characters (`shenbao keys new` prints one); to rotate it, put the new one first "
    "and keep the old one after a comma for a day (SHENBAO_SECRET_KEY=NEW,OLD)"
)
NO_SMS_GATEWAY = (
    "SHENBAO_SMS_GATEWAY is not set: set it to aliyun to send text messages (see README, Sending real text "
    "messages), or to database or console for a trial that sends nothing"
)


class SettingsError(ValueError):
    """The environment is missing a setting or has a malformed one; the message names the variable."""


def check_sms_gateway(name: str) -> None:
    """Raise :class:`SettingsError` unless ``name`` is one of :data:`SMS_GATEWAYS`."""
    if not name:
        raise SettingsError(NO_SMS_GATEWAY)
    if name not in SMS_GATEWAYS:
        raise SettingsError(f"SHENBAO_SMS_GATEWAY 不能是“{name}”：请设为 {'、'.join(SMS_GATEWAYS)} 之一")


class AliyunSms(msgspec.Struct, frozen=True, kw_only=True):
    """Aliyun SMS (dysms), for ``SHENBAO_SMS_GATEWAY=aliyun``.

    Aliyun sends only templates approved in its console, each known by a code (``SMS_123456789``) and filled
    with parameters; ``templates`` maps the chains' SMS template names (and ``otp``) to those codes.
    """

    access_key_id: str
    access_key_secret: str
    sign_name: str
    templates: dict[str, str]
    endpoint: str = "dysmsapi.aliyuncs.com"

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"AliyunSms(access_key_id={self.access_key_id!r}, sign_name={self.sign_name!r}, ...)"


_ALIYUN_REQUIRED = (
    ("SHENBAO_ALIYUN_SMS_ACCESS_KEY_ID", "阿里云 AccessKey ID"),
    ("SHENBAO_ALIYUN_SMS_ACCESS_KEY_SECRET", "阿里云 AccessKey Secret"),
    ("SHENBAO_ALIYUN_SMS_SIGN_NAME", "审核通过的短信签名，不带【】"),
    (
        "SHENBAO_ALIYUN_SMS_TEMPLATES",
        "模板名=模板代码，用逗号分开，如 new_application=SMS_123456789,otp=SMS_987654321",
    ),
)


def _aliyun_from_env(env: Mapping[str, str]) -> AliyunSms:
    for name, meaning in _ALIYUN_REQUIRED:
        if not env.get(name, "").strip():
            raise SettingsError(f"SHENBAO_SMS_GATEWAY=aliyun 时必须设置 {name}（{meaning}）")
    return AliyunSms(
        access_key_id=env["SHENBAO_ALIYUN_SMS_ACCESS_KEY_ID"].strip(),
        access_key_secret=env["SHENBAO_ALIYUN_SMS_ACCESS_KEY_SECRET"].strip(),
        sign_name=env["SHENBAO_ALIYUN_SMS_SIGN_NAME"].strip(),
        templates=_template_codes(env["SHENBAO_ALIYUN_SMS_TEMPLATES"]),
        endpoint=env.get("SHENBAO_ALIYUN_SMS_ENDPOINT", "").strip() or "dysmsapi.aliyuncs.com",
    )


def _template_codes(raw: str) -> dict[str, str]:
    """``name=CODE,name=CODE`` as a dict."""
    codes: dict[str, str] = {}
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        name, equals, code = (part.strip() for part in entry.partition("="))
        if not (name and equals and code):
            raise SettingsError(
                f"SHENBAO_ALIYUN_SMS_TEMPLATES 里的“{entry}”不是“模板名=模板代码”："
                "请写成 new_application=SMS_123456789,refused=SMS_234567890 这样"
            )
        codes[name] = code
    return codes


FILE_STORES = ("local", "s3")
"""The values ``SHENBAO_FILE_STORE`` takes."""


class S3Files(msgspec.Struct, frozen=True, kw_only=True):
    """An S3-compatible bucket for the uploaded pictures, for ``SHENBAO_FILE_STORE=s3`` (Aliyun OSS, MinIO, Ceph)."""

    bucket: str
    endpoint: str
    """``https://oss-cn-lanzhou.aliyuncs.com``, ``http://10.0.0.5:9000`` (plain HTTP is allowed: a private network)."""
    region: str
    access_key_id: str
    secret_access_key: str
    prefix: str = ""
    """Where in the bucket the pictures go (``shenbao/``), so one bucket may serve several platforms."""
    virtual_hosted: bool = False
    """Address the bucket as ``<bucket>.<endpoint host>`` (Aliyun OSS requires it) instead of ``<endpoint>/<bucket>``."""

    def __repr__(self) -> str:  # the secret stays out of logs and tracebacks
        return f"S3Files(bucket={self.bucket!r}, endpoint={self.endpoint!r}, prefix={self.prefix!r}, ...)"


_S3_REQUIRED = (
    ("SHENBAO_S3_BUCKET", "存图片的桶名"),
    (
        "SHENBAO_S3_ENDPOINT",
        "对象存储的 S3 接口地址，如 https://oss-cn-lanzhou.aliyuncs.com 或 http://10.0.0.5:9000",
    ),
    ("SHENBAO_S3_REGION", "区域，如 oss-cn-lanzhou；MinIO 一般是 us-east-1"),
    ("SHENBAO_S3_ACCESS_KEY_ID", "AccessKey ID"),
    ("SHENBAO_S3_SECRET_ACCESS_KEY", "AccessKey Secret"),
)


def _s3_from_env(env: Mapping[str, str]) -> S3Files | None:
    kind = env.get("SHENBAO_FILE_STORE", "").strip() or "local"
    if kind not in FILE_STORES:
        raise SettingsError(f"SHENBAO_FILE_STORE 不能是“{kind}”：请设为 {'、'.join(FILE_STORES)} 之一")
    if kind == "local":
        return None
    for name, meaning in _S3_REQUIRED:
        if not env.get(name, "").strip():
            raise SettingsError(f"SHENBAO_FILE_STORE=s3 时必须设置 {name}（{meaning}）")
    prefix = env.get("SHENBAO_S3_PREFIX", "").strip().strip("/")
    return S3Files(
        bucket=env["SHENBAO_S3_BUCKET"].strip(),
        endpoint=env["SHENBAO_S3_ENDPOINT"].strip().rstrip("/"),
        region=env["SHENBAO_S3_REGION"].strip(),
        access_key_id=env["SHENBAO_S3_ACCESS_KEY_ID"].strip(),
        secret_access_key=env["SHENBAO_S3_SECRET_ACCESS_KEY"].strip(),
        prefix=f"{prefix}/" if prefix else "",
        virtual_hosted=_flag(env, "SHENBAO_S3_VIRTUAL_HOSTED", default=False),
    )


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the platform reads from its environment.

    ``SHENBAO_DATABASE_URL``
        ``sqlite:///relative/path.db`` or ``sqlite:////absolute/path.db`` (default: ``shenbao.db`` in the data
        folder), or ``postgresql://user@host:port/db``.
    ``SHENBAO_DATA_DIR``
        where the SQLite file and uploaded files live (default: ``./data``).
    ``SHENBAO_SECRET_KEY``
        signs cookies and thumbnail links and digests verification codes: a random string of at least 32
        characters, the same in every process; comma-separated to rotate, the current one first (the others
        are still accepted). Required: ``shenbao serve`` and the plugin refuse to start without it (``shenbao
        demo`` keeps its own).
    ``SHENBAO_DEBUG``
        ``1`` shows tracebacks.
    ``SHENBAO_PACKS``
        comma-separated packs to serve (default: every pack in the packs' folder but those whose ``pack.json``
        marks them as examples).
    ``SHENBAO_SMS_GATEWAY``
        ``aliyun`` (Aliyun SMS, configured by the ``SHENBAO_ALIYUN_SMS_*`` variables: see :class:`AliyunSms`),
        or ``database`` (keep each message for a person to read) or ``console`` (print it), which send nothing.
        Required: a server never falls back to a gateway that sends nothing (``shenbao demo`` uses ``database``).
    ``SHENBAO_OTP_PER_ADDRESS_PER_HOUR``
        how many verification codes one client address may ask for in an hour (default 60).
    ``SHENBAO_FORM_DEFS``
        a folder of packs of one's own, instead of the ``form_defs/`` shipped with the package.
    ``SHENBAO_DATA_KEY``, ``SHENBAO_LOOKUP_KEY``
        the keys that encrypt identity numbers and phones and make their look-up digests: each a
        comma-separated list of ``id:base64`` (32 random bytes), the current key first (:mod:`shenbao.privacy.keyring`).
        ``shenbao serve`` refuses to start without them; ``shenbao demo`` keeps its own in a file.
    ``SHENBAO_HTTPS``
        ``1``: the platform is served over HTTPS (behind a proxy that ends TLS): every cookie is ``Secure`` and
        responses carry ``Strict-Transport-Security``. Off by default here; ``shenbao serve`` turns it on unless
        the variable says ``0``.
    ``SHENBAO_REMIND_MINUTES``
        how often the deadline reminders and escalations run, in minutes (default 10; ``0`` turns them off,
        e.g. when cron runs ``shenbao remind`` instead). Settings built in code leave them off.
    ``SHENBAO_FILE_STORE``
        where uploaded pictures are kept: ``local`` (default: the ``files`` folder in the data folder, for one
        machine) or ``s3``, an S3-compatible bucket every process and machine shares (Aliyun OSS, MinIO, Ceph),
        set by ``SHENBAO_S3_BUCKET``, ``SHENBAO_S3_ENDPOINT``, ``SHENBAO_S3_REGION``,
        ``SHENBAO_S3_ACCESS_KEY_ID``, ``SHENBAO_S3_SECRET_ACCESS_KEY`` (all required), ``SHENBAO_S3_PREFIX``
        (optional: a folder in the bucket) and ``SHENBAO_S3_VIRTUAL_HOSTED`` (``1``: the bucket in the host
        name, as Aliyun OSS wants; the endpoint then names it): see :class:`S3Files`.
    ``SHENBAO_LOG_FORMAT``
        ``json``: every log line is one JSON object (time, level, logger, message, request id), uvicorn's own
        lines included; ``text`` (the default) leaves logging as the server set it up.
    ``SHENBAO_METRICS_TOKEN``
        when set, ``/metrics`` answers only a request with ``Authorization: Bearer <token>``; unset, it answers
        anyone who reaches it (the proxy must not route it from outside).
    """

    database_url: str
    data_dir: Path
    secret_key: str
    """The current secret: signs and digests everything new. Empty when the environment has none (refused)."""
    retired_secret_keys: tuple[str, ...] = ()
    """Earlier secrets, still accepted on what they signed (cookies, thumbnail links, codes), newest first."""
    debug: bool = False
    packs: tuple[str, ...] = msgspec.field(default_factory=lambda: _default_packs(None))
    """The packs served (``SHENBAO_PACKS``); by default every pack of ``form_defs`` that is not an example."""
    form_defs: Path | None = None
    sms_gateway: str = "database"
    """Empty when ``SHENBAO_SMS_GATEWAY`` is unset (refused at start-up)."""
    aliyun_sms: AliyunSms | None = None
    """Set when ``sms_gateway`` is ``aliyun``."""
    otp_per_address_per_hour: int = 60
    remind_minutes: float = 0
    """Minutes between the deadline job's passes; 0: the application does not run it."""
    demo: bool = False
    """``shenbao demo`` turns it on: demo-only pages (the messages "sent") are mounted."""
    keys: Keyring | None = None
    """Seal identity numbers and phones and digest them for look-ups; ``None`` when the variables are unset."""
    https: bool = False
    """Served over HTTPS: ``Secure`` cookies and HSTS (``SHENBAO_HTTPS``)."""
    s3: S3Files | None = None
    """The bucket pictures are kept in (``SHENBAO_FILE_STORE=s3``); ``None``: the data folder's ``files``."""
    log_format: str = "text"
    """``text`` or ``json`` (``SHENBAO_LOG_FORMAT``)."""
    metrics_token: str = ""
    """The bearer token ``/metrics`` asks for (``SHENBAO_METRICS_TOKEN``); empty: it asks for none."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """The settings the environment (default: ``os.environ``) gives.

        Raises:
            SettingsError: an unknown SMS gateway or file store, the Aliyun gateway or the S3 store without one
                of its variables, or keys that are malformed or only one of the two.
        """
        env = os.environ if environ is None else environ
        gateway = env.get("SHENBAO_SMS_GATEWAY", "").strip()
        if gateway:
            check_sms_gateway(gateway)
        secret, *retired = _secrets_from_env(env)
        data_dir = Path(env.get("SHENBAO_DATA_DIR", "data")).resolve()
        form_defs = Path(env["SHENBAO_FORM_DEFS"]).resolve() if env.get("SHENBAO_FORM_DEFS") else None
        return cls(
            database_url=env.get("SHENBAO_DATABASE_URL") or f"sqlite:///{data_dir / 'shenbao.db'}",
            data_dir=data_dir,
            secret_key=secret,
            retired_secret_keys=tuple(retired),
            debug=env.get("SHENBAO_DEBUG", "") in {"1", "true", "yes"},
            packs=tuple(filter(None, env.get("SHENBAO_PACKS", "").split(","))) or _default_packs(form_defs),
            form_defs=form_defs,
            sms_gateway=gateway,
            aliyun_sms=_aliyun_from_env(env) if gateway == "aliyun" else None,
            otp_per_address_per_hour=int(env.get("SHENBAO_OTP_PER_ADDRESS_PER_HOUR", "60")),
            remind_minutes=float(env.get("SHENBAO_REMIND_MINUTES", "10")),
            keys=_keys_from_env(env),
            https=_flag(env, "SHENBAO_HTTPS", default=False),
            s3=_s3_from_env(env),
            log_format=_log_format(env),
            metrics_token=env.get("SHENBAO_METRICS_TOKEN", "").strip(),
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret accepted, the current one first."""
        return (self.secret_key, *self.retired_secret_keys)


def _default_packs(form_defs: Path | None) -> tuple[str, ...]:
    from shenbao.pack_manifest import served_by_default  # it reads the pack files; settings load before them
    from shenbao.paths import form_defs_dir

    return served_by_default(form_defs or form_defs_dir())


def signing_order(secrets: str | Sequence[str]) -> list[str]:
    """Secrets in itsdangerous's order: it signs with the last of a list and accepts all of them.

    Args:
        secrets: one secret, or :attr:`Settings.secrets` (the current one first).
    """
    return [secrets] if isinstance(secrets, str) else list(reversed(secrets))


def _secrets_from_env(env: Mapping[str, str]) -> list[str]:
    """``SHENBAO_SECRET_KEY``'s secrets, the current one first; ``[""]`` when it is unset."""
    secrets = [part.strip() for part in env.get("SHENBAO_SECRET_KEY", "").split(",") if part.strip()]
    for number, secret in enumerate(secrets, start=1):
        if len(secret) < MIN_SECRET_LENGTH:
            raise SettingsError(
                f"SHENBAO_SECRET_KEY 的第{number}个密钥太短：至少要{MIN_SECRET_LENGTH}个字符"
                "（`shenbao keys new` 会生成一个），多个密钥用逗号分开，当前的放在最前面"
            )
    return secrets or [""]


def https_from_env(env: Mapping[str, str], *, default: bool) -> bool:
    """``SHENBAO_HTTPS`` read with the command's own default (``serve``: on, ``demo``: off)."""
    return _flag(env, "SHENBAO_HTTPS", default=default)


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} 不能是“{raw}”：请设为 1（开）或 0（关）")


def _log_format(env: Mapping[str, str]) -> str:
    raw = env.get("SHENBAO_LOG_FORMAT", "").strip().lower() or "text"
    if raw not in LOG_FORMATS:
        raise SettingsError(
            f"SHENBAO_LOG_FORMAT 不能是“{raw}”：请设为 text（默认，给人看）或 json（每行一个 JSON 对象）"
        )
    return raw


def _keys_from_env(env: Mapping[str, str]) -> Keyring | None:
    try:
        return Keyring.from_env(env)
    except KeyringError as error:
        raise SettingsError(str(error)) from None
