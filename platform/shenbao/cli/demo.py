"""``shenbao demo``: its own keys and secret beside its SQLite file, the demo staff accounts, then the server."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import msgspec

from shenbao.privacy.keyring import KeyringError
from shenbao.settings import Settings

if TYPE_CHECKING:
    pass

from shenbao.cli.commands import encrypt_existing

__all__ = ["demo_keys", "run_demo", "seed_demo_staff"]


_DEMO_STAFF = (  # the phones are made up: the demo's messages go to /demo/sms, not to a phone
    ("demo-province", "province", "62", "省级管理员", "13900000001"),
    ("demo-county", "county", "620102", "城关区管理员", "13900000002"),
    ("demo-township", "township", "620102001", "酒泉路街道管理员", "13900000003"),
    ("demo-village", "village", "620102001001", "村级经办人", "13900000004"),
)
_DEMO_PASSWORD = "shenbao-demo"


async def seed_demo_staff(settings: Settings) -> list[str]:
    """Add the demo accounts (Lanzhou's Chengguan district, Gansu) unless they exist; one line per account."""
    from shenbao import store
    from shenbao.paths import form_defs_dir
    from shenbao.regions import divisions_of
    from shenbao.staff.accounts import StaffAccounts
    from shenbao.store.staff import staff_by_username

    divisions = divisions_of(settings.form_defs or form_defs_dir(), tuple(settings.packs))
    lines = []
    database = await store.open_database(settings.database_url)
    try:
        accounts = StaffAccounts(database)
        for username, role, region, name, phone in _DEMO_STAFF:
            if await staff_by_username(database, username) is None:
                await accounts.add(
                    username=username,
                    role=role,
                    region_code=region,
                    password=_DEMO_PASSWORD,
                    display_name=name,
                    phone=phone,
                    divisions=divisions,
                )
            place = "".join(division.name for division in divisions.path(region))
            lines.append(f"    {username} / {_DEMO_PASSWORD}  {role}  {place}")
    finally:
        await database.close()
    return lines


def demo_keys(settings: Settings) -> tuple[Settings, str]:
    """The settings with keys and a secret: the environment's, else those of the key file beside the demo's
    database (a file made by an earlier version gets its secret added)."""
    from shenbao.privacy.keyring import load_or_create_key_file, secret_from_key_file
    from shenbao.store.database import sqlite_path

    folder = settings.data_dir
    if settings.database_url.startswith("sqlite:"):
        folder = sqlite_path(settings.database_url).resolve().parent
    path = folder / "shenbao.keys.env"
    said = "from SHENBAO_DATA_KEY and SHENBAO_LOOKUP_KEY"
    if settings.keys is None:
        keys, created = load_or_create_key_file(path)
        settings = msgspec.structs.replace(settings, keys=keys)
        said = f"{'made now in' if created else 'from'} {path}"
    if not settings.secret_key:
        settings = msgspec.structs.replace(settings, secret_key=secret_from_key_file(path))
    return settings, said


def run_demo(settings: Settings, host: str, port: int, serve: Callable[[Settings, str, int], None]) -> int:
    from shenbao.packs import FormRegistry

    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        settings, keys_from = demo_keys(settings)
    except (KeyringError, OSError) as error:
        print(f"shenbao demo: {error}", file=sys.stderr)
        return 2
    # Data an earlier version kept in clear is sealed now (the command tells what it changed).
    if code := asyncio.run(encrypt_existing(settings, quiet=True)):
        return code
    forms = FormRegistry.from_packs(settings.packs, settings.form_defs)
    print(f"\n申报 shenbao demo · database {settings.database_url}")
    print(f"  Keys for ID numbers and phones: {keys_from}")
    print(f"  Open on a phone-sized window: http://{host}:{port}/")
    for form in forms:
        print(f"  {form.title()}: http://{host}:{port}/f/{form.id}")
    print(f"  JSON API: http://{host}:{port}/api/v1/forms   OpenAPI: http://{host}:{port}/api/schema")
    print(f"  Text messages the demo sent (verification codes): http://{host}:{port}/demo/sms")
    print(f"  Form builder (the province account): http://{host}:{port}/admin/")
    print(f"  Staff sign-in: http://{host}:{port}/staff/login  (username / password, role, region):")
    print("\n".join(asyncio.run(seed_demo_staff(settings))) + "\n", flush=True)
    demo = msgspec.structs.replace(settings, demo=True, sms_gateway=settings.sms_gateway or "database")
    serve(demo, host, port)
    return 0
